"""Pretrained speech encoders -> content features at 60 fps.

Both encoders take 16 kHz mono audio ``(B, n)`` and return ``(B, T, width)`` with
``T = frame_count(n)`` frames at :data:`FPS`:
- :class:`Wav2Vec2AudioEncoder` (the paper): CNN features (50 Hz) are linearly
  interpolated to 60 fps *before* the wav2vec2 transformer; the CNN can be frozen.
- :class:`WhisperAudioEncoder`: Whisper's encoder on log-mel input (100 Hz mel, 50 Hz
  encoder frames); its positional table is sliced to the input length (<= 30 s), and the
  output is interpolated to 60 fps.
Interpolation maps frame centres by time, so windows that start on a 0.1 s boundary see
identical features for shared frames.

The Whisper path is plain PyTorch (:mod:`model.whisper`); only the wav2vec2 encoder needs
``transformers``, imported when one is built.

For training, each encoder splits into ``frozen_features`` (the part that is never trained:
the whole encoder when frozen, else wav2vec2's CNN) and ``from_frozen`` (the rest), so the
frozen part's output can be cached; ``from_frozen(frozen_features(a)) == forward(a)``.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from model.config import EmoFaceConfig
from model.constants import FPS, SAMPLE_RATE_HZ, frame_count
from model.whisper import WhisperEncoder, mel_filters

ENCODER_HZ = 50
MEL_HOP = SAMPLE_RATE_HZ // 100  # 160 samples: 100 Hz log-mel
MEL_FFT = 400
LOG_MEL_FLOOR = -7.0
"""Fixed floor of log10 mel power. Whisper clamps at (clip max - 8); a fixed floor keeps
features independent of the window a frame falls in (streaming == whole clip)."""


def resample_frames(x: torch.Tensor, num_frames: int, src_hz: float = ENCODER_HZ, dst_hz: float = FPS
                    ) -> torch.Tensor:
    """Linear interpolation along time by frame centres: ``(B, S, C)`` -> ``(B, num_frames, C)``."""
    src = x.shape[1]
    pos = (torch.arange(num_frames, dtype=torch.float32, device=x.device) + 0.5) * (src_hz / dst_hz) - 0.5
    pos = pos.clamp(0, max(src - 1, 0))
    lo = pos.floor().long()
    hi = (lo + 1).clamp(max=src - 1)
    w = (pos - lo.float())[None, :, None]  # (1, T, 1)
    return x[:, lo] * (1 - w) + x[:, hi] * w


class WhisperAudioEncoder(nn.Module):
    """Whisper encoder (weights as ``transformers.WhisperEncoder`` names them) with a sliced positional table."""

    def __init__(self, config: EmoFaceConfig):
        super().__init__()
        self.model = WhisperEncoder(config.n_mels, config.audio_width, config.audio_layers, config.audio_heads,
                                    config.audio_ffn, config.audio_max_positions)
        mel = mel_filters(config.n_mels, MEL_FFT, SAMPLE_RATE_HZ)  # (F, M)
        self.register_buffer("mel_filters", torch.tensor(mel.T, dtype=torch.float32), persistent=False)  # (M, F)
        self.register_buffer("window", torch.hann_window(MEL_FFT), persistent=False)
        self.max_positions = config.audio_max_positions

    def log_mel(self, audio: torch.Tensor) -> torch.Tensor:
        """``(B, n)`` -> ``(B, n_mels, n // 160)`` Whisper-style log-mel (fixed floor)."""
        stft = torch.stft(audio, MEL_FFT, MEL_HOP, window=self.window, return_complex=True)  # (B, F, n//160 + 1)
        power = stft[..., :-1].abs() ** 2
        mel = self.mel_filters @ power  # (B, M, L)
        log_spec = torch.clamp(mel, min=1e-10).log10().clamp(min=LOG_MEL_FLOOR)
        return (log_spec + 4.0) / 4.0

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        """``(B, n)`` 16 kHz audio -> ``(B, frame_count(n), width)`` at 60 fps."""
        n = audio.shape[1]
        mel = self.log_mel(audio)  # (B, M, L)
        m = self.model
        h = F.gelu(m.conv1(mel))
        h = F.gelu(m.conv2(h)).transpose(1, 2)  # (B, S, W), S = ceil(L / 2) at 50 Hz
        if h.shape[1] > self.max_positions:
            raise ValueError(f"Whisper encoder input of {h.shape[1]} frames exceeds {self.max_positions}")
        h = h + m.embed_positions.weight[: h.shape[1]]
        for layer in m.layers:
            h = layer(h)
        h = m.layer_norm(h)
        return resample_frames(h, frame_count(n))

    def frozen_features(self, audio: torch.Tensor) -> torch.Tensor:
        """The frozen part's output: the whole encoder (only whole freezing can be cached here)."""
        if any(p.requires_grad for p in self.parameters()):
            raise ValueError("a partly trainable Whisper encoder has no cacheable frozen stage")
        return self.forward(audio)

    def from_frozen(self, features: torch.Tensor) -> torch.Tensor:
        return features

    def freeze(self, whole: bool) -> None:
        """Freeze the convolutional front end, or everything when ``whole``."""
        modules = [self.model] if whole else [self.model.conv1, self.model.conv2]
        for mod in modules:
            for p in mod.parameters():
                p.requires_grad_(False)


class Wav2Vec2AudioEncoder(nn.Module):
    """wav2vec 2.0 with CNN features interpolated to 60 fps before its transformer (the paper)."""

    def __init__(self, config: EmoFaceConfig):
        super().__init__()
        from transformers import Wav2Vec2Config, Wav2Vec2Model  # lazy: transformers takes seconds to import

        hf = Wav2Vec2Config(hidden_size=config.audio_width, num_hidden_layers=config.audio_layers,
                            num_attention_heads=config.audio_heads, intermediate_size=config.audio_ffn,
                            mask_time_prob=0.0, layerdrop=0.0)
        hf._attn_implementation = "sdpa"
        self.model = Wav2Vec2Model(hf)

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        """``(B, n)`` 16 kHz audio -> ``(B, frame_count(n), width)`` at 60 fps."""
        return self.transformer(self.cnn_features(audio))

    def cnn_features(self, audio: torch.Tensor) -> torch.Tensor:
        """``(B, n)`` -> the CNN's ``(B, frame_count(n), 512)`` features, interpolated to 60 fps."""
        n = audio.shape[1]
        audio = (audio - audio.mean(dim=1, keepdim=True)) / (audio.std(dim=1, keepdim=True) + 1e-7)
        feats = self.model.feature_extractor(audio).transpose(1, 2)  # (B, S, 512) at ~50 Hz
        return resample_frames(feats, frame_count(n))  # (B, T, 512)

    def transformer(self, feats: torch.Tensor) -> torch.Tensor:
        """``(B, T, 512)`` CNN features -> ``(B, T, width)`` (projection + transformer)."""
        hidden, _ = self.model.feature_projection(feats)
        return self.model.encoder(hidden).last_hidden_state

    def frozen_features(self, audio: torch.Tensor) -> torch.Tensor:
        """The frozen part's output: the whole encoder, or the CNN (the paper: CNN frozen)."""
        if all(not p.requires_grad for p in self.parameters()):
            return self.forward(audio)
        if any(p.requires_grad for p in self.model.feature_extractor.parameters()):
            raise ValueError("the wav2vec2 CNN is trainable, so nothing can be cached")
        return self.cnn_features(audio)

    def from_frozen(self, features: torch.Tensor) -> torch.Tensor:
        if all(not p.requires_grad for p in self.parameters()):
            return features
        return self.transformer(features)

    def freeze(self, whole: bool) -> None:
        self.model.freeze_feature_encoder()
        if whole:
            for p in self.model.parameters():
                p.requires_grad_(False)


def build_audio_encoder(config: EmoFaceConfig) -> nn.Module:
    enc = WhisperAudioEncoder(config) if config.audio_encoder == "whisper" else Wav2Vec2AudioEncoder(config)
    if config.freeze_audio_encoder or config.freeze_feature_extractor:
        enc.freeze(whole=config.freeze_audio_encoder)
    return enc
