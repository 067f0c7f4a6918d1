"""Speech-activity gate: rest the mouth-opening controls where nobody is speaking.

A guard for models that keep the mouth open in silence. Per-frame speech decisions come from one of the
detectors of :mod:`postfx.vad` (``energy`` or ``silero``) on 16 kHz mono float32 audio.

silero decides *whether* it is speech but is late to say *when* it started (tens of ms after a pause on real
recordings, more where a clip starts with speech). With an ``onset_s`` reach, the energy detector's causal level decision
decides when: a speech onset moves earlier over the run of sounding frames just before it, at most
``onset_frames`` (:func:`extend_onsets`). Frames that are not sounding (digital silence, a noise floor, room
tone the energy detector has learnt) never open early.

Raw decisions become activity in ``[0, 1]``: held open ``preroll_frames`` before a speech
frame and ``hangover_frames`` after it, then ramped: activity changes by at most
``1 / ramp_frames`` per frame, so the gate is never a step. Frame ``i`` of a stream is final
once the detector has decided frame ``i + preroll_frames + onset_frames``; :func:`speech_activity` (whole
clip) is the stream fed in one piece, so both give the same activity for the same audio.

:func:`gate` pulls only the mouth-opening controls (jaw open, tongue) toward rest in
proportion to inactivity; mouth corners, brows, cheeks and lids keep the emotion.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from model.constants import FPS
from model.errors import InputError
from model.rig import rig
from postfx._validate import check_range
from postfx.vad import DETECTORS, EnergyDetector, EnergyOptions, SileroDetector, SileroOptions

log = logging.getLogger(__name__)

GATED_CONTROLS: tuple[str, ...] = (
    "CTRL_C_jaw.ty", "CTRL_C_jaw_openExtreme.ty", "CTRL_C_tongue.tx", "CTRL_C_tongue.ty", "CTRL_C_tongue_inOut.ty",
    "CTRL_C_tongue_narrowWide.ty", "CTRL_C_tongue_press.ty", "CTRL_C_tongue_roll.tx", "CTRL_C_tongue_roll.ty",
    "CTRL_C_tongue_tip.tx", "CTRL_C_tongue_tip.ty",
)
"""Controls that open the mouth. The lip-parting upperLipRaise / lowerLipDepress are left out:
disgust raises the upper lip and depresses the lower one (AU10, AU16), an expression that stays."""


@dataclass(frozen=True)
class ActivityOptions:
    """Speech activity per frame.

    detector: ``energy`` (no dependency) or ``silero`` (silero-vad and onnxruntime, base dependencies).
    preroll_s: the gate is open this long before speech (anticipation; also a stream's lookahead).
    hangover_s: and stays open this long after it (word-final consonants, the model's lag).
    ramp_s: a full open or close takes this long; activity moves at most 1/ramp_frames a frame.
    onset_s: silero only. A speech onset moves this far earlier at most, over the frames just before it that
        the energy detector (``energy`` options) calls sounding; the gate then opens at the level onset, not at
        silero's late decision. Costs the same lookahead: a stream cuts it first (postfx/gate_stage.py).

    Defaults (1, 6 and 2 frames: 17, 100, 33 ms): the hangover was chosen on the FACEGOOD takes and synthetic
    clips (bench/speech_gate.py); the pre-roll is what fits beside silero's 32 ms windows in the network's share
    of a stream's default 0.1 s lookahead (postfx/gate_stage.py), and with ``preroll_frames + 1 >= ramp_frames``
    the gate is fully open at a speech onset. The onset reach, 18 frames (0.3 s), is longer than silero's
    lateness measured on real recordings (docs/evaluation.md, "Gate onsets"). (The pipeline's stage,
    :class:`postfx.gate_stage.SpeechGateOptions`, takes these defaults and silero.)
    """

    detector: str = "energy"
    preroll_s: float = 1 / FPS
    hangover_s: float = 6 / FPS
    ramp_s: float = 2 / FPS
    onset_s: float = 18 / FPS
    energy: EnergyOptions = field(default_factory=EnergyOptions)
    silero: SileroOptions = field(default_factory=SileroOptions)

    def __post_init__(self) -> None:
        if self.detector not in DETECTORS:
            raise InputError(f"option speech_gate.detector must be one of {', '.join(DETECTORS)}, "
                             f"got {self.detector!r}")
        check_range("speech_gate.preroll_s", self.preroll_s, 0.0, 1.0)
        check_range("speech_gate.hangover_s", self.hangover_s, 0.0, 2.0)
        check_range("speech_gate.ramp_s", self.ramp_s, 1.0 / FPS, 1.0)
        check_range("speech_gate.onset_s", self.onset_s, 0.0, 1.0)

    @property
    def preroll_frames(self) -> int:
        return round(self.preroll_s * FPS)

    @property
    def hangover_frames(self) -> int:
        return round(self.hangover_s * FPS)

    @property
    def ramp_frames(self) -> int:
        return max(1, round(self.ramp_s * FPS))

    @property
    def onset_frames(self) -> int:
        """The onset reach in frames; 0 for the energy detector, whose decisions are the level criterion."""
        return round(self.onset_s * FPS) if self.detector == "silero" else 0


@dataclass(frozen=True)
class GateOptions:
    """controls: names (or groups) pulled to ``rest_value`` where activity is 0."""

    controls: tuple[str, ...] = GATED_CONTROLS
    rest_value: float = 0.0


def make_detector(opts: ActivityOptions, silero_runner=None) -> EnergyDetector | SileroDetector:
    return EnergyDetector(opts.energy) if opts.detector == "energy" else SileroDetector(opts.silero, silero_runner)


def extend_onsets(speech: np.ndarray, sounding: np.ndarray, reach_frames: int) -> np.ndarray:
    """``(n,)`` bool: ``speech`` with each onset moved earlier over the sounding frames in front of it.

    Frame ``i`` is on when ``speech[i]``, or when some ``speech[j]`` with ``i < j <= i + reach_frames`` has
    ``sounding[i .. j - 1]`` all true. ``speech`` and ``sounding`` are ``(n,)`` bool over the same frames.
    """
    out = np.empty(len(speech), dtype=bool)
    far = reach_frames + 1  # "no speech frame within reach through sounding frames"
    dist = far  # frames from i to the next speech frame, through sounding frames only
    for i in range(len(speech) - 1, -1, -1):
        dist = 0 if speech[i] else min(dist + 1, far) if sounding[i] else far
        out[i] = dist <= reach_frames
    return out


class ActivityStream:
    """Streaming speech activity: push audio, get activity for the frames now final.

    Frame ``i`` is final once the detector has decided frame ``i + preroll_frames + onset_frames``
    (its audio plus :attr:`lookahead_frames` of lookahead); :meth:`finish` flushes the rest as if the
    audio continued in silence. ``detector`` replaces the one ``opts`` names (tests inject fakes).
    """

    def __init__(self, opts: ActivityOptions = ActivityOptions(), detector=None, silero_runner=None):
        """``silero_runner``: how silero's windows run (see :class:`postfx.vad.SileroDetector`)."""
        self.opts = opts
        self.detector = make_detector(opts, silero_runner) if detector is None else detector
        # the level criterion of an early onset, run beside silero
        self.sounding = EnergyDetector(opts.energy) if opts.onset_frames else None
        self._raw = np.zeros(0, dtype=bool)  # decisions from absolute frame _raw_start on
        self._sound = np.zeros(0, dtype=bool)  # sounding decisions, from _raw_start on too
        self._raw_start = 0
        self._emitted = 0
        self._level: float | None = None  # activity of the last emitted frame

    @property
    def lookahead_frames(self) -> int:
        return self.opts.preroll_frames + self.opts.onset_frames

    def push(self, audio: np.ndarray) -> np.ndarray:
        """Add 16 kHz mono samples; return ``(n,)`` float32 activity of newly final frames."""
        self._raw = np.concatenate([self._raw, self.detector.push(audio)])
        if self.sounding is not None:
            self._sound = np.concatenate([self._sound, self.sounding.push(audio)])
        return self._emit(final=False)

    def finish(self) -> np.ndarray:
        """End of audio: return activity for every frame not yet returned."""
        self._raw = np.concatenate([self._raw, self.detector.finish()])
        if self.sounding is not None:
            self._sound = np.concatenate([self._sound, self.sounding.finish()])
        return self._emit(final=True)

    def _window(self, decisions: np.ndarray, lo: int, hi: int, decided: int) -> np.ndarray:
        """Decisions of absolute frames ``lo .. hi - 1``; frames before the audio or not decided are False."""
        out = np.zeros(hi - lo, dtype=bool)
        a, b = max(lo, self._raw_start), min(hi, decided)
        out[a - lo: b - lo] = decisions[a - self._raw_start: b - self._raw_start]
        return out

    def _emit(self, final: bool) -> np.ndarray:
        pre, hang, ramp = self.opts.preroll_frames, self.opts.hangover_frames, self.opts.ramp_frames
        reach = self.opts.onset_frames
        decided = self._raw_start + (min(len(self._raw), len(self._sound)) if reach else len(self._raw))
        stop = decided if final else max(self._emitted, decided - pre - reach)
        if stop <= self._emitted:
            return np.zeros(0, np.float32)
        lo, hi = self._emitted - hang, stop + pre  # speech of absolute frames lo .. hi - 1 decides the output
        speech = self._window(self._raw, lo, hi + reach, decided)  # frames past the end are silence
        if reach:
            speech = extend_onsets(speech, self._window(self._sound, lo, hi + reach, decided), reach)
        # held[i] = any speech in frames [i - hang, i + pre]
        held = np.lib.stride_tricks.sliding_window_view(speech[: hi - lo], hang + pre + 1).any(axis=1)
        out = np.empty(len(held), np.float32)
        level = float(held[0]) if self._level is None else self._level
        step = 1.0 / ramp
        for j, h in enumerate(held):
            level = min(max(float(h), level - step), level + step)
            out[j] = level
        self._level = level
        self._emitted = stop
        keep_from = max(self._raw_start, stop - hang)
        self._raw = self._raw[keep_from - self._raw_start:]
        self._sound = self._sound[keep_from - self._raw_start:]
        self._raw_start = keep_from
        return out


def speech_activity(audio: np.ndarray, opts: ActivityOptions = ActivityOptions()) -> np.ndarray:
    """Whole clip: ``(frame_count(len(audio)),)`` float32 activity in ``[0, 1]``."""
    stream = ActivityStream(opts)
    return np.concatenate([stream.push(audio), stream.finish()])


def gate(frames: np.ndarray, activity: np.ndarray, opts: GateOptions = GateOptions()) -> np.ndarray:
    """Pull the gated controls of ``(T, 174)`` frames toward rest by ``1 - activity`` ``(T,)``.

    Other controls are returned unchanged. Returns float32 ``(T, 174)``.
    """
    frames = np.asarray(frames)
    activity = np.asarray(activity, dtype=np.float64)
    if frames.ndim != 2 or frames.shape[1] != len(rig()):
        raise InputError(f"frames must be (T, {len(rig())}), got shape {frames.shape}")
    if activity.shape != (len(frames),):
        raise InputError(f"activity must be ({len(frames)},), got shape {activity.shape}")
    idx = rig().select(opts.controls)
    out = frames.astype(np.float32, copy=True)
    a = np.clip(activity, 0.0, 1.0)[:, None]  # (T, 1)
    out[:, idx] = (opts.rest_value + (frames[:, idx] - opts.rest_value) * a).astype(np.float32)
    return out
