"""Long audio: windows, cross-fades, no seams, no length limit."""
import numpy as np
import torch

from emoface_testing import TINY_CONFIG, make_tiny_model, speechlike
from model.constants import frame_count
from model.inference import ALIGN_FRAMES, InferenceEngine, blend_weights, window_starts


def _local_model():
    """A model whose output at a frame depends only on nearby audio: windows must then agree exactly."""
    model = make_tiny_model(TINY_CONFIG.replace(audio_layers=0, reference_compat=True))
    with torch.no_grad():
        model.audio_encoder.model.embed_positions.weight.zero_()
    return model


def test_windows_cover_everything_aligned():
    starts = window_starts(10_000, 1200, 120)
    assert starts[0] == 0 and all(s % ALIGN_FRAMES == 0 for s in starts)
    assert starts[-1] + 1200 >= 10_000 - ALIGN_FRAMES
    assert all(b - a <= 1200 - 120 for a, b in zip(starts, starts[1:]))


def test_blend_ramps_are_complementary():
    up = blend_weights(100, 20, 0)[:20]
    down = blend_weights(100, 0, 20)[-20:]
    assert np.allclose(up + down, 1.0)


def test_windowed_equals_single_pass_for_a_local_model():
    engine = InferenceEngine(_local_model())
    audio = speechlike(11.0)
    t = frame_count(len(audio))
    w = np.tile(np.eye(7, dtype=np.float32)[3], (t, 1))
    i = np.ones(t, np.float32)
    windowed = engine.infer(audio, w, i)
    single = engine.forward(audio, w, i)
    assert windowed.shape == single.shape == (t, 174)
    # conv and STFT edge effects touch a few frames at each window edge; the cross-fade keeps them tiny
    assert np.abs(windowed - single).mean() < 1e-3


def test_three_minutes_have_no_seam_at_window_boundaries():
    engine = InferenceEngine(make_tiny_model())
    audio = speechlike(180.0, seed=3)
    t = frame_count(len(audio))
    out = engine.infer(audio, np.tile(np.eye(7, dtype=np.float32)[4], (t, 1)), np.ones(t, np.float32))
    assert out.shape == (10_800, 174) and np.all(np.isfinite(out))
    jumps = np.abs(np.diff(out, axis=0)).max(axis=1)  # (T-1,) largest frame-to-frame change
    starts = window_starts(t, engine.window_frames, engine.overlap_frames)
    assert len(starts) > 40
    near = np.zeros(len(jumps), bool)
    for s in starts[1:]:
        near[s - 3 : s + engine.overlap_frames + 3] = True
    edge = np.zeros(len(jumps) + engine.window_frames, bool)
    for s in starts[1:]:  # frames where a window starts or ends, where a hard cut would show
        edge[[s - 1, s, s + engine.window_frames - 1]] = True
    edge = edge[: len(jumps)]
    assert jumps[near].max() <= 1.2 * np.percentile(jumps[~near], 99.9)
    assert jumps[edge].mean() <= 1.5 * jumps[~near].mean()
