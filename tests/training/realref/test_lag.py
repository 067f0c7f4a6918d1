"""The lag estimator: known shifts in both directions, its sign convention, NaN frames, resampling."""
from __future__ import annotations

import numpy as np
import pytest

from training.realref.lag import fit_lag, pearson, resample, resample_times, shifted


def smooth_noise(n: int, seed: int) -> np.ndarray:
    """A band-limited random curve (so neighbouring lags correlate less than the true one)."""
    x = np.random.default_rng(seed).standard_normal(n + 20)
    return np.convolve(x, np.hanning(7), mode="same")[10:-10]


@pytest.mark.parametrize("delay", [3, -4, 0])
def test_finds_a_known_shift_and_late_is_positive(delay):
    ref = smooth_noise(600, 1)
    anim = np.roll(ref, delay)  # anim[t] = ref[t - delay]: late by `delay` frames when delay > 0
    fit = fit_lag((anim, ref), max_lag_frames=8)
    assert fit.lag_frames == delay
    assert fit.r_best > 0.99
    assert fit.lag_ms == pytest.approx(delay * 1000 / 60, abs=3)
    if delay:
        assert fit.r_zero < fit.r_best - 0.1


def test_sub_frame_lag_is_refined():
    t = np.arange(600.0)

    def curve(x):
        return np.sin(2 * np.pi * x / 37) + 0.6 * np.sin(2 * np.pi * x / 23 + 1) + 0.3 * np.sin(2 * np.pi * x / 11)

    fit = fit_lag((curve(t - 2.4), curve(t)), max_lag_frames=6)  # late by 2.4 frames = 40 ms
    assert fit.lag_frames == 2
    assert fit.lag_ms == pytest.approx(2.4 * 1000 / 60, abs=3)


def test_ties_go_to_the_smallest_lag():
    ref = np.tile([0.0, 1.0, 3.0, 2.0, 1.0, 0.5], 40)  # period 6: lags -6, 0 and +6 all match perfectly
    assert fit_lag((ref.copy(), ref), max_lag_frames=8).lag_frames == 0
    assert fit_lag((np.roll(ref, 1), ref), max_lag_frames=8).lag_frames == 1


def test_late_animation_of_a_pulse():
    ref = np.zeros(200)
    ref[100:110] = 1.0  # the mouth opens at frame 100 in the reference
    anim = np.zeros(200)
    anim[102:112] = 1.0  # the animation opens 2 frames later
    assert fit_lag((anim, ref), 6).lag_frames == 2


def test_shifted_pairs_anim_t_plus_lag_with_ref_t():
    a, r = shifted(np.arange(10), np.arange(100, 110), 2)
    assert list(a[:2]) == [2, 3] and list(r[:2]) == [100, 101] and len(a) == len(r) == 8
    a, r = shifted(np.arange(10), np.arange(100, 110), -2)
    assert list(a[:2]) == [0, 1] and list(r[:2]) == [102, 103]
    for lag in (5, -5, 7):  # a clip no longer than the lag has no pairs
        a, r = shifted(np.arange(5), np.arange(5), lag)
        assert len(a) == len(r) == 0


def test_short_clips_give_nan_not_an_error():
    fit = fit_lag((np.arange(6.0), np.arange(6.0)), max_lag_frames=12)
    assert np.isnan(fit.r_zero) and fit.lag_frames == 0


def test_nan_frames_are_skipped_not_guessed():
    ref = smooth_noise(400, 2)
    anim = np.roll(ref, 2)
    holed = ref.copy()
    holed[50:120] = np.nan
    fit = fit_lag((anim, holed), 6)
    assert fit.lag_frames == 2 and fit.r_best > 0.99
    assert fit.frames == 400 - 70
    assert np.isnan(pearson(np.full(20, np.nan), np.arange(20.0)))
    assert np.isnan(pearson(np.full(20, 0.23), np.arange(20.0)))  # a flat curve has no correlation


def test_pooled_over_clips_of_different_scale():
    clips = []
    for k, delay in enumerate([2, 2, 2]):
        ref = smooth_noise(300, 10 + k) * (k + 1) + 100 * k  # clips far apart in level
        clips.append((np.roll(ref, delay) * 0.1, ref))
    fit = fit_lag(clips, 5)
    assert fit.lag_frames == 2
    one = fit_lag(clips[0], 5)
    assert fit.r_zero == pytest.approx(one.r_zero, abs=0.15)  # within-clip agreement, not the level offsets


def test_resample_25_fps_to_60_keeps_timing_and_nan():
    t25 = np.arange(50) / 25
    curve = np.sin(2 * np.pi * 1.3 * t25)
    curve[10] = np.nan
    out = resample(curve, 25, 60, num_frames=110)
    t60 = np.arange(110) / 60
    ok = np.isfinite(out)
    assert np.allclose(out[ok], np.sin(2 * np.pi * 1.3 * t60[ok]), atol=0.03)
    # frames between source frames 9-10 and 10-11 are NaN, the exact frame at 0.4 s too; nothing else
    assert set(np.flatnonzero(~ok)[np.flatnonzero(~ok) < 100]) == set(range(22, 27))
    assert np.all(np.isnan(out[t60 > t25[-1]]))


def test_resample_times_follows_uneven_timestamps():
    times = np.array([0.0, 0.1, 0.3, 0.4])  # a dropped frame at 0.2 s
    out = resample_times(times * 10, times, num_frames=25, dst_fps=60)
    ok = np.isfinite(out)
    assert np.allclose(out[ok], np.arange(25)[ok] / 6)
    assert ok[:25].sum() == 25
