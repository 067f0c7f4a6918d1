import numpy as np
import pytest
from scipy.signal import savgol_filter

from model.errors import InputError
from postfx.smoothing import SmoothingOptions, StreamSmoother, smooth


def test_matches_scipy_savgol_nearest():
    x = np.random.default_rng(0).normal(size=(200, 5))
    assert np.allclose(smooth(x, SmoothingOptions()), savgol_filter(x, 15, 3, axis=0, mode="nearest"), atol=1e-5)


def test_constants_and_cubics_pass_unchanged():
    t = np.arange(120, dtype=np.float64)
    cubic = 1e-6 * (t - 60) ** 3 - 1e-4 * t**2 + 0.01 * t + 0.3
    x = np.stack([np.full_like(t, 0.7), cubic], axis=1)
    y = smooth(x, SmoothingOptions())
    interior = slice(7, -7)  # "nearest" padding bends a cubic at the very edges only
    assert np.allclose(y[:, 0], 0.7, atol=1e-6)
    assert np.allclose(y[interior, 1], cubic[interior], atol=1e-5)


def test_stream_with_full_lookahead_equals_offline():
    x = np.random.default_rng(1).normal(size=(137, 3)).astype(np.float32)
    s = StreamSmoother(SmoothingOptions())
    parts = [s.push(x[i : i + 10]) for i in range(0, len(x), 10)] + [s.finish()]
    assert np.allclose(np.concatenate(parts), smooth(x, SmoothingOptions()), atol=1e-5)


def test_stream_with_short_lookahead_emits_sooner_and_stays_close():
    x = np.cumsum(np.random.default_rng(2).normal(0, 0.01, size=(300, 2)), axis=0).astype(np.float32)
    s = StreamSmoother(SmoothingOptions(), lookahead_frames=3)
    first = s.push(x[:10])
    assert len(first) == 7  # frames 0..6 are final once frame 9 is in
    out = np.concatenate([first, s.push(x[10:]), s.finish()])
    assert out.shape == x.shape
    assert np.abs(out - smooth(x, SmoothingOptions())).mean() < 0.005


@pytest.mark.parametrize("kwargs", [{"window_frames": 14}, {"window_frames": 15, "polyorder": 15}, {"window_frames": 1}])
def test_bad_options_are_rejected(kwargs):
    with pytest.raises(InputError):
        SmoothingOptions(**kwargs)
