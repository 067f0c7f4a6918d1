"""The curves scored against real references: the model's jaw (raw and post-processed) and the energy baseline.

- ``raw``: the network's output for neutral emotion (windowed inference, as ``Pipeline.raw_frames``), the
  same quantity ``emoface evaluate`` compares with the teacher;
- ``postfx``: that output through the post-processing chain with blinks and gaze off (speech gate, smoothing,
  gains, clamping), which is what ``emoface animate --no-blink --no-gaze`` writes; the speech gate is the
  default one unless the :class:`Animator` is given another (``emoface evaluate --speech-gate``);
- ``stream`` (rest metrics only): the same chain run as a stream (``server.runtime.streaming``), audio pushed in 0.1 s
  chunks with the default 0.1 s lookahead;
- ``energy``: the audio-energy baseline ``clip(a * (dB - clip max dB) + b, 0, 1)`` of
  :class:`training.baselines.EnergyJawBaseline`, with ``a, b`` fitted on a corpus when one is given, else
  :data:`DEFAULT_ENERGY`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from model.constants import FPS, SAMPLE_RATE_HZ, frame_count
from model.emotion import EmotionTrack
from model.rig import rig
from postfx.blink.sampler import BlinkOptions
from postfx.chain import PostFxChain, PostFxOptions
from postfx.gate_stage import SpeechGateOptions
from postfx.gaze import GazeOptions
from server.runtime.pipeline import Pipeline
from training.baselines import EnergyJawBaseline, frame_energy_db

JAW = "CTRL_C_jaw.ty"
"""The mouth-opening control scored against every real reference."""
DEFAULT_ENERGY = EnergyJawBaseline(a=0.0026, b=0.23)
"""Used when no corpus is given to fit the baseline: the fit on the 67 train utterances of
``emoface corpus build --count 60`` (seed 0), rounded. It reaches 0 only 88 dB under the clip's loudest frame,
so on real clips it is the frame level in dB, scaled: r does not depend on ``a`` or ``b``."""
NO_BLINK_GAZE = PostFxOptions(blink=BlinkOptions(enabled=False), gaze=GazeOptions(enabled=False))


@dataclass
class Curves:
    """Per-frame ``(T, 174)`` outputs of one clip and the energy baseline's jaw ``(T,)``."""

    raw: np.ndarray
    postfx: np.ndarray
    energy: np.ndarray

    def jaw(self, source: str) -> np.ndarray:
        """``(T,)`` jaw of ``raw``, ``postfx`` or ``energy``."""
        return self.energy if source == "energy" else getattr(self, source)[:, rig().index(JAW)]


def energy_jaw(audio: np.ndarray, num_frames: int, baseline: EnergyJawBaseline = DEFAULT_ENERGY) -> np.ndarray:
    """``(T,)`` baseline jaw of 16 kHz audio."""
    db = frame_energy_db(audio, num_frames)
    return np.clip(baseline.a * (db - db.max()) + baseline.b, 0, 1)


class Animator:
    """Animates audio with one checkpoint, neutral emotion unless told otherwise."""

    def __init__(self, checkpoint: str | None = None, baseline: EnergyJawBaseline = DEFAULT_ENERGY,
                 speech_gate: SpeechGateOptions = SpeechGateOptions()):
        self.pipeline = Pipeline.load(checkpoint)
        self.baseline = baseline
        self.postfx = replace(NO_BLINK_GAZE, speech_gate=speech_gate)
        self._cache: dict[tuple[str, str], Curves] = {}

    @property
    def model_id(self) -> str:
        return self.pipeline.model_id

    def curves(self, audio: np.ndarray, emotion: str = "neutral", key: str | None = None) -> Curves:
        """Outputs for 16 kHz ``audio``; with a ``key`` (the clip's name) they are computed once per emotion."""
        if key is not None and (key, emotion) in self._cache:
            return self._cache[key, emotion]
        raw = self.pipeline.raw_frames(audio, EmotionTrack.parse(emotion))
        post = PostFxChain(self.postfx, seed=0, fps=FPS).process(raw, audio)
        out = Curves(raw, post, energy_jaw(audio, frame_count(len(audio)), self.baseline))
        if key is not None:
            self._cache[key, emotion] = out
        return out

    def stream_jaw(self, audio: np.ndarray, emotion: str = "neutral", chunk_s: float = 0.1) -> np.ndarray:
        """``(T,)`` jaw of a stream fed ``audio`` in chunks of ``chunk_s`` (blinks and gaze off)."""
        from server.runtime.options import RequestOptions

        session = self.pipeline.stream(EmotionTrack.parse(emotion), RequestOptions(self.postfx, seed=0))
        step = max(1, int(round(chunk_s * SAMPLE_RATE_HZ)))
        parts = [session.push(audio[k : k + step])[1] for k in range(0, len(audio), step)]
        parts.append(session.finish()[1])
        return np.concatenate(parts)[:, rig().index(JAW)]
