"""Pause detection finds an inserted pause; the rest metric returns the jaw of exactly those frames."""
from __future__ import annotations

import numpy as np
import pytest

from model.constants import SAMPLE_RATE_HZ
from training.baselines import frame_energy_db
from training.realref.pauses import PauseOptions, pause_mask, pause_spans, runs
from training.realref.rest import RestOptions, padded, pause_values, rest_clips

HOP = SAMPLE_RATE_HZ // 60


def speech_like(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE_HZ)
    t = np.arange(n) / SAMPLE_RATE_HZ
    return (0.3 * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t)) * rng.standard_normal(n)).astype(np.float32)


def test_runs():
    assert runs(np.array([0, 1, 1, 0, 1], bool)) == [(1, 3), (4, 5)]
    assert runs(np.zeros(3, bool)) == []


def test_finds_an_inserted_pause_and_ignores_a_short_gap():
    audio = speech_like(3.0)
    audio[HOP * 60 : HOP * 90] *= 1e-3  # 30 frames (0.5 s) 60 dB down, starting at frame 60
    audio[HOP * 150 : HOP * 160] = 0  # 10 frames (0.17 s) of zeros: too short for a pause
    mask = pause_mask(audio)
    assert np.flatnonzero(mask).tolist() == list(range(60, 90))


def test_threshold_and_min_length_are_used():
    level = np.zeros(100)
    level[20:40] = -25.0  # 25 dB under the speech level, 20 frames
    assert pause_spans(level) == []  # default: 30 dB under
    assert pause_spans(level, PauseOptions(below_speech_db=20)) == [(20, 40)]
    assert pause_spans(level, PauseOptions(below_speech_db=20, min_pause_s=0.4)) == []
    level[38:40] = 0.0  # 18 frames = exactly 0.3 s: still a pause; 17 frames: not
    assert pause_spans(level, PauseOptions(below_speech_db=20)) == [(20, 38)]
    level[37] = 0.0
    assert pause_spans(level, PauseOptions(below_speech_db=20)) == []


def test_rest_metric_returns_the_jaw_of_the_pause_frames():
    jaw = np.arange(10) / 10
    mask = np.array([0, 0, 1, 1, 1, 0, 0, 0, 1, 0], bool)
    assert pause_values(jaw, mask).tolist() == [0.2, 0.3, 0.4, 0.8]
    assert float(np.median(pause_values(jaw, mask))) == pytest.approx(0.35)


def test_padded_hello_has_leading_and_trailing_pauses():
    audio = padded(speech_like(2.0), pad_s=1.0)
    spans = pause_spans(frame_energy_db(audio, len(audio) // HOP))
    assert spans[0] == (0, 60) and spans[-1][1] == len(audio) // HOP and spans[-1][0] >= 179


def test_rest_clips_levels():
    clips = rest_clips(RestOptions(duration_s=1.0, noise_dbfs=(-60.0, -45.0)))
    assert np.all(clips["zeros"] == 0) and len(clips["zeros"]) == SAMPLE_RATE_HZ
    for level in (-60, -45):
        rms_db = 20 * np.log10(np.sqrt(np.mean(clips[f"noise_{level}dBFS"].astype(float) ** 2)))
        assert rms_db == pytest.approx(level, abs=0.2)
