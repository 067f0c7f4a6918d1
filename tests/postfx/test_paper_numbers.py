"""The paper's post-processing numbers, each stated here as a literal or derived independently.

Source: EmoFace (Liu et al., IEEE VR 2024) as summarised in shared/reference/emoface_paper.md;
the sections named below are that page's. Nothing here is compared with the product constant
it checks: the product's blink kernel, rate model, smoothing filter and gaze generator are
driven and their outputs compared with the paper's numbers.
"""
import numpy as np
import pytest
from scipy.signal import savgol_filter

from model.rig import rig
from postfx.blink.sampler import BlinkOptions, BlinkTrack, blink_multiplier
from postfx.chain import PostFxChain, PostFxOptions
from postfx.gate_stage import SpeechGateOptions
from postfx.gaze import GazeOptions, GazeTrack
from postfx.smoothing import SmoothingOptions, StreamSmoother, smooth

# "Blink / Synthesis": the 13-frame openness multiplier at 60 fps.
PAPER_BLINK_K = [0.95, 0.75, 0.55, 0.30, 0.00, 0.05, 0.15, 0.25, 0.35, 0.45, 0.60, 0.75, 0.90]
# "Blink / Rate model": mean and s.d. of ln(blinks per minute); "Synthesis": the rate clamp per minute.
PAPER_LN_RATE_MEAN, PAPER_LN_RATE_SD = 3.518, 0.532
PAPER_RATE_MIN, PAPER_RATE_MAX = 15.0, 100.0
# "Network / Post-filter": Savitzky-Golay window 15 frames, order 3, edge mode "nearest".
PAPER_SG_WINDOW, PAPER_SG_ORDER = 15, 3
# "Gaze": hold 15-45 frames, radius 0.1-0.2, back to centre with probability 0.4, 5-frame linear move.
PAPER_HOLD_MIN, PAPER_HOLD_MAX = 15, 45
PAPER_RADIUS_MIN, PAPER_RADIUS_MAX = 0.1, 0.2
PAPER_TRANSITION_FRAMES = 5


# ---------------------------------------------------------------- blink kernel
def test_blink_multiplier_at_60_fps_is_the_papers_13_values():
    assert blink_multiplier(60).tolist() == pytest.approx(PAPER_BLINK_K, abs=1e-12)


def test_one_blink_applies_the_papers_curve_to_both_blink_controls():
    """A single blink on eyes at rest (v = 0) gives v' = 1 - k frame by frame; at v = 0.4, 1 - 0.6 k."""
    track = BlinkTrack(BlinkOptions(), np.random.default_rng(3), 60)
    track.extend_to(100_000)
    onset = track.onsets[0]
    assert track.onsets[1] - onset >= 36  # 100 blinks/min at most: the next blink is outside the clip
    frames = np.zeros((onset + 18, 174), np.float32)
    blink = rig().flagged("blink")
    assert len(blink) == 2
    frames[:, blink[1]] = 0.4
    out = BlinkTrack(BlinkOptions(), np.random.default_rng(3), 60).apply(frames)
    k = np.array(PAPER_BLINK_K)
    assert np.allclose(out[onset : onset + 13, blink[0]], 1.0 - k, atol=1e-6)
    assert np.allclose(out[onset : onset + 13, blink[1]], 1.0 - 0.6 * k, atol=1e-6)
    assert np.all(out[:onset, blink[0]] == 0.0) and np.all(out[onset + 13 :, blink[0]] == 0.0)


def test_blink_multiplier_at_other_rates_keeps_the_papers_duration_and_shape():
    """13 frames at 60 fps last 13/60 s; at 120 fps the same curve is sampled twice as densely."""
    k120 = blink_multiplier(120)
    assert len(k120) == 26 and k120.min() == 0.0
    t_paper = (np.arange(13) + 0.5) / 60
    t_120 = (np.arange(26) + 0.5) / 120
    expected = np.interp(t_120, t_paper, PAPER_BLINK_K)
    closed = int(np.argmin(k120))
    assert np.allclose(np.delete(k120, closed), np.delete(expected, closed), atol=1e-12)


# ---------------------------------------------------------------- blink rate
def test_default_blink_options_are_the_papers_fit_and_clamp():
    opts = BlinkOptions()
    assert (opts.mu, opts.sigma) == (PAPER_LN_RATE_MEAN, PAPER_LN_RATE_SD)
    assert (opts.min_rate_per_min, opts.max_rate_per_min) == (PAPER_RATE_MIN, PAPER_RATE_MAX)


def test_default_rates_have_the_papers_median_and_spread():
    """ln(rate) of the default sampler: median 3.518, interquartile range 2 * 0.6745 * 0.532 (inside the clamp)."""
    track = BlinkTrack(BlinkOptions(), np.random.default_rng(21), 60)
    track.extend_to(30 * 60 * 60)  # 30 minutes
    ln_rate = np.log(60.0 / (np.diff(track.onsets) / 60.0))
    assert len(ln_rate) > 800
    assert np.median(ln_rate) == pytest.approx(PAPER_LN_RATE_MEAN, abs=0.06)
    q1, q3 = np.percentile(ln_rate, [25, 75])
    assert q3 - q1 == pytest.approx(2 * 0.6745 * PAPER_LN_RATE_SD, rel=0.12)


