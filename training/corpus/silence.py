"""Silence of every kind in the training audio, so the model learns that no speech means a resting mouth.

Synthetic voices start and stop on cue: their lines have short, clean edges and few pauses, so a model
trained on them alone never hears a long pause, a room's noise floor, a breath or digital zeros, and
keeps the mouth moving there. :func:`apply` inserts such stretches into a line (leading, trailing and
inner pauses at phone boundaries, or a clip of no speech at all) and moves the phone spans to match;
the inserted time has no phones, so the teacher renders it as rest.

Fills (:data:`FILLS`): ``zeros`` (digital silence), ``noise`` (a white or brown noise floor at
-75..-45 dBFS), ``room`` (low-passed noise with mains hum), ``breath`` (the noise floor with an
audible breath in longer pauses).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.signal import butter, sosfilt

from training.phones import SILENCE, PhoneSpan

FILLS = ("zeros", "noise", "room", "breath")
EDGE_FADE_S = 0.01
"""Fade applied to speech at an inner cut, so the pause does not start with a click."""


@dataclass(frozen=True)
class Silence:
    """lead_s / trail_s: pause before and after the line; inner_s: inner pause lengths, inserted at
    phone boundaries chosen by ``seed``; fill: one of :data:`FILLS`; level_dbfs: noise floor level;
    speech: False = the line is dropped and only the silence remains (lead + trail seconds)."""

    lead_s: float = 0.0
    trail_s: float = 0.0
    inner_s: tuple[float, ...] = field(default_factory=tuple)
    fill: str = "zeros"
    level_dbfs: float = -60.0
    speech: bool = True
    seed: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def random_silence(rng: np.random.Generator) -> Silence:
    """A pause plan for a training line: long leading and trailing pauses, up to two inner ones,
    and one clip in twelve with no speech at all."""
    fill = FILLS[int(rng.integers(len(FILLS)))]
    level = float(rng.uniform(-75.0, -45.0))
    seed = int(rng.integers(2**31))
    if rng.random() < 1 / 12:
        return Silence(float(rng.uniform(1.0, 3.0)), float(rng.uniform(0.5, 2.0)), (), fill, level, False, seed)
    inner = tuple(float(rng.uniform(0.3, 1.5)) for _ in range(int(rng.integers(0, 3))))
    return Silence(float(rng.uniform(0.0, 2.0)), float(rng.uniform(0.2, 2.0)), inner, fill, level, True, seed)


def apply(audio: np.ndarray, rate: int, spans: list[PhoneSpan], plan: Silence) -> tuple[np.ndarray, list[PhoneSpan]]:
    """``audio`` with the planned pauses inserted, and ``spans`` moved to match (inserted time has no phones)."""
    if plan.fill not in FILLS:
        raise ValueError(f"unknown silence fill {plan.fill!r}; expected one of {', '.join(FILLS)}")
    rng = np.random.default_rng(plan.seed)
    x, spans = (audio.astype(np.float32), list(spans)) if plan.speech else (audio[:0].astype(np.float32), [])
    cuts = _inner_cuts(spans, len(plan.inner_s), rng)
    bounds = [0, *(int(round(c * rate)) for c in cuts), len(x)]
    pieces = [_fill(int(round(plan.lead_s * rate)), rate, plan, rng)]
    for k in range(len(bounds) - 1):
        piece = x[bounds[k]:bounds[k + 1]]
        pieces.append(_fade(piece, rate, fade_in=k > 0, fade_out=k < len(cuts)))
        if k < len(cuts):
            pieces.append(_fill(int(round(plan.inner_s[k] * rate)), rate, plan, rng))
    pieces.append(_fill(int(round(plan.trail_s * rate)), rate, plan, rng))
    offsets = np.concatenate([[plan.lead_s], plan.lead_s + np.cumsum(plan.inner_s[:len(cuts)])])
    moved = [_shifted(s, float(offsets[int(np.searchsorted(cuts, s.start_s + 1e-9))])) for s in spans]
    return np.concatenate(pieces).astype(np.float32), moved


def _shifted(span: PhoneSpan, shift: float) -> PhoneSpan:
    return PhoneSpan(span.phone, span.start_s + shift, span.end_s + shift)


def _inner_cuts(spans: list[PhoneSpan], count: int, rng: np.random.Generator) -> list[float]:
    """``count`` distinct phone boundaries (seconds) inside the line, preferring existing pauses."""
    speech = [s for s in spans if s.phone != SILENCE]
    if count == 0 or len(speech) < 4:
        return []
    pauses = [s.start_s for s in spans if s.phone == SILENCE and speech[0].end_s <= s.start_s < speech[-1].start_s]
    bounds = [s.start_s for s in speech[2:-1]]
    pool = pauses + [b for b in rng.permutation(bounds) if b not in pauses]
    return sorted(pool[:count])


def _fill(n: int, rate: int, plan: Silence, rng: np.random.Generator) -> np.ndarray:
    if n <= 0:
        return np.zeros(0, dtype=np.float32)
    if plan.fill == "zeros":
        return np.zeros(n, dtype=np.float32)
    amp = 10 ** (plan.level_dbfs / 20)
    noise = rng.standard_normal(n)
    if plan.fill == "room" or (plan.fill == "noise" and rng.random() < 0.5):  # brown-ish: low-passed
        noise = sosfilt(butter(2, 300, fs=rate, output="sos"), noise)
    noise *= amp / (np.sqrt(np.mean(noise**2)) + 1e-12)
    if plan.fill == "room":
        t = np.arange(n) / rate
        noise += 0.5 * amp * np.sin(2 * np.pi * float(rng.choice([50.0, 60.0])) * t + rng.uniform(0, 2 * np.pi))
    if plan.fill == "breath" and n > 0.5 * rate:
        noise += _breath(n, rate, rng)
    return noise.astype(np.float32)


def _breath(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    """An inhalation: band-passed noise (500-2500 Hz) under a smooth 0.25-0.5 s envelope, -40..-25 dBFS."""
    length = min(int(rng.uniform(0.25, 0.5) * rate), n)
    start = int(rng.integers(0, n - length + 1))
    burst = sosfilt(butter(2, (500, 2500), btype="band", fs=rate, output="sos"), rng.standard_normal(length))
    burst *= np.sin(np.pi * np.arange(length) / length) ** 2
    burst *= 10 ** (rng.uniform(-40, -25) / 20) / (np.sqrt(np.mean(burst**2)) + 1e-12)
    out = np.zeros(n)
    out[start:start + length] = burst
    return out


def _fade(x: np.ndarray, rate: int, fade_in: bool, fade_out: bool) -> np.ndarray:
    """``x`` with short linear fades at the edges that meet an inserted pause (no clicks at a cut)."""
    n = min(int(EDGE_FADE_S * rate), len(x) // 2)
    if n == 0 or not (fade_in or fade_out):
        return x
    ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
    x = x.copy()
    if fade_in:
        x[:n] *= ramp
    if fade_out:
        x[-n:] *= ramp[::-1]
    return x
