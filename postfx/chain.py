"""The post-processing chain: smoothing -> gains & clamping -> blinks -> gaze -> clamp.

:class:`PostFxChain` holds the per-clip state (seeded blink and gaze tracks, a streaming
smoother) so the same object serves a whole clip (:meth:`process`) or a stream
(:meth:`push` / :meth:`finish`) with identical random events for one seed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.constants import FPS
from model.rig import rig
from postfx.blink.sampler import BlinkOptions, BlinkTrack
from postfx.gains import GainOptions, apply_gains
from postfx.gaze import GazeOptions, GazeTrack
from postfx.smoothing import SmoothingOptions, StreamSmoother, smooth


@dataclass(frozen=True)
class PostFxOptions:
    """Options of every post-processing stage."""

    smoothing: SmoothingOptions = field(default_factory=SmoothingOptions)
    gains: GainOptions = field(default_factory=GainOptions)
    blink: BlinkOptions = field(default_factory=BlinkOptions)
    gaze: GazeOptions = field(default_factory=GazeOptions)


def stage_rngs(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Independent generators for blink and gaze derived from one request seed."""
    return np.random.default_rng([seed, 1]), np.random.default_rng([seed, 2])


class PostFxChain:
    """Post-processing for one clip or stream, seeded once."""

    def __init__(self, opts: PostFxOptions, seed: int, fps: float = FPS, lookahead_frames: int | None = None):
        self.opts = opts
        blink_rng, gaze_rng = stage_rngs(seed)
        self.blinks = BlinkTrack(opts.blink, blink_rng, fps)
        self.gaze = GazeTrack(opts.gaze, gaze_rng, fps)
        self.smoother = StreamSmoother(opts.smoothing, lookahead_frames)
        self._next_frame = 0

    def _finalise(self, smoothed: np.ndarray) -> np.ndarray:
        start = self._next_frame
        out = apply_gains(smoothed, self.opts.gains)
        out = self.blinks.apply(out, start)
        out = self.gaze.apply(out, start)
        self._next_frame += len(out)
        return rig().clamp(out).astype(np.float32)

    def process(self, raw: np.ndarray) -> np.ndarray:
        """Whole clip: ``(T, 174)`` raw network output -> final frames."""
        return self._finalise(smooth(raw, self.opts.smoothing))

    def push(self, raw: np.ndarray) -> np.ndarray:
        """Stream: add raw frames, return the frames now final (may be fewer)."""
        return self._finalise(self.smoother.push(raw))

    def finish(self) -> np.ndarray:
        """Stream: flush frames the smoother held back."""
        return self._finalise(self.smoother.finish().reshape(-1, len(rig())))
