"""The post-processing chain: speech gate -> smoothing -> gains & clamping -> blinks -> gaze -> clamp.

:class:`PostFxChain` holds the per-clip state (the speech gate's activity, seeded blink and gaze
tracks, a streaming smoother) so the same object serves a whole clip (:meth:`process`) or a stream
(:meth:`push_audio` / :meth:`push` / :meth:`finish`) with identical frames for one seed and one audio.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.constants import FPS
from model.rig import rig
from postfx.blink.sampler import BlinkOptions, BlinkTrack
from postfx.gate_stage import RawGate, SpeechGateOptions
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
    speech_gate: SpeechGateOptions = field(default_factory=SpeechGateOptions)  # first in the chain


def stage_rngs(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Independent generators for blink and gaze derived from one request seed."""
    return np.random.default_rng([seed, 1]), np.random.default_rng([seed, 2])


class PostFxChain:
    """Post-processing for one clip or stream, seeded once."""

    def __init__(self, opts: PostFxOptions, seed: int, fps: float = FPS, lookahead_frames: int | None = None,
                 silero_runner=None):
        """``lookahead_frames``: a stream's smoother look-ahead; ``silero_runner``: how a stream's speech gate
        runs its silero windows (default: alone; a server batches them across streams)."""
        self.opts = opts
        self.gate = RawGate(opts.speech_gate, silero_runner)
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

    def process(self, raw: np.ndarray, audio: np.ndarray | None = None) -> np.ndarray:
        """Whole clip: ``(T, 174)`` raw network output of 16 kHz ``audio`` -> final frames.

        ``audio`` drives the speech gate; it may be None only when the gate is off."""
        return self._finalise(smooth(self.gate.process(raw, audio), self.opts.smoothing))

    def push_audio(self, audio: np.ndarray) -> None:
        """Stream: the next audio chunk, for the speech gate (before the raw frames it yields)."""
        self.gate.push_audio(audio)

    def push(self, raw: np.ndarray) -> np.ndarray:
        """Stream: add raw frames, return the frames now final (may be fewer)."""
        return self._finalise(self.smoother.push(self.gate.push(raw)))

    def finish(self) -> np.ndarray:
        """Stream: end of audio; flush the frames the gate and the smoother held back."""
        self.gate.finish_audio()
        held = self.smoother.push(self.gate.push(np.zeros((0, len(rig())), np.float32)))
        rest = self.smoother.finish().reshape(-1, len(rig()))
        return self._finalise(np.concatenate([held.reshape(-1, len(rig())), rest]))
