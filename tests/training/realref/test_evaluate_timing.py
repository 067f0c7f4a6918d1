"""The jaw timing rows ``emoface evaluate`` adds against the teacher (median per clip, pooled)."""
from __future__ import annotations

import numpy as np
import pytest

from training.evaluate import jaw_timing


def test_median_lag_over_clips_and_flat_clips_left_out():
    rng = np.random.default_rng(0)
    pairs = []
    for delay in (1, 2, 2):
        teacher = np.convolve(rng.standard_normal(300), np.hanning(7), "same")
        pairs.append((np.roll(teacher, delay), teacher))
    pairs.append((np.zeros(50), np.zeros(50)))  # a jaw that never moves: no r, no lag
    out = jaw_timing(pairs)
    assert out["jaw_lag_median"] == 2.0 and out["jaw_lag_pooled"] == 2.0
    assert 0.0 < out["jaw_r0_median"] < 0.99
    assert out["jaw_lag_pooled_ms"] == pytest.approx(2 * 1000 / 60, abs=10)


def test_no_usable_clip_gives_nan():
    out = jaw_timing([(np.zeros(30), np.zeros(30))])
    assert np.isnan(out["jaw_r0_median"]) and np.isnan(out["jaw_lag_median"])