@pytest.mark.parametrize("mu,interval_frames", [(5.9, 36), (0.5, 240)])
def test_rates_are_clamped_to_15_and_100_per_minute(mu, interval_frames):
    """With sigma 0 every draw is exp(mu): e^5.9 = 365/min clamps to 100 (0.6 s = 36 frames),
    e^0.5 = 1.6/min clamps to 15 (4 s = 240 frames)."""
    track = BlinkTrack(BlinkOptions(mu=mu, sigma=0.0), np.random.default_rng(0), 60)
    track.extend_to(3000)
    assert track.onsets[0] == interval_frames
    assert set(np.diff(track.onsets).tolist()) == {interval_frames}


# ---------------------------------------------------------------- smoothing
def test_default_smoothing_is_scipy_savgol_15_3_nearest():
    x = np.random.default_rng(4).normal(size=(300, 6))
    expected = savgol_filter(x, PAPER_SG_WINDOW, PAPER_SG_ORDER, axis=0, mode="nearest")
    assert np.allclose(smooth(x, SmoothingOptions()), expected, atol=1e-5)
    s = StreamSmoother(SmoothingOptions())
    parts = [s.push(x[i : i + 11]) for i in range(0, len(x), 11)] + [s.finish()]
    assert np.allclose(np.concatenate(parts), expected, atol=1e-5)


def test_default_chain_smooths_with_the_papers_filter():
    """The chain with blinks, gaze and the speech gate off and neutral gains is the paper's filter then the
    rig's clamp."""
    x = np.random.default_rng(5).normal(0, 0.1, size=(240, 174)).astype(np.float32)
    opts = PostFxOptions(blink=BlinkOptions(enabled=False), gaze=GazeOptions(enabled=False),
                         speech_gate=SpeechGateOptions("off"))
    out = PostFxChain(opts, seed=0).process(x)
    expected = np.clip(savgol_filter(x.astype(np.float64), 15, 3, axis=0, mode="nearest"),
                       rig().range_min, rig().range_max)
    assert np.allclose(out, expected, atol=1e-5)


# ---------------------------------------------------------------- gaze
def _gaze(seed: int, frames: int = 60 * 60 * 20) -> GazeTrack:
    track = GazeTrack(GazeOptions(), np.random.default_rng(seed), 60)
    track.extend_to(frames)
    return track


def test_gaze_holds_cover_15_to_45_frames_uniformly():
    moves = _gaze(6).moves
    holds = np.diff([m.start_frame for m in moves]) - PAPER_TRANSITION_FRAMES
    assert holds.min() == PAPER_HOLD_MIN and holds.max() == PAPER_HOLD_MAX
    assert holds.mean() == pytest.approx((PAPER_HOLD_MIN + PAPER_HOLD_MAX) / 2, abs=0.6)
    first = moves[0].start_frame
    assert PAPER_HOLD_MIN <= first <= PAPER_HOLD_MAX  # the first hold starts at frame 0


def test_gaze_targets_have_radius_0_1_to_0_2_at_a_uniform_angle():
    moves = [m for m in _gaze(7).moves if not m.to_centre]
    r = np.array([np.hypot(*m.target) for m in moves])
    angle = np.array([np.arctan2(m.target[1], m.target[0]) for m in moves])
    assert r.min() >= PAPER_RADIUS_MIN - 1e-12 and r.max() <= PAPER_RADIUS_MAX + 1e-12
    assert r.min() < PAPER_RADIUS_MIN + 0.003 and r.max() > PAPER_RADIUS_MAX - 0.003
    assert r.mean() == pytest.approx((PAPER_RADIUS_MIN + PAPER_RADIUS_MAX) / 2, abs=0.004)
    quadrants = np.histogram(angle, bins=4, range=(-np.pi, np.pi))[0] / len(angle)
    assert np.allclose(quadrants, 0.25, atol=0.04)


def test_gaze_moves_linearly_over_5_frames_then_holds():
    track = _gaze(8, 3000)
    xy = track.offsets(0, 3000)
    prev = np.zeros(2)
    for m in track.moves[:-1]:
        s, target = m.start_frame, np.array(m.target)
        for k in range(1, PAPER_TRANSITION_FRAMES + 1):
            assert np.allclose(xy[s + k - 1], prev + k / PAPER_TRANSITION_FRAMES * (target - prev), atol=1e-12)
        assert np.allclose(xy[s + PAPER_TRANSITION_FRAMES - 1 : s + PAPER_TRANSITION_FRAMES + PAPER_HOLD_MIN - 1],
                           target, atol=1e-12)
        prev = target
    assert np.allclose(xy[: track.moves[0].start_frame], 0.0)
