"""Streaming animation: audio arrives in chunks, frames leave once and are never revised.

A frame is final when the audio up to its time plus the lookahead has arrived. The
lookahead budget (default 0.1 s) is split between the network (right context it sees)
and the smoother (its off-centre Savitzky-Golay window). The speech encoder runs only on
new audio plus a little left context and caches its final features; the Audio2Rig
transformer runs on a window of cached features reaching ``head_context_s`` back. Windows
are aligned to 0.1 s like the offline ones; blinks and gaze come from the same seeded
generators as a whole-clip call.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from model.constants import FPS, SAMPLE_RATE_HZ, frame_count
from model.emotion import EmotionKey, EmotionTrack
from model.errors import InputError
from model.inference import ALIGN_FRAMES, frame_to_sample
from model.rig import rig
from postfx.chain import PostFxChain
from server.runtime.options import RequestOptions

if TYPE_CHECKING:
    from server.runtime.pipeline import Pipeline


@dataclass(frozen=True)
class StreamConfig:
    """Streaming trade-offs between CPU, latency and agreement with a whole-clip call.

    encoder_context_s: audio before the first non-final feature frame that the speech encoder sees.
    encoder_margin_s: features this close to the end of the audio received are provisional and
        recomputed at the next step (they lack right context).
    head_context_s: features before the first new frame that the Audio2Rig transformer sees.
    step_s: frames are computed in steps of this length on a fixed grid: a step's windows cost about the
        same whatever its length, so 0.2 s steps take about half the CPU of 0.1 s ones per second of audio
        (and agree better with a whole-clip call), while a frame may wait up to one step longer.
    first_step_s: the first step's length (then ``step_s`` each): the first frames leave as early as with
        steps of this length.
    smoothing_share: fraction of the lookahead frames given to the smoother (rest: the network).
    """

    encoder_context_s: float = 0.3
    encoder_margin_s: float = 0.1
    head_context_s: float = 1.0
    step_s: float = 0.2
    first_step_s: float = 0.1
    smoothing_share: float = 0.5

    def frames(self, seconds: float) -> int:
        """Seconds -> frames, rounded down to the 0.1 s window alignment."""
        return int(round(seconds * FPS)) // ALIGN_FRAMES * ALIGN_FRAMES


class StreamSession:
    """One stream: ``push`` chunks of 16 kHz mono float32, then ``finish``."""

    def __init__(self, pipeline: Pipeline, emotion: EmotionTrack, options: RequestOptions, lookahead_s: float = 0.1,
                 config: StreamConfig = StreamConfig()):
        if not 0.0 <= lookahead_s <= 2.0:
            raise InputError(f"lookahead must be in [0, 2] s, got {lookahead_s}")
        self.pipeline, self.track, self.options, self.config = pipeline, emotion, options.resolved(), config
        lookahead = int(round(lookahead_s * FPS))
        smooth_la = int(lookahead * config.smoothing_share) if self.options.postfx.smoothing.enabled else 0
        self.model_lookahead_frames = lookahead - smooth_la
        # the speech gate looks ahead beside the network, within its share (pre-roll cut if need be)
        self.options = self.options.with_gate_within(self.model_lookahead_frames)
        self.chain = PostFxChain(self.options.postfx, self.options.seed, FPS, lookahead_frames=smooth_la,
                                 silero_runner=pipeline.silero_runner)
        self.columns = rig().select(self.options.controls) if self.options.controls else np.arange(len(rig()))
        self.controls: tuple[str, ...] = tuple(rig().names[i] for i in self.columns)
        self._audio = np.zeros(0, np.float32)  # samples from self._audio_offset on
        self._audio_offset = 0  # absolute index of self._audio[0] (always a multiple of 0.1 s)
        self._total_samples = 0
        self._step = max(1, int(round(config.step_s * FPS)))
        self._first_step = max(1, int(round(config.first_step_s * FPS)))
        self._raw_done = 0  # raw (network) frames produced so far
        self._feats: np.ndarray | None = None  # final encoder features from frame self._feat_offset on
        self._feat_offset = 0
        self._feat_final = 0  # features of frames before this are final
        self.frames_emitted = 0
        self.finished = False

    @property
    def lookahead_frames(self) -> int:
        return self.model_lookahead_frames + self.chain.smoother.delay_frames

    def add_emotion_keys(self, keys: Sequence[EmotionKey]) -> None:
        """Merge time-coded keys (absolute seconds); frames already computed are not revised."""
        if keys:
            self.track = self.track.with_keys(tuple(keys))

    def push(self, chunk: np.ndarray, emotion_keys: Sequence[EmotionKey] = ()) -> tuple[int, np.ndarray]:
        """Add audio; return ``(index of the first returned frame, frames (n, C))`` now final."""
        if self.finished:
            raise InputError("stream already finished")
        chunk = np.asarray(chunk, dtype=np.float32).reshape(-1)
        if not np.all(np.isfinite(chunk)):
            raise InputError("audio chunk contains NaN or infinite samples")
        self.add_emotion_keys(emotion_keys)
        self.chain.push_audio(chunk)
        self._audio = np.concatenate([self._audio, chunk])
        self._total_samples += len(chunk)
        available = frame_count(self._total_samples)
        outs = []
        while self._step_end() + self.model_lookahead_frames <= available:
            end = self._step_end()
            outs.append(self._run_step(end, end + self.model_lookahead_frames))
        return self._emit(self.chain.push(np.concatenate(outs)) if outs else None)

    def finish(self) -> tuple[int, np.ndarray]:
        """End of audio: return every remaining frame."""
        if self.finished:
            raise InputError("stream already finished")
        self.finished = True  # from here on, features at the end of the audio are final
        total = frame_count(self._total_samples)
        parts = []
        while self._raw_done < total:
            end = min(self._step_end(), total)
            parts.append(self.chain.push(self._run_step(end, min(end + self.model_lookahead_frames, total))))
        parts.append(self.chain.finish())
        return self._emit(np.concatenate([p.reshape(-1, len(rig())) for p in parts]))

    def _step_end(self) -> int:
        """The end (exclusive raw frame) of the next step on the grid."""
        return self._raw_done + (self._first_step if self._raw_done == 0 else self._step)

    def _emit(self, frames: np.ndarray | None) -> tuple[int, np.ndarray]:
        start = self.frames_emitted
        if frames is None or len(frames) == 0:
            return start, np.zeros((0, len(self.columns)), np.float32)
        self.frames_emitted += len(frames)
        return start, frames[:, self.columns]

    def _run_step(self, end: int, window_end: int) -> np.ndarray:
        """Raw frames ``self._raw_done .. end - 1``, seeing audio up to frame ``window_end``.

        Steps lie on a fixed grid and windows depend only on it, so frames do not depend on how the
        audio was chunked. The speech encoder runs only over audio whose features are not final yet
        (plus left context); final features are cached.
        """
        provisional = self._update_features(window_end)
        head_ctx = self.config.frames(self.config.head_context_s)
        start = max(self._feat_offset, (self._raw_done - head_ctx) // ALIGN_FRAMES * ALIGN_FRAMES)
        feats = np.concatenate([self._feats[start - self._feat_offset :], provisional])  # frames start..window_end
        weights, intensity = self.track.at_frames(len(feats), FPS, start_frame=start)
        # (end - raw_done, 174): the step's new frames, seeing frames start..window_end
        result = self.pipeline.head_step(feats, weights, intensity, slice(self._raw_done - start, end - start))
        self._raw_done = end
        self._trim(head_ctx)
        return result

    def _update_features(self, window_end: int) -> np.ndarray:
        """Extend the final-feature cache; return provisional features up to ``window_end``."""
        at_end = self.finished and window_end == frame_count(self._total_samples)
        margin = 0 if at_end else int(round(self.config.encoder_margin_s * FPS))
        context = self.config.frames(self.config.encoder_context_s)
        start = max(0, self._feat_final - context) // ALIGN_FRAMES * ALIGN_FRAMES
        seg_end = -(-window_end * SAMPLE_RATE_HZ // FPS)  # first sample at or after the window's end
        seg = self._audio[frame_to_sample(start) - self._audio_offset : seg_end - self._audio_offset]
        feats = self.pipeline.encode_step(seg)  # (window_end - start, width): frame start + i
        final_end = max(self._feat_final, window_end - margin)
        new = feats[self._feat_final - start : final_end - start]
        self._feats = new if self._feats is None else np.concatenate([self._feats, new])
        self._feat_final = final_end
        return feats[final_end - start : window_end - start]

    def _trim(self, head_ctx: int) -> None:
        """Drop cached features and audio no later step can need."""
        keep = max(0, self._raw_done - head_ctx - ALIGN_FRAMES) // ALIGN_FRAMES * ALIGN_FRAMES
        if self._feats is not None and keep > self._feat_offset:
            self._feats = self._feats[keep - self._feat_offset :]
            self._feat_offset = keep
        enc_ctx = self.config.frames(self.config.encoder_context_s)
        keep_audio = max(0, self._feat_final - enc_ctx - ALIGN_FRAMES) // ALIGN_FRAMES * ALIGN_FRAMES
        cut = frame_to_sample(keep_audio) - self._audio_offset
        if cut > 0:
            self._audio = self._audio[cut:]
            self._audio_offset += cut
