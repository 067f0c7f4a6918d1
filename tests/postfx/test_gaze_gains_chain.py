import numpy as np
import pytest

from model.constants import SAMPLE_RATE_HZ, frame_count
from model.errors import InputError
from model.rig import rig
from postfx.chain import PostFxChain, PostFxOptions
from postfx.gains import GainOptions, apply_gains
from postfx.gaze import GazeOptions, GazeTrack


def test_gaze_returns_to_centre_in_about_40_percent_of_moves():
    track = GazeTrack(GazeOptions(), np.random.default_rng(0), 60)
    track.extend_to(60 * 60 * 30)
    share = np.mean([m.to_centre for m in track.moves])
    assert len(track.moves) > 1000
    assert share == pytest.approx(0.4, abs=0.04)


def test_gaze_holds_and_radii_follow_the_options():
    opts = GazeOptions()
    track = GazeTrack(opts, np.random.default_rng(1), 60)
    track.extend_to(36_000)
    gaps = np.diff([m.start_frame for m in track.moves]) - opts.transition_frames
    assert gaps.min() >= 15 and gaps.max() <= 45
    radii = [np.hypot(*m.target) for m in track.moves if not m.to_centre]
    assert min(radii) >= 0.1 - 1e-9 and max(radii) <= 0.2 + 1e-9
    xy = track.offsets(0, 36_000)
    assert np.abs(np.diff(xy, axis=0)).max() <= 0.4 / opts.transition_frames + 1e-9  # linear, no jumps


def test_gaze_offsets_in_pieces_equal_whole():
    a = GazeTrack(GazeOptions(), np.random.default_rng(2), 60)
    b = GazeTrack(GazeOptions(), np.random.default_rng(2), 60)
    whole = a.offsets(0, 3000)
    pieces = np.concatenate([b.offsets(s, 250) for s in range(0, 3000, 250)])
    assert np.allclose(whole, pieces)


def test_gains_scale_groups_and_clamp():
    frames = np.full((2, 174), 0.5, np.float32)
    out = apply_gains(frames, GainOptions(mouth=1.5, upper_face=0.0, controls=(("CTRL_C_jaw.ty", 3.0),)))
    r = rig()
    assert out[0, r.index("CTRL_L_mouth_cornerPull.ty")] == pytest.approx(0.75)
    assert out[0, r.index("CTRL_L_brow_down.ty")] == 0.0
    assert out[0, r.index("CTRL_C_jaw.ty")] == 1.0  # 1.5 clamped to the range
    assert out[0, r.index("CTRL_C_eye.tx")] == 0.5  # gaze direction is not an upper-face gain
    with pytest.raises(InputError):
        GainOptions(mouth=-1)
    with pytest.raises(InputError):
        GainOptions(controls=(("CTRL_nope.ty", 1.0),))


def test_chain_is_seeded_and_stream_equals_whole_clip():
    """Default options (speech gate included): audio of 4 s silence, 7 s of a noise burst, 4 s silence."""
    audio = np.zeros(15 * SAMPLE_RATE_HZ, np.float32)
    audio[4 * SAMPLE_RATE_HZ: 11 * SAMPLE_RATE_HZ] = np.random.default_rng(1).normal(0, 0.1, 7 * SAMPLE_RATE_HZ)
    raw = np.random.default_rng(0).normal(0, 0.2, size=(frame_count(len(audio)), 174)).astype(np.float32)
    a = PostFxChain(PostFxOptions(), seed=9).process(raw, audio)
    b = PostFxChain(PostFxOptions(), seed=9).process(raw, audio)
    c = PostFxChain(PostFxOptions(), seed=10).process(raw, audio)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    stream = PostFxChain(PostFxOptions(), seed=9)
    parts = []
    for k, i in enumerate(range(0, len(raw), 37)):  # audio runs ahead of the raw frames, as in a session
        stream.push_audio(audio[k * 37 * 800 // 3: (k + 1) * 37 * 800 // 3])
        parts.append(stream.push(raw[i: i + 37]))
    stream.push_audio(audio[(k + 1) * 37 * 800 // 3:])
    parts.append(stream.finish())
    assert np.allclose(np.concatenate(parts), a, atol=1e-5)
    assert np.all(a >= rig().range_min) and np.all(a <= rig().range_max)
    with pytest.raises(InputError, match="needs the clip's audio"):
        PostFxChain(PostFxOptions(), seed=9).process(raw)
