"""The model scheduler: batched real-time steps equal single passes, bulk work yields and stops."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from emoface_testing import speechlike
from model.constants import FPS, frame_count
from model.emotion import EmotionTrack
from server.runtime import cancellation
from server.runtime.capacity import measure_stream_capacity, step_shapes
from server.runtime.scheduler import ModelScheduler
from server.runtime.streaming import StreamConfig


def _windows(n: int, seconds: float = 0.75) -> list[np.ndarray]:
    return [speechlike(seconds, 16000, seed=i).astype(np.float32) for i in range(n)]


def _together(fn, args: list) -> list:
    """Call ``fn(arg)`` for every arg on its own thread, all released at once; results in order."""
    barrier, results = threading.Barrier(len(args)), [None] * len(args)

    def run(i):
        barrier.wait()
        results[i] = fn(args[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(args))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_concurrent_encoder_steps_share_passes_and_equal_single_passes(pipeline):
    scheduler = ModelScheduler(pipeline.engine, batch_wait_s=0.05)
    windows = _windows(8)
    got = _together(scheduler.encode, windows)
    for window, features in zip(windows, got):
        np.testing.assert_allclose(features, pipeline.engine.encode(window), atol=1e-5)
    assert scheduler.batched_calls == 8
    assert scheduler.batches < 8  # at least two steps shared a forward pass


def test_concurrent_head_steps_of_different_lengths_are_not_mixed(pipeline):
    scheduler = ModelScheduler(pipeline.engine, batch_wait_s=0.05)
    rng = np.random.default_rng(0)
    width = pipeline.engine.model.config.audio_width
    windows = []
    for t in (30, 30, 42, 30, 42):
        w = np.zeros((t, 7), np.float32)
        w[:, 2] = 1.0
        windows.append((rng.normal(size=(t, width)).astype(np.float32), w, np.full(t, 0.7, np.float32)))
    got = _together(lambda a: scheduler.head(*a), windows)
    for args, frames in zip(windows, got):
        assert frames.shape == (len(args[0]), 174)
        np.testing.assert_allclose(frames, pipeline.engine.head(*args), atol=1e-5)


def test_a_stream_step_runs_while_a_long_clip_is_in_progress(pipeline):
    """A real-time call waits for one piece of a bulk call, not for the whole call."""
    scheduler = ModelScheduler(pipeline.engine)
    audio = speechlike(60.0, 16000, seed=1).astype(np.float32)  # 15+ windows of the tiny model
    weights, intensity = EmotionTrack.constant("neutral").at_frames(frame_count(len(audio)), FPS)
    started, windows_done, step_done_at = threading.Event(), [], []

    def progress(done, total):
        windows_done.append(done)
        started.set()

    bulk = threading.Thread(target=lambda: scheduler.bulk(
        lambda between: pipeline.engine.infer(audio, weights, intensity, progress, between)))
    bulk.start()
    assert started.wait(30)
    scheduler.encode(_windows(1)[0])
    step_done_at.append(len(windows_done))
    bulk.join(60)
    total = windows_done[-1]
    assert step_done_at[0] < total  # the step finished while the clip still had windows to go


def test_bulk_work_stops_at_its_next_piece_once_its_caller_is_gone(pipeline):
    scheduler = ModelScheduler(pipeline.engine)
    audio = speechlike(60.0, 16000, seed=2).astype(np.float32)
    weights, intensity = EmotionTrack.constant("neutral").at_frames(frame_count(len(audio)), FPS)
    wanted, windows_done = [True], []

    def progress(done, total):
        windows_done.append((done, total))
        wanted[0] = False  # the caller goes away after the first window

    with cancellation.scope(lambda: wanted[0]), pytest.raises(cancellation.WorkCancelled):
        scheduler.bulk(lambda between: pipeline.engine.infer(audio, weights, intensity, progress, between))
    assert len(windows_done) == 1 and windows_done[0][1] > 2
    assert not scheduler.slot.contended()
    scheduler.encode(_windows(1)[0])  # the model is free again


def test_step_shapes_match_the_stream_geometry_by_hand():
    """Lookahead 0.1 s, smoothing takes half: the network sees 3 frames ahead. A steady step of 12 frames
    (0.2 s) ending at e: the head window starts 60 frames (1.0 s) before the step and ends 3 frames after
    it: 60 + 12 + 3 = 75 frames. The encoder window starts 18 frames (0.3 s) of context before the
    first provisional feature (6 frames of margin before the previous window's end, 3 frames before the
    step), aligned down to 6 frames: 24 frames before the step, to 15 after its start: 39 frames =
    0.65 s = 10400 samples. With 0.1 s steps and 0.5 s / 1.5 s contexts: 90 + 6 + 3 = 99 head frames,
    36 + 9 = 45 encoder frames (12000 samples)."""
    shapes = step_shapes(64, 0.1, StreamConfig())
    assert (shapes.encoder_samples, shapes.head_frames) == (10400, 75)
    assert shapes.head_rows == slice(60, 72)  # only the step's 12 new frames leave the last layer
    before = step_shapes(64, 0.1, StreamConfig(encoder_context_s=0.5, head_context_s=1.5, step_s=0.1))
    assert (before.encoder_samples, before.head_frames, before.head_rows) == (12000, 99, slice(90, 96))


def test_measured_capacity_is_the_most_streams_within_the_budget(pipeline):
    generous = measure_stream_capacity(pipeline.engine, 0.1, share=1.0, max_streams=8)
    assert generous >= 1
    assert measure_stream_capacity(pipeline.engine, 0.1, share=1e-6, max_streams=8) == 1  # never below one
