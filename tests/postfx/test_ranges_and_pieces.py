"""Option ranges named in their errors, any-order evaluation of blink and gaze tracks, stream edges.

Written against mutation-testing survivors (docs/testing.md): each test checks a behaviour a user or
the streaming pipeline relies on, with expected values stated here.
"""
import re

import numpy as np
import pytest

from model.errors import InputError
from model.rig import rig
from postfx.blink.sampler import BlinkOptions, BlinkTrack
from postfx.gains import GainOptions
from postfx.gaze import GazeOptions, GazeTrack
from postfx.smoothing import SmoothingOptions, StreamSmoother, smooth

# (options class, field, accepted boundary values, rejected values, name the error must carry)
RANGES = [
    (BlinkOptions, "mu", [0.0, 6.0], [-0.01, 6.01], "blink.mu"),
    (BlinkOptions, "sigma", [0.0, 3.0], [-0.01, 3.01], "blink.sigma"),
    (BlinkOptions, "min_rate_per_min", [0.5, 15.0], [0.49, 200.01], "blink.min_rate_per_min"),
    (BlinkOptions, "max_rate_per_min", [15.0, 200.0], [14.9, 200.01], "blink.max_rate_per_min"),
    (GainOptions, "mouth", [0.0, 3.0], [-0.01, 3.01], "gains.mouth"),
    (GainOptions, "upper_face", [0.0, 3.0], [-0.01, 3.01], "gains.upper_face"),
    (SmoothingOptions, "window_frames", [3, 301], [1, 303], "smoothing.window_frames"),
    (SmoothingOptions, "polyorder", [0, 14], [-1, 15], "smoothing.polyorder"),
    (GazeOptions, "hold_min_frames", [1, 45], [0], "gaze.hold_min_frames"),
    (GazeOptions, "hold_max_frames", [15, 6000], [14, 6001], "gaze.hold_max_frames"),
    (GazeOptions, "radius_min", [0.0, 0.2], [-0.01, 1.01], "gaze.radius_min"),
    (GazeOptions, "radius_max", [0.1, 1.0], [0.09, 1.01], "gaze.radius_max"),
    (GazeOptions, "return_to_centre_prob", [0.0, 1.0], [-0.01, 1.01], "gaze.return_to_centre_prob"),
    (GazeOptions, "transition_frames", [1, 600], [0, 601], "gaze.transition_frames"),
]


@pytest.mark.parametrize("cls,name,ok,bad,label", RANGES, ids=[r[-1] for r in RANGES])
def test_option_ranges_are_inclusive_and_errors_name_the_option(cls, name, ok, bad, label):
    extra = {"polyorder": 0} if name == "window_frames" else {}
    for value in ok:
        assert getattr(cls(**{name: value, **extra}), name) == value
    for value in bad:
        with pytest.raises(InputError, match=rf"^option {re.escape(label)} must be in \[") as err:
            cls(**{name: value, **extra})
        assert str(err.value).endswith(f"got {value}")


def test_per_control_gain_range_and_name():
    assert GainOptions(controls=(("CTRL_C_jaw.ty", 0.0), ("CTRL_C_jaw.tx", 3.0))).vector().max() == 3.0
    for gain in (-0.01, 3.01):
        with pytest.raises(InputError, match=r"^option gains\.controls\[CTRL_C_jaw\.ty\] must be in \[0\.0, 3\.0\]"):
            GainOptions(controls=(("CTRL_C_jaw.ty", gain),))


def test_even_window_error_names_the_option():
    with pytest.raises(InputError, match=r"smoothing\.window_frames must be odd, got 14"):
        SmoothingOptions(window_frames=14)


def test_blink_profile_errors_name_the_file(tmp_path):
    with pytest.raises(InputError, match="blink profile not found: .*nope.json"):
        BlinkOptions.from_profile(tmp_path / "nope.json")
    (tmp_path / "p.json").write_text('{"mu": 3}')
    with pytest.raises(InputError, match="p.json needs numeric 'mu' and 'sigma'"):
        BlinkOptions.from_profile(tmp_path / "p.json")


# ---------------------------------------------------------------- blink: any range, in any order
def test_blink_multiplier_for_any_range_in_any_order_equals_the_whole():
    whole = BlinkTrack(BlinkOptions(), np.random.default_rng(7), 60).multiplier(0, 4000)
    track = BlinkTrack(BlinkOptions(), np.random.default_rng(7), 60)
    track.extend_to(4000)  # later frames first: earlier ranges must still come out right
    onset = track.onsets[3]
    for start in [*range(onset - 2, onset + 15), 0, 3000, 1234]:
        for n in (1, 5, 40):
            assert np.array_equal(track.multiplier(start, n), whole[start : start + n]), (start, n)


def test_blink_apply_to_one_frame_and_to_none():
    blink = rig().flagged("blink")
    track = BlinkTrack(BlinkOptions(), np.random.default_rng(3), 60)
    track.extend_to(10_000)
    closed = track.onsets[0] + 4  # the paper's multiplier is 0 on its fifth frame
    out = track.apply(np.zeros((1, 174), np.float32), start_frame=closed)
    assert np.allclose(out[0, blink], 1.0)
    assert track.apply(np.zeros((0, 174), np.float32)).shape == (0, 174)


