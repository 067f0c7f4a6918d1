"""Voice-activity detectors for the speech gate: per-frame speech decisions at :data:`~model.constants.FPS`
from 16 kHz mono float32 audio, behind one interface (``push(audio) -> decisions``, ``finish() -> decisions``).

- ``energy``: frame RMS in dBFS against the highest of three levels: an absolute floor, a
  level ``relative_db`` under the running speech level, and ``noise_margin_db`` over a
  running noise floor (falls at once, rises with a time constant). Causal, so it streams.
- ``silero``: silero-vad's ONNX model from its PyPI wheel, run with onnxruntime on 512-sample
  windows (32 ms) carrying its recurrent state; speech starts at ``threshold`` and ends under
  ``release_threshold``. Imported lazily; no torch, no network.

:mod:`postfx.speech_gate` turns the decisions into activity.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from model.constants import FPS, SAMPLE_RATE_HZ, frame_count
from model.errors import InputError
from model.files import package_data_path
from postfx._validate import check_range

DETECTORS = ("energy", "silero")
VAD_INSTALL_HINT = "a base dependency of emoface-bridge: reinstall it, or pip install silero-vad onnxruntime"


@dataclass(frozen=True)
class EnergyOptions:
    """Energy detector. A frame is speech when its RMS level (dBFS) exceeds all of:

    floor_dbfs: an absolute floor (digital silence, a -60 dBFS noise floor stay under it).
    relative_db: this far under the running speech level (a peak follower of speech frames
        that decays by ``speech_release_db_per_s``).
    noise_margin_db: this far over the running noise floor, which drops to any quieter frame
        at once and rises toward louder ones with time constant ``noise_rise_s``.
    """

    floor_dbfs: float = -55.0
    relative_db: float = 35.0
    noise_margin_db: float = 10.0
    noise_rise_s: float = 0.5
    speech_release_db_per_s: float = 3.0

    def __post_init__(self) -> None:
        check_range("energy.floor_dbfs", self.floor_dbfs, -120.0, 0.0)
        check_range("energy.relative_db", self.relative_db, 0.0, 100.0)
        check_range("energy.noise_margin_db", self.noise_margin_db, 0.0, 60.0)
        check_range("energy.noise_rise_s", self.noise_rise_s, 0.01, 60.0)
        check_range("energy.speech_release_db_per_s", self.speech_release_db_per_s, 0.0, 100.0)


@dataclass(frozen=True)
class SileroOptions:
    """silero-vad: speech starts where the probability reaches ``threshold`` and ends where it
    falls under ``release_threshold`` (silero's own defaults: 0.5 and 0.5 - 0.15)."""

    threshold: float = 0.5
    release_threshold: float = 0.35

    def __post_init__(self) -> None:
        check_range("silero.threshold", self.threshold, 0.0, 1.0)
        check_range("silero.release_threshold", self.release_threshold, 0.0, self.threshold)



def frame_bounds(i: int) -> tuple[int, int]:
    """Samples ``[start, end)`` of output frame ``i`` (the split :func:`frame_count` implies)."""
    return (i * SAMPLE_RATE_HZ) // FPS, ((i + 1) * SAMPLE_RATE_HZ) // FPS


class _AudioBuffer:
    """Samples received so far, trimmed to those still needed (absolute sample indices)."""

    def __init__(self) -> None:
        self.data = np.zeros(0, np.float32)
        self.start = 0  # absolute index of data[0]

    @property
    def end(self) -> int:
        return self.start + len(self.data)

    def append(self, audio: np.ndarray) -> None:
        audio = np.asarray(audio, dtype=np.float32)
        if audio.ndim != 1:
            raise InputError(f"audio must be mono (n,), got shape {audio.shape}")
        self.data = np.concatenate([self.data, audio])

    def span(self, a: int, b: int) -> np.ndarray:
        return self.data[a - self.start: b - self.start]

    def drop_before(self, a: int) -> None:
        self.data = self.data[a - self.start:]
        self.start = a


class EnergyDetector:
    """Causal RMS-level detector; see :class:`EnergyOptions`."""

    def __init__(self, opts: EnergyOptions = EnergyOptions()):
        self.opts = opts
        self._audio = _AudioBuffer()
        self._frame = 0
        self._noise_db = opts.floor_dbfs - opts.noise_margin_db  # lowest it goes: threshold never under floor
        self._speech_db = opts.floor_dbfs + opts.relative_db  # unknown speaker: start at the floor
        self._rise = 1.0 - math.exp(-1.0 / (opts.noise_rise_s * FPS))
        self._release_db = opts.speech_release_db_per_s / FPS

    def push(self, audio: np.ndarray) -> np.ndarray:
        """Add samples; return decisions (bool) for the frames whose audio is now complete."""
        self._audio.append(audio)
        out = []
        while frame_bounds(self._frame)[1] <= self._audio.end:
            a, b = frame_bounds(self._frame)
            x = self._audio.span(a, b).astype(np.float64)
            out.append(self._decide(20.0 * math.log10(max(math.sqrt(float(np.mean(x * x))), 1e-6))))
            self._audio.drop_before(b)
            self._frame += 1
        return np.array(out, dtype=bool)

    def finish(self) -> np.ndarray:
        """Energy frames need no lookahead: nothing is held back."""
        return np.zeros(0, dtype=bool)

    def _decide(self, level: float) -> bool:
        o = self.opts
        threshold = max(o.floor_dbfs, self._speech_db - o.relative_db, self._noise_db + o.noise_margin_db)
        speech = level > threshold
        self._speech_db = max(self._speech_db - self._release_db, level if speech else -math.inf,
                              o.floor_dbfs + o.relative_db)
        if level < self._noise_db:
            self._noise_db = max(level, o.floor_dbfs - o.noise_margin_db)
        else:
            self._noise_db += (level - self._noise_db) * self._rise
        return speech


def silero_model_path() -> Path:
    """silero-vad's ONNX model inside its installed wheel (found without importing torch)."""
    return package_data_path("silero_vad", "data/silero_vad.onnx",
                             f"the silero detector needs silero-vad: {VAD_INSTALL_HINT}", "silero-vad")


@lru_cache(maxsize=1)
def silero_session():
    """One onnxruntime session per process (building one takes ~0.1 s; ``run`` is thread-safe and the
    recurrent state lives in each detector)."""
    try:
        import onnxruntime
    except ImportError:
        raise InputError(f"the silero detector needs onnxruntime: {VAD_INSTALL_HINT}") from None
    so = onnxruntime.SessionOptions()
    so.intra_op_num_threads = so.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(str(silero_model_path()), so, providers=["CPUExecutionProvider"])


class SileroDetector:
    """silero-vad v5+ ONNX on 512-sample windows; a frame takes the window holding its centre."""

    WINDOW = 512  # samples per model call at 16 kHz
    CONTEXT = 64  # samples of the previous window the model sees in front of each window

    def __init__(self, opts: SileroOptions = SileroOptions(), runner=None):
        """``runner(x, state) -> (prob, state)`` runs one window (default: the shared session, directly;
        :class:`postfx.silero_batch.SileroBatcher` batches the windows of many streams)."""
        self._runner = runner or run_alone
        silero_session()  # a missing silero-vad is reported here, not at the first window (cached: once a process)
        self.opts = opts
        self._audio = _AudioBuffer()
        self._state = np.zeros((2, 1, 128), np.float32)
        self._context = np.zeros(self.CONTEXT, np.float32)
        self._window = 0
        self._speaking = False
        self._window_speech: dict[int, bool] = {}
        self._frame = 0
        self._finished = False
        self.last_probability = 0.0  # of the last window run

    def push(self, audio: np.ndarray) -> np.ndarray:
        """Add samples; return decisions for frames whose centre window has been run."""
        self._audio.append(audio)
        while (self._window + 1) * self.WINDOW <= self._audio.end:
            self._run(self._audio.span(self._window * self.WINDOW, (self._window + 1) * self.WINDOW))
        return self._frames(frame_count(self._audio.end))

    def finish(self) -> np.ndarray:
        """Run the last partial window (zero-padded) and decide the remaining frames."""
        n_frames = frame_count(self._audio.end)
        if not self._finished and self._window * self.WINDOW < self._audio.end:
            tail = self._audio.span(self._window * self.WINDOW, self._audio.end)
            self._run(np.pad(tail, (0, self.WINDOW - len(tail))))
        self._finished = True
        return self._frames(n_frames)

    def _run(self, window: np.ndarray) -> None:
        x = np.concatenate([self._context, window])[None]  # (1, CONTEXT + WINDOW)
        prob, self._state = self._runner(x, self._state)
        p = self.last_probability = float(np.asarray(prob).reshape(-1)[0])
        self._speaking = p >= (self.opts.release_threshold if self._speaking else self.opts.threshold)
        self._window_speech[self._window] = self._speaking
        self._context = window[-self.CONTEXT:].astype(np.float32)
        self._window += 1
        self._audio.drop_before(min(self._window * self.WINDOW, self._audio.end))

    def _frames(self, n_frames: int) -> np.ndarray:
        out = []
        while self._frame < n_frames:
            a, b = frame_bounds(self._frame)
            k = ((a + b) // 2) // self.WINDOW
            if k not in self._window_speech:
                break
            out.append(self._window_speech[k])
            self._frame += 1
        for k in [k for k in self._window_speech if (k + 1) * self.WINDOW < frame_bounds(self._frame)[0]]:
            del self._window_speech[k]
        return np.array(out, dtype=bool)


def silero_feeds(x: np.ndarray, state: np.ndarray) -> dict[str, np.ndarray]:
    """The model's inputs for windows ``x (B, CONTEXT + WINDOW)`` with recurrent ``state (2, B, 128)``."""
    return {"input": x, "state": state, "sr": np.array(SAMPLE_RATE_HZ, np.int64)}


def run_alone(x: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One silero window on the shared session."""
    prob, state = silero_session().run(None, silero_feeds(x, state))
    return prob, state
