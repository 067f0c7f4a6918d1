"""The blink sampler against the paper's log-normal model."""
import numpy as np
import pytest
from scipy import stats

from model.rig import rig
from postfx.blink.sampler import BlinkOptions, BlinkTrack, blink_multiplier

# shared/reference/emoface_paper.md, "Blink": ln(rate) ~ N(3.518, 0.532), rates clamped to [15, 100] per minute,
# and the 13-frame multiplier at 60 fps. Literals here, never the product's constants.
PAPER_MU, PAPER_SIGMA = 3.518, 0.532
PAPER_K = [0.95, 0.75, 0.55, 0.30, 0.00, 0.05, 0.15, 0.25, 0.35, 0.45, 0.60, 0.75, 0.90]


def _rates(opts: BlinkOptions, minutes: float, seed: int, fps: int = 60) -> np.ndarray:
    track = BlinkTrack(opts, np.random.default_rng(seed), fps)
    track.extend_to(int(minutes * 60 * fps))
    intervals_s = np.diff(track.onsets) / fps
    return 60.0 / intervals_s


def test_rates_over_ten_minutes_follow_the_clamped_log_normal():
    opts = BlinkOptions()
    rates = _rates(opts, 10, seed=11)
    assert len(rates) > 150
    assert rates.min() >= 15 * 0.98 and rates.max() <= 100 * 1.1  # frame rounding of intervals
    inner = np.log(rates[(rates > 16) & (rates < 90)])
    lo, hi = np.log(16), np.log(90)
    a, b = (lo - PAPER_MU) / PAPER_SIGMA, (hi - PAPER_MU) / PAPER_SIGMA
    truncated = stats.truncnorm(a, b, loc=PAPER_MU, scale=PAPER_SIGMA)
    assert stats.kstest(inner, truncated.cdf).pvalue > 0.01
    # the wrong sigma is rejected by the same test
    wrong = stats.truncnorm((lo - PAPER_MU) / 0.25, (hi - PAPER_MU) / 0.25, loc=PAPER_MU, scale=0.25)
    assert stats.kstest(inner, wrong.cdf).pvalue < 0.01


def test_mu_changes_the_rate():
    slow = _rates(BlinkOptions(mu=2.9, sigma=0.2), 10, seed=1)
    fast = _rates(BlinkOptions(mu=3.9, sigma=0.2), 10, seed=1)
    assert np.median(slow) == pytest.approx(np.exp(2.9), rel=0.1)
    assert np.median(fast) == pytest.approx(np.exp(3.9), rel=0.1)


def test_blink_values_stay_in_range_and_close_fully():
    frames = np.zeros((3600, 174), np.float32)
    blink = rig().flagged("blink")
    frames[:, blink] = np.linspace(-1, 1, 3600)[:, None]
    out = BlinkTrack(BlinkOptions(), np.random.default_rng(0), 60).apply(frames)
    assert np.all(out[:, blink] <= 1.0) and np.all(out[:, blink] >= -1.0)
    assert np.isclose(out[:, blink].max(), 1.0)
    others = np.setdiff1d(np.arange(174), blink)
    assert np.array_equal(out[:, others], frames[:, others])


def test_multiplier_is_the_papers_at_60_fps_and_keeps_duration_elsewhere():
    assert np.allclose(blink_multiplier(60), PAPER_K, rtol=0, atol=1e-12)
    k30 = blink_multiplier(30)
    assert len(k30) in (6, 7) and k30.min() == 0.0
    assert len(blink_multiplier(120)) == 26


def test_prefix_independent_of_total_length():
    a = BlinkTrack(BlinkOptions(), np.random.default_rng(5), 60)
    b = BlinkTrack(BlinkOptions(), np.random.default_rng(5), 60)
    whole = a.multiplier(0, 2000)
    pieces = np.concatenate([b.multiplier(s, 100) for s in range(0, 2000, 100)])
    assert np.array_equal(whole, pieces)


def test_profile_sets_mu_and_sigma(tmp_path):
    path = tmp_path / "profile.json"
    path.write_text('{"mu": 2.5, "sigma": 0.3, "num_blinks": 40}')
    opts = BlinkOptions.from_profile(path)
    assert (opts.mu, opts.sigma) == (2.5, 0.3)
    path.write_text('{"mu": "x"}')
    with pytest.raises(ValueError):
        BlinkOptions.from_profile(path)
