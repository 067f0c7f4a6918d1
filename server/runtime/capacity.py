"""How many real-time streams this machine keeps up with: measured, not guessed.

A stream costs, every ``step_s`` of audio, one speech-encoder window and one Audio2Rig window
(batched with the other streams' steps by :class:`~server.runtime.scheduler.ModelScheduler`)
plus its post-processing. :func:`measure_stream_capacity` finds the steady-state window shapes
by running a stream session against a recorder, times batched passes of growing size on this
machine, and returns the most streams whose steps fit in ``share`` of each step's wall time.
"""
from __future__ import annotations

import logging
import statistics
import time
from dataclasses import dataclass

import numpy as np

from model.constants import SAMPLE_RATE_HZ, frame_count
from model.emotion import EmotionTrack
from model.inference import InferenceEngine
from model.rig import rig
from server.runtime.options import RequestOptions
from server.runtime.streaming import StreamConfig, StreamSession

log = logging.getLogger(__name__)

_PROBE_STEPS = 10  # steps timed once every window has its steady-state length
_REPEATS = 5  # median of these (after a warm-up pass): start-up measurements vary by about 20 %

@dataclass(frozen=True)
class StepShapes:
    """A steady-state stream step: encoder window samples, head window frames, post-processing cost."""

    encoder_samples: int
    head_frames: int
    head_rows: slice | None  # the frames of the head window a step keeps
    postfx_s: float  # CPU seconds of one step's work outside the model (post-processing, bookkeeping)

class _Recorder:
    """Stands in for the pipeline: records the windows a stream asks for, returns zeros."""

    silero_runner = None  # the speech gate runs its windows alone (a stream's cost without batching)

    def __init__(self, width: int):
        self.width, self.encoder_samples, self.head_frames, self.head_rows = width, 0, 0, None

    def encode_step(self, audio: np.ndarray) -> np.ndarray:
        self.encoder_samples = len(audio)
        return np.zeros((frame_count(len(audio)), self.width), np.float32)

    def head_step(self, features: np.ndarray, weights: np.ndarray, intensity: np.ndarray,
                  rows: slice | None = None) -> np.ndarray:
        self.head_frames, self.head_rows = len(features), rows
        n = len(features) if rows is None else rows.stop - rows.start
        return np.zeros((n, len(rig())), np.float32)

def step_shapes(width: int, lookahead_s: float, config: StreamConfig = StreamConfig()) -> StepShapes:
    """The windows of a steady-state step for streams of ``lookahead_s`` (default options)."""
    recorder = _Recorder(width)
    session = StreamSession(recorder, EmotionTrack.constant("neutral"), RequestOptions(), lookahead_s, config)
    step = int(round(config.step_s * SAMPLE_RATE_HZ))
    probe_s = config.encoder_context_s + config.head_context_s + _PROBE_STEPS * config.step_s + 1.0  # steady
    audio = np.random.default_rng(0).normal(0, 0.05, int(probe_s * SAMPLE_RATE_HZ)).astype(np.float32)
    session.push(audio[: len(audio) - _PROBE_STEPS * step])
    t0 = time.perf_counter()
    for i in range(len(audio) - _PROBE_STEPS * step, len(audio), step):
        session.push(audio[i : i + step])
    return StepShapes(recorder.encoder_samples, recorder.head_frames, recorder.head_rows,
                      (time.perf_counter() - t0) / _PROBE_STEPS)

def batch_step_s(engine: InferenceEngine, shapes: StepShapes, streams: int) -> float:
    """Median wall time of one batched step (encoder + head) for ``streams`` streams."""
    rng = np.random.default_rng(0)
    audio = rng.normal(0, 0.05, shapes.encoder_samples).astype(np.float32)
    feats = rng.normal(0, 1, (shapes.head_frames, engine.model.config.audio_width)).astype(np.float32)
    weights = np.zeros((shapes.head_frames, 7), np.float32)
    weights[:, 0] = 1.0
    intensity = np.ones(shapes.head_frames, np.float32)
    times = []
    for _ in range(_REPEATS + 1):  # the first pass warms up
        t0 = time.perf_counter()
        engine.encode_many([audio] * streams)
        engine.head_many([(feats, weights, intensity)] * streams, shapes.head_rows)
        times.append(time.perf_counter() - t0)
    return statistics.median(times[1:])

def measure_stream_capacity(engine: InferenceEngine, lookahead_s: float, share: float,
                            config: StreamConfig = StreamConfig(), max_streams: int = 256) -> int:
    """Most streams whose steps (batched) plus post-processing fit in ``share`` of ``config.step_s``."""
    shapes = step_shapes(engine.model.config.audio_width, lookahead_s, config)
    budget_s = share * config.step_s

    def cost(n: int) -> float:
        return batch_step_s(engine, shapes, n) + n * shapes.postfx_s

    ok, ok_cost = 0, 0.0
    n = 1
    while n <= max_streams:
        c = cost(n)
        if c > budget_s:
            # linear between the last size that fitted and this one
            fitted = ok + int((budget_s - ok_cost) / max(c - ok_cost, 1e-9) * (n - ok))
            capacity = max(1, min(fitted, n - 1))
            break
        ok, ok_cost = n, c
        n *= 2
    else:
        capacity = max_streams
    log.info("stream capacity %d (step %.0f ms: encoder %d samples, head %d frames; post-processing %.1f ms "
             "per step; budget %.0f ms)", capacity, config.step_s * 1000, shapes.encoder_samples, shapes.head_frames,
             shapes.postfx_s * 1000, budget_s * 1000)
    return capacity
