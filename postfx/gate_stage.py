"""The speech-activity gate as a post-processing stage (first in the chain, on raw network frames).

:class:`SpeechGateOptions` is the stage's request option (``detector`` = ``silero``, ``energy`` or
``off``, plus the activity timing); :class:`RawGate` applies it to a whole clip (:meth:`RawGate.process`)
or to a stream (audio chunks in with :meth:`RawGate.push_audio`, raw frames in with :meth:`RawGate.push`,
each raw frame let through once its activity is final). Both give the same frames for the same audio
(:func:`postfx.speech_gate.speech_activity` is the stream fed in one piece).

In a stream the gate's look-ahead (its pre-roll plus, for silero, the onset reach and the rest of the 32 ms
window that decides a frame) runs beside the network's own right context: it costs no latency while
:meth:`SpeechGateOptions.lookahead_frames` fits in the network's share of the stream's lookahead.
:meth:`SpeechGateOptions.within` cuts the onset reach, then the pre-roll, to that share when it does not. So a
stream with the default 0.1 s lookahead has no onset reach (the options it echoes say ``onset_s`` 0): there
the gate opens when silero decides, as a whole clip does without the reach.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from model.constants import FPS, SAMPLE_RATE_HZ
from model.errors import InputError
from model.rig import rig
from postfx.speech_gate import ActivityOptions, ActivityStream, gate, speech_activity
from postfx.vad import DETECTORS, SileroDetector, frame_bounds

GATE_DETECTORS = ("silero", "energy", "off")
"""Values of ``speech_gate.detector``: ``off`` leaves the network's mouth as it is."""


@dataclass(frozen=True)
class SpeechGateOptions:
    """Rest the mouth-opening controls where nobody speaks (docs/model.md, "Speech-activity gate").

    detector: ``silero`` (silero-vad, a base dependency), ``energy`` (frame level) or ``off``.
    preroll_s: the gate opens this long before detected speech. The default, one frame, fits beside silero's
        32 ms windows in the network's share (50 ms) of a stream's default 0.1 s lookahead.
    hangover_s: and stays open this long after it.
    ramp_s: a full open or close takes this long (the smoother after the gate softens it further).
    onset_s: silero only: a speech onset moves up to this far earlier over the sounding frames (energy
        detector) just before it, so the gate opens at the level onset rather than at silero's late decision.
        The default, 0.3 s, is for whole clips; a stream cuts it first to its lookahead (:meth:`within`).
    """

    detector: str = "silero"
    preroll_s: float = ActivityOptions.preroll_s  # the timing's defaults have one home: ActivityOptions
    hangover_s: float = ActivityOptions.hangover_s
    ramp_s: float = ActivityOptions.ramp_s
    onset_s: float = ActivityOptions.onset_s

    def __post_init__(self) -> None:
        if self.detector not in GATE_DETECTORS:
            raise InputError(f"option speech_gate.detector must be one of {', '.join(GATE_DETECTORS)}, "
                             f"got {self.detector!r}")
        self.activity()  # range checks

    @property
    def enabled(self) -> bool:
        return self.detector != "off"

    def activity(self) -> ActivityOptions:
        """The detector and timing as :class:`ActivityOptions` (``off`` maps to energy's, unused)."""
        detector = self.detector if self.detector in DETECTORS else "energy"
        return ActivityOptions(detector, self.preroll_s, self.hangover_s, self.ramp_s, onset_s=self.onset_s)

    def lookahead_frames(self) -> int:
        """Frames of audio past a raw frame that its activity needs (0 when off)."""
        if not self.enabled:
            return 0
        act = self.activity()
        return act.preroll_frames + act.onset_frames + (silero_window_frames() if self.detector == "silero" else 0)

    def within(self, frames: int) -> SpeechGateOptions:
        """These options with the onset reach, then the pre-roll, cut so :meth:`lookahead_frames` fits in
        ``frames`` if it can (the pre-roll opens the gate before every onset; the reach only where silero is late)."""
        excess = self.lookahead_frames() - frames
        if excess <= 0:
            return self
        act = self.activity()
        onset = max(0, act.onset_frames - excess)
        excess -= act.onset_frames - onset
        preroll = max(0, act.preroll_frames - max(0, excess))
        return dataclasses.replace(self, preroll_s=preroll / FPS, onset_s=onset / FPS)


@lru_cache(maxsize=1)
def silero_window_frames() -> int:
    """Whole frames of audio past a frame's end that silero needs to decide it: the frame takes the
    512-sample window holding its centre (worst case over the frame/window grid)."""
    worst = 0
    for i in range(3 * SileroDetector.WINDOW):  # the grids repeat every 3 windows (1536 samples = 5.76 frames)
        a, b = frame_bounds(i)
        window_end = ((a + b) // 2 // SileroDetector.WINDOW + 1) * SileroDetector.WINDOW
        worst = max(worst, window_end - b)
    return -(-worst * FPS // SAMPLE_RATE_HZ)


class RawGate:
    """The gate over one clip or stream; a pass-through when the detector is ``off``."""

    def __init__(self, opts: SpeechGateOptions = SpeechGateOptions(), silero_runner=None):
        """``silero_runner``: how a stream's silero windows run (see :class:`postfx.vad.SileroDetector`)."""
        self.opts = opts
        self._activity = ActivityStream(opts.activity(), silero_runner=silero_runner) if opts.enabled else None
        self._final = np.zeros(0, np.float32)  # final activity of the raw frames not yet let through
        self._held = np.zeros((0, len(rig())), np.float32)  # raw frames waiting for their activity

    def process(self, raw: np.ndarray, audio: np.ndarray | None) -> np.ndarray:
        """Whole clip: ``(T, 174)`` raw frames of 16 kHz ``audio`` -> gated frames."""
        if not self.opts.enabled:
            return raw
        if audio is None:
            raise InputError("the speech gate needs the clip's audio (or speech_gate.detector = off)")
        return gate(raw, speech_activity(audio, self.opts.activity()))

    def push_audio(self, audio: np.ndarray) -> None:
        """Stream: the next audio chunk (16 kHz mono float32)."""
        if self._activity is not None:
            self._final = np.concatenate([self._final, self._activity.push(audio)])

    def finish_audio(self) -> None:
        """Stream: no more audio (the rest of the activity becomes final)."""
        if self._activity is not None:
            self._final = np.concatenate([self._final, self._activity.finish()])

    def push(self, raw: np.ndarray) -> np.ndarray:
        """Stream: add raw frames ``(n, 174)``; return the gated frames whose activity is final."""
        if self._activity is None:
            return raw
        self._held = np.concatenate([self._held, np.asarray(raw, np.float32).reshape(-1, len(rig()))])
        n = min(len(self._held), len(self._final))
        out = gate(self._held[:n], self._final[:n])
        self._held, self._final = self._held[n:], self._final[n:]
        return out

    @property
    def held_frames(self) -> int:
        """Raw frames waiting for their activity."""
        return len(self._held)
