"""The one pipeline behind every entry point.

``Pipeline.load(checkpoint)`` builds it once per process; ``animate(audio, emotion,
options)`` animates a whole clip; ``stream(emotion, options)`` opens a
:class:`server.runtime.streaming.StreamSession` for incremental audio.
"""
from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from model.checkpoint import LoadedModel, load_model
from model.constants import FPS, frame_count
from model.emotion import EmotionTrack
from model.errors import InputError
from model.inference import InferenceEngine
from model.rig import rig
from postfx.chain import PostFxChain
from postfx.silero_batch import SileroBatcher
from postfx.vad import silero_session
from server.runtime.animation import Animation
from server.runtime.model_info import model_info
from server.runtime.options import RequestOptions
from server.runtime.scheduler import ModelScheduler

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RuntimeOptions:
    """How the model runs in this process.

    threads: intra-op threads for PyTorch (None = leave PyTorch's default).
    quantize: int8 dynamic quantisation of linear layers (faster, slightly less accurate).
    stream_int8: stream steps run on an int8 copy of the model (whole clips keep ``quantize``'s
        choice): several times cheaper speech-encoder windows, so more streams keep real time.
    """

    threads: int | None = None
    quantize: bool = False
    stream_int8: bool = False


class Pipeline:
    """Model + post-processing, loaded once and shared (thread-safe for concurrent calls)."""

    def __init__(self, loaded: LoadedModel, runtime: RuntimeOptions = RuntimeOptions()):
        if runtime.threads:
            torch.set_num_threads(runtime.threads)
        self.loaded = loaded
        self.runtime = runtime
        stream_engine = None
        if runtime.stream_int8 and not runtime.quantize:  # copied before the engine hooks into the model
            stream_engine = InferenceEngine(copy.deepcopy(loaded.model), quantize=True)
        self.engine = InferenceEngine(loaded.model, quantize=runtime.quantize)
        # one forward pass at a time (the CPU is the bottleneck); stream steps run on the int8 copy if any
        self.scheduler = ModelScheduler(stream_engine or self.engine)
        # streams' speech gates run their silero windows through one batcher (whole clips run theirs alone)
        self.silero_runner = SileroBatcher(silero_session)
        self._capacity: dict[tuple[float, float], int] = {}

    @classmethod
    def load(cls, checkpoint: str | Path | None = None, runtime: RuntimeOptions = RuntimeOptions()) -> Pipeline:
        """Load a checkpoint (None = the shipped default model)."""
        return cls(load_model(checkpoint), runtime)

    # -- information ----------------------------------------------------------
    @property
    def provenance(self) -> dict[str, Any]:
        return self.loaded.provenance

    @property
    def trained(self) -> bool:
        return bool(self.loaded.metadata.get("trained", False))

    @property
    def model_id(self) -> str:
        return self.loaded.model_id

    def info(self) -> dict[str, Any]:
        """Everything `emoface info` and gRPC GetInfo report."""
        return model_info(self.loaded.metadata, self.loaded.path, self.loaded.sha256)

    # -- whole clips ----------------------------------------------------------
    def raw_frames(self, audio: np.ndarray, emotion: EmotionTrack, progress: Progress | None = None) -> np.ndarray:
        """Network output ``(T, 174)`` for 16 kHz mono audio, before post-processing."""
        audio = _check_audio(audio)
        n_frames = frame_count(len(audio))
        weights, intensity = emotion.at_frames(n_frames, FPS)
        return self.scheduler.bulk(lambda between: self.engine.infer(audio, weights, intensity, progress, between))

    def encode_step(self, audio: np.ndarray) -> np.ndarray:
        """Speech-encoder features of one stream window: real time, batched with other streams' steps."""
        return self.scheduler.encode(audio)

    def head_step(self, features: np.ndarray, weights: np.ndarray, intensity: np.ndarray,
                  rows: slice | None = None) -> np.ndarray:
        """Audio2Rig on one stream window of features (the frames ``rows`` of it): real time, batched with
        other streams' steps."""
        return self.scheduler.head(features, weights, intensity, rows)

    def animate(self, audio: np.ndarray, emotion: EmotionTrack, options: RequestOptions = RequestOptions(),
                progress: Progress | None = None) -> Animation:
        """Animate a whole clip of 16 kHz mono float32 audio.

        progress: ``progress(windows_done, windows_total)`` after each model window (long clips run
        as several windows).
        """
        options = options.resolved()
        raw = self.raw_frames(audio, emotion, progress)
        chain = PostFxChain(options.postfx, options.seed, FPS)
        frames = chain.process(raw, audio)
        anim = Animation(frames, rig().names, FPS, options.to_dict(), self.provenance, emotion.to_obj(),
                         tuple(o for o in chain.blinks.onsets if o < len(frames)))
        return anim.subset(options.controls)

    def stream_capacity(self, lookahead_s: float, share: float) -> int:
        """Real-time streams this machine keeps up with (measured once per setting; see
        :mod:`server.runtime.capacity`)."""
        from server.runtime.capacity import measure_stream_capacity

        key = (lookahead_s, share)
        if key not in self._capacity:
            self._capacity[key] = measure_stream_capacity(self.scheduler.engine, lookahead_s, share)
        return self._capacity[key]

    def stream(self, emotion: EmotionTrack, options: RequestOptions = RequestOptions(),
               lookahead_s: float = 0.1, config=None):
        """Open a streaming session (see :mod:`server.runtime.streaming`); ``config``: a ``StreamConfig``."""
        from server.runtime.streaming import StreamConfig, StreamSession

        return StreamSession(self, emotion, options, lookahead_s, config or StreamConfig())


def _check_audio(audio: np.ndarray) -> np.ndarray:
    audio = np.asarray(audio)
    if audio.ndim != 1:
        raise InputError(f"audio must be mono (n,), got shape {audio.shape}")
    if audio.size == 0:
        raise InputError("audio contains no samples")
    if not np.all(np.isfinite(audio)):
        raise InputError("audio contains NaN or infinite samples")
    return audio.astype(np.float32, copy=False)
