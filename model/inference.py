"""Inference on audio of any length: overlapping windows, cross-faded outputs.

Windows start on multiples of :data:`ALIGN_FRAMES` (0.1 s: a whole number of samples,
50 Hz encoder frames and 60 fps frames), so every window sees the same features for the
frames it shares with its neighbours. Outputs are blended with complementary linear ramps
over the overlaps, so no seam appears; there is no length limit besides memory.
"""
from __future__ import annotations

import logging
import threading
import warnings
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn

from model.constants import FPS, SAMPLE_RATE_HZ, frame_count
from model.network import EmoFace

log = logging.getLogger(__name__)
ALIGN_FRAMES = 6
"""0.1 s at 60 fps = 1600 samples = 5 Whisper/wav2vec2 frames."""
SAMPLES_PER_ALIGN = SAMPLE_RATE_HZ * ALIGN_FRAMES // FPS


def frame_to_sample(frame: int) -> int:
    """First sample of an aligned frame index (``frame`` must be a multiple of ALIGN_FRAMES)."""
    assert frame % ALIGN_FRAMES == 0
    return frame // ALIGN_FRAMES * SAMPLES_PER_ALIGN


def window_starts(num_frames: int, window_frames: int, overlap_frames: int) -> list[int]:
    """Aligned start frames of the windows covering ``num_frames``."""
    if num_frames <= window_frames:
        return [0]
    hop = (window_frames - overlap_frames) // ALIGN_FRAMES * ALIGN_FRAMES
    starts = list(range(0, num_frames - window_frames, hop))
    last = (num_frames - window_frames) // ALIGN_FRAMES * ALIGN_FRAMES
    if last > starts[-1]:
        starts.append(last)
    return starts


def blend_weights(length: int, ramp_in: int, ramp_out: int) -> np.ndarray:
    """``(length,)`` weights: linear ramps of the given lengths at each end, 1 in between."""
    w = np.ones(length)
    if ramp_in:
        w[:ramp_in] = (np.arange(ramp_in) + 0.5) / ramp_in
    if ramp_out:
        w[length - ramp_out :] = np.minimum(w[length - ramp_out :], (np.arange(ramp_out)[::-1] + 0.5) / ramp_out)
    return w


def quantize_int8(model: EmoFace) -> EmoFace:
    """int8 dynamic quantisation of every Linear layer (weights int8, activations quantised per
    call); attention output projections stay float, as PyTorch's MultiheadAttention requires."""
    with warnings.catch_warnings():  # PyTorch announces a future move of these kernels; they work in 2.13
        warnings.simplefilter("ignore", UserWarning)
        return torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)


def pieces(model: nn.Module) -> list[nn.Module]:
    """The modules a long forward pass can pause before: every linear and convolutional module, so a
    pause point is at most one matrix product away (at most about 30 ms for a 20 s Whisper tiny.en
    window on 2 cores)."""
    return [mod for mod in model.modules() if isinstance(mod, (nn.Linear, nn.Conv1d))]


