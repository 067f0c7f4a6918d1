"""Silence inserted into training lines (issue 12): the audio and the phone spans move together."""
from __future__ import annotations

import numpy as np
import pytest

from training.corpus.silence import FILLS, Silence, apply, random_silence
from training.phones import PhoneSpan

RATE = 16000
SPANS = [PhoneSpan("SIL", 0.0, 0.1), PhoneSpan("HH", 0.1, 0.2), PhoneSpan("AH", 0.2, 0.3), PhoneSpan("L", 0.3, 0.4),
         PhoneSpan("SIL", 0.4, 0.5), PhoneSpan("OW", 0.5, 0.7), PhoneSpan("W", 0.7, 0.8), PhoneSpan("ER", 0.8, 1.0)]


def _line() -> np.ndarray:
    """1 s of a 200 Hz tone: every sample of speech is non-zero except at the tone's zero crossings."""
    return (0.5 * np.sin(2 * np.pi * 200 * np.arange(RATE) / RATE + 0.3)).astype(np.float32)


def test_pauses_shift_the_spans_and_keep_the_speech():
    audio, spans = apply(_line(), RATE, SPANS, Silence(lead_s=0.5, trail_s=0.25, inner_s=(0.75,), fill="zeros"))
    assert len(audio) == RATE + int(0.5 * RATE) + int(0.25 * RATE) + int(0.75 * RATE)
    # the one inner pause goes to the line's own pause (the SIL at 0.4 s): spans before it move by the
    # lead (0.5 s), spans from it on by lead + pause (1.25 s)
    starts = [round(s.start_s, 6) for s in spans]
    assert starts == [0.5, 0.6, 0.7, 0.8, 1.65, 1.75, 1.95, 2.05]
    assert [s.phone for s in spans] == [s.phone for s in SPANS]
    # exact digital silence where pauses were inserted; the speech itself is there, unchanged
    assert not audio[: int(0.5 * RATE)].any() and not audio[-int(0.25 * RATE):].any()
    assert not audio[int(0.9 * RATE): int(1.65 * RATE)].any()
    np.testing.assert_array_equal(audio[int(0.5 * RATE) + 200: int(0.9 * RATE) - 200], _line()[200: int(0.4 * RATE) - 200])


def test_no_speech_clip_has_no_phones():
    audio, spans = apply(_line(), RATE, SPANS, Silence(lead_s=1.0, trail_s=0.5, fill="noise", level_dbfs=-60,
                                                    speech=False))
    assert spans == [] and len(audio) == int(1.5 * RATE)
    assert 20 * np.log10(np.sqrt(np.mean(audio.astype(np.float64) ** 2))) == pytest.approx(-60, abs=0.5)


@pytest.mark.parametrize("fill", FILLS)
def test_fills_stay_quiet(fill):
    audio, _ = apply(_line(), RATE, SPANS, Silence(lead_s=1.0, fill=fill, level_dbfs=-55, seed=3))
    lead = audio[: RATE].astype(np.float64)
    level = 20 * np.log10(np.sqrt(np.mean(lead**2)) + 1e-12)
    if fill == "zeros":
        assert not lead.any()
    else:  # a noise floor at the level asked for (a breath and hum add a little)
        assert -56 <= level <= -25


def test_cut_inside_a_line_fades_instead_of_clicking():
    spans = [PhoneSpan(p, 0.1 * k, 0.1 * (k + 1)) for k, p in enumerate(["HH", "AH", "L", "OW", "W", "ER"])]
    audio, moved = apply(_line()[: int(0.6 * RATE)], RATE, spans, Silence(inner_s=(0.5,), fill="zeros", seed=1))
    cut_s = next(old.start_s for old, new in zip(spans, moved) if new.start_s - old.start_s > 0.25)
    assert cut_s in (0.2, 0.3, 0.4)  # a phone boundary inside the line, not its first or last phone
    cut, resume = int(round(cut_s * RATE)), int(round((cut_s + 0.5) * RATE))
    assert not audio[cut:resume].any()
    # 10 ms linear fades on both sides of the pause: the tone (amplitude 0.5) starts and ends near 0
    assert np.abs(audio[cut - 8: cut]).max() < 0.5 * 8 / 160 + 1e-6
    assert np.abs(audio[resume: resume + 8]).max() < 0.5 * 8 / 160 + 1e-6
    assert np.abs(audio[cut - 400: cut - 200]).max() > 0.45


def test_random_plans_are_seeded_and_varied():
    plans = [random_silence(np.random.default_rng(k)) for k in range(300)]
    assert plans[7] == random_silence(np.random.default_rng(7))
    assert {p.fill for p in plans} == set(FILLS)
    no_speech = sum(not p.speech for p in plans) / len(plans)
    assert 0.03 < no_speech < 0.15  # one in twelve
    assert max(p.lead_s for p in plans) > 1.5 and max(len(p.inner_s) for p in plans) == 2
    assert all(0.3 <= s <= 1.5 for p in plans for s in p.inner_s)