# ---------------------------------------------------------------- gaze
def test_gaze_is_added_to_the_eye_controls_not_written_over_them():
    track = GazeTrack(GazeOptions(), np.random.default_rng(4), 60)
    frames = np.full((400, 174), 0.3, np.float32)
    xy = GazeTrack(GazeOptions(), np.random.default_rng(4), 60).offsets(0, 400)
    out = track.apply(frames)
    x, y = rig().index("CTRL_C_eye.tx"), rig().index("CTRL_C_eye.ty")
    assert np.allclose(out[:, x], 0.3 + xy[:, 0]) and np.allclose(out[:, y], 0.3 + xy[:, 1])
    assert np.abs(xy).max() > 0.05


def test_moves_to_centre_go_to_zero():
    track = GazeTrack(GazeOptions(), np.random.default_rng(5), 60)
    track.extend_to(6000)
    xy = track.offsets(0, 6000)
    centre = [m for m in track.moves[1:-1] if m.to_centre]
    assert len(centre) > 20
    for m in centre:
        assert m.target == (0.0, 0.0)
        assert np.allclose(xy[m.start_frame + m.length - 1], 0.0)


@pytest.mark.parametrize("seed", [6, 7, 8, 9])
def test_gaze_offsets_for_any_start_equal_the_whole(seed):
    whole = GazeTrack(GazeOptions(), np.random.default_rng(seed), 60).offsets(0, 800)
    track = GazeTrack(GazeOptions(), np.random.default_rng(seed), 60)
    track.extend_to(800)
    for start in range(0, 700):
        assert np.allclose(track.offsets(start, 9), whole[start : start + 9]), start


def test_gaze_hold_of_one_frame_and_a_single_frame_apply():
    opts = GazeOptions(hold_min_frames=1, hold_max_frames=1, transition_frames=1)
    track = GazeTrack(opts, np.random.default_rng(1), 60)
    track.extend_to(50)
    assert [m.start_frame for m in track.moves[:4]] == [1, 3, 5, 7]  # hold 1, move 1, hold 1, ...
    moved = next(m for m in track.moves if not m.to_centre)
    frame = np.zeros((1, 174), np.float32)
    out = track.apply(frame, start_frame=moved.start_frame)
    assert out[0, rig().index("CTRL_C_eye.tx")] == pytest.approx(moved.target[0])


@pytest.mark.parametrize("fps,length,hold_lo,hold_hi", [(120, 10, 30, 90), (30, 2, 8, 22), (12, 1, 3, 9)])
def test_gaze_frame_counts_scale_with_the_frame_rate(fps, length, hold_lo, hold_hi):
    """Counts are defined at 60 fps: the 5-frame move and the 15-45-frame hold scale by fps / 60 (rounded)."""
    track = GazeTrack(GazeOptions(), np.random.default_rng(8), fps)
    track.extend_to(fps * 600)
    assert {m.length for m in track.moves} == {length}
    holds = np.diff([m.start_frame for m in track.moves]) - length
    assert holds.min() == hold_lo and holds.max() == hold_hi


# ---------------------------------------------------------------- smoothing edges
def test_smooth_returns_a_new_float32_array_even_when_disabled():
    x64 = np.random.default_rng(0).normal(size=(30, 3))
    for x in (x64, x64.astype(np.float32)):
        for opts in (SmoothingOptions(), SmoothingOptions(enabled=False)):
            y = smooth(x, opts)
            assert y.dtype == np.float32 and y.shape == x.shape
            y[0, 0] = 99.0
            assert x[0, 0] != 99.0
    x = x64
    assert np.allclose(smooth(x, SmoothingOptions(enabled=False)), x, atol=1e-6)
    assert smooth(np.zeros((0, 3)), SmoothingOptions()).shape == (0, 3)


def test_stream_smoother_edges():
    x = np.random.default_rng(1).normal(size=(40, 4))
    off = StreamSmoother(SmoothingOptions(enabled=False))
    assert off.delay_frames == 0
    first = off.push(x[:10])
    assert first.dtype == np.float32 and np.allclose(first, x[:10], atol=1e-6)
    assert off.finish().shape[0] == 0
    s = StreamSmoother(SmoothingOptions())
    nothing = s.finish()  # nothing pushed
    assert nothing.shape == (0, 0) and nothing.dtype == np.float32
    empty = s.push(np.zeros((0, 4)))
    assert empty.shape == (0, 4) and empty.dtype == np.float32
    out = np.concatenate([s.push(x), s.finish()])
    assert out.dtype == np.float32 and np.allclose(out, smooth(x, SmoothingOptions()), atol=1e-5)
    again = s.finish()  # finishing twice emits nothing more
    assert again.shape == (0, 4) and again.dtype == np.float32


def test_stream_smoother_without_lookahead_emits_every_frame_at_once():
    x = np.random.default_rng(2).normal(size=(30, 2))
    s = StreamSmoother(SmoothingOptions(), lookahead_frames=0)
    assert s.delay_frames == 0
    assert len(s.push(x[:10])) == 10 and len(s.push(x[10:])) == 20 and len(s.finish()) == 0


def test_stream_smoother_emits_each_frame_as_soon_as_its_window_is_in():
    """Window 15, full lookahead 7: frame t is final once frame t + 7 has arrived, not later."""
    x = np.random.default_rng(3).normal(size=(30, 2))
    s = StreamSmoother(SmoothingOptions())
    counts = [len(s.push(x[i : i + 1])) for i in range(30)]
    assert counts == [0] * 7 + [1] * 23
    early = StreamSmoother(SmoothingOptions()).push(x[:3])
    assert early.shape == (0, 2) and early.dtype == np.float32
    assert len(s.finish()) == 7