class InferenceEngine:
    """Runs an :class:`EmoFace` model on NumPy audio, in inference mode.

    A whole-clip :meth:`infer` may be given a ``between`` callback: it is called on the calling thread
    before every matrix-product module (:func:`pieces`) and between windows, so a
    scheduler can lend the model to more urgent work, or stop the call by raising, at most one
    matrix product later.
    """

    def __init__(self, model: EmoFace, quantize: bool = False):
        model.eval()
        if quantize:
            model = quantize_int8(model)
        self.model = model
        cfg = model.config
        self.window_frames = int(round(cfg.window_s * FPS)) // ALIGN_FRAMES * ALIGN_FRAMES
        self.overlap_frames = int(round(cfg.overlap_s * FPS)) // ALIGN_FRAMES * ALIGN_FRAMES
        self._between = threading.local()  # .fn: the running infer() call's callback on this thread
        self.pieces = pieces(model)
        for layer in self.pieces:
            layer.register_forward_pre_hook(self._before_layer)

    def _before_layer(self, _module: nn.Module, _args) -> None:
        fn = getattr(self._between, "fn", None)
        if fn is not None:
            fn()

    @torch.inference_mode()
    def forward(self, audio: np.ndarray, weights: np.ndarray, intensity: np.ndarray) -> np.ndarray:
        """One pass: ``(n,)`` audio with ``(T, 7)``/``(T,)`` emotion -> ``(T, 174)``; T = frame_count(n)."""
        a = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))[None]
        w = torch.from_numpy(np.ascontiguousarray(weights, dtype=np.float32))[None]
        i = torch.from_numpy(np.ascontiguousarray(intensity, dtype=np.float32))[None]
        return self.model(a, w, i)[0].numpy()

    @torch.inference_mode()
    def encode(self, audio: np.ndarray) -> np.ndarray:
        """Speech encoder only: ``(n,)`` audio -> ``(frame_count(n), audio_width)`` features."""
        a = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))[None]
        return self.model.encode_audio(a)[0].numpy()

    @torch.inference_mode()
    def encode_many(self, audios: Sequence[np.ndarray]) -> list[np.ndarray]:
        """:meth:`encode` of several windows of equal length in one batched pass."""
        a = torch.from_numpy(np.stack([np.asarray(x, dtype=np.float32) for x in audios]))  # (B, n)
        return list(self.model.encode_audio(a).numpy())

    @torch.inference_mode()
    def head_many(self, windows: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
                  rows: slice | None = None) -> list[np.ndarray]:
        """:meth:`head` of several ``(features, weights, intensity)`` windows of equal length in one pass."""
        f, w, i = (torch.from_numpy(np.stack([np.asarray(x[k], dtype=np.float32) for x in windows]))
                   for k in range(3))  # (B, T, C), (B, T, 7), (B, T)
        return list(self.model.head(f, w, i, rows=rows).numpy())

    @torch.inference_mode()
    def head(self, features: np.ndarray, weights: np.ndarray, intensity: np.ndarray,
             rows: slice | None = None) -> np.ndarray:
        """Audio2Rig only: ``(T, audio_width)`` features + ``(T, 7)``/``(T,)`` emotion -> ``(T, 174)``
        (``(R, 174)`` for the frames ``rows`` only, seeing all T)."""
        f, w, i = (torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))[None]
                   for x in (features, weights, intensity))
        return self.model.head(f, w, i, rows=rows)[0].numpy()

    def infer(self, audio: np.ndarray, weights: np.ndarray, intensity: np.ndarray,
              progress: Callable[[int, int], None] | None = None,
              between: Callable[[], None] | None = None) -> np.ndarray:
        """Whole clip of any length -> ``(T, 174)`` float32, windowed and cross-faded.

        progress: called as ``progress(windows_done, windows_total)`` after each window.
        between: called before each layer and each window (see the class); what it raises ends the call.
        """
        self._between.fn = between
        try:
            return self._infer(audio, weights, intensity, progress, between or (lambda: None))
        finally:
            self._between.fn = None

    def _infer(self, audio: np.ndarray, weights: np.ndarray, intensity: np.ndarray,
               progress: Callable[[int, int], None] | None, between: Callable[[], None]) -> np.ndarray:
        total = frame_count(len(audio))
        if total == 0:
            return np.zeros((0, self.model.config.num_controls), np.float32)
        starts = window_starts(total, self.window_frames, self.overlap_frames)
        if len(starts) == 1:
            out = self.forward(audio, weights[:total], intensity[:total]).astype(np.float32)
            if progress is not None:
                progress(1, 1)
            return out
        acc = np.zeros((total, self.model.config.num_controls))
        norm = np.zeros(total)
        for k, s in enumerate(starts):
            between()
            e = total if k == len(starts) - 1 else s + self.window_frames  # last window reaches the end
            seg = audio[frame_to_sample(s) : len(audio) if e == total else frame_to_sample(e)]
            out = self.forward(seg, weights[s:e], intensity[s:e])[: e - s]
            ramp_in = (starts[k - 1] + self.window_frames - s) if k > 0 else 0
            ramp_out = (e - starts[k + 1]) if k + 1 < len(starts) else 0
            w = blend_weights(e - s, ramp_in, ramp_out)
            acc[s:e] += out * w[:, None]
            norm[s:e] += w
            if progress is not None:
                progress(k + 1, len(starts))
        log.debug("inferred %d frames in %d windows", total, len(starts))
        return (acc / norm[:, None]).astype(np.float32)
