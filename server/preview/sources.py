"""Where the previewed animations come from when the input is audio: the offline pipeline call,
and the same audio streamed in chunks (for an offline-vs-stream comparison)."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np

from model.constants import FPS, SAMPLE_RATE_HZ
from model.emotion import EmotionTrack
from model.errors import InputError
from model.rig import rig
from server.runtime.animation import Animation
from server.runtime.options import RequestOptions

if TYPE_CHECKING:
    from server.runtime.pipeline import Pipeline

log = logging.getLogger(__name__)


def animate_streamed(pipeline: Pipeline, audio: np.ndarray, emotion: EmotionTrack, options: RequestOptions,
                     chunk_s: float = 0.1, lookahead_s: float = 0.1) -> Animation:
    """Push 16 kHz mono ``audio`` ``(n,)`` through a streaming session in ``chunk_s`` pieces and
    collect every frame it emits, in order, as one ``(T, 174)`` animation (same seed and options
    as an offline call, so the two can be compared frame by frame)."""
    if not 0.01 <= chunk_s <= 10.0:
        raise InputError(f"stream chunk must be 0.01..10 s, got {chunk_s:g}")
    options = RequestOptions(options.postfx, (), options.seed).resolved()  # every control, for drawing
    session = pipeline.stream(emotion, options, lookahead_s=lookahead_s)
    step = max(1, int(round(chunk_s * SAMPLE_RATE_HZ)))
    parts: list[np.ndarray] = []
    expected = 0
    for start in range(0, len(audio), step):
        parts.append(_checked(session.push(audio[start:start + step]), expected))
        expected += len(parts[-1])
    parts.append(_checked(session.finish(), expected))
    frames = np.concatenate(parts) if parts else np.zeros((0, len(rig())), np.float32)
    log.info("streamed %d frames in %.2f s chunks (lookahead %.2f s)", len(frames), chunk_s, lookahead_s)
    return Animation(frames, rig().names, FPS, {**options.to_dict(), "stream_chunk_s": chunk_s,
                                                "lookahead_s": lookahead_s},
                     pipeline.provenance, emotion.to_obj())


def _checked(result: tuple[int, np.ndarray], expected_start: int) -> np.ndarray:
    """Frames of one ``push``/``finish`` result, checking they continue where the last ones ended."""
    start, frames = result
    if len(frames) and start != expected_start:
        raise RuntimeError(f"stream returned frames from {start}, expected {expected_start}")
    return np.asarray(frames, dtype=np.float32)
