"""Whisper's audio encoder in plain PyTorch, parameter for parameter the same as Hugging Face
``transformers``' ``WhisperEncoder`` (so its state dicts, the packaged tiny.en weights and
converted checkpoints load unchanged), without importing ``transformers``.

Shapes: log-mel ``(B, n_mels, L)`` at 100 Hz -> two convolutions (the second with stride 2)
-> ``(B, S, width)`` at 50 Hz, S = ceil(L / 2) -> + positional table -> pre-norm transformer
layers -> final layer norm.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

INIT_STD = 0.02  # weight init of a new, untrained encoder (as transformers' WhisperConfig.init_std)


class WhisperAttention(nn.Module):
    """Multi-head self-attention; the query is scaled before the product, as in Whisper."""

    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads, self.head_dim = heads, width // heads
        self.scaling = self.head_dim ** -0.5
        self.k_proj = nn.Linear(width, width, bias=False)
        self.v_proj = nn.Linear(width, width)
        self.q_proj = nn.Linear(width, width)
        self.out_proj = nn.Linear(width, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, S, W)`` -> ``(B, S, W)``."""
        b, s, w = x.shape
        q = (self.q_proj(x) * self.scaling).view(b, s, self.heads, self.head_dim).transpose(1, 2)  # (B, H, S, D)
        k = self.k_proj(x).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        out = F.scaled_dot_product_attention(q, k, v, scale=1.0)  # (B, H, S, D)
        return self.out_proj(out.transpose(1, 2).reshape(b, s, w))


class WhisperEncoderLayer(nn.Module):
    """Pre-norm transformer layer: self-attention, then a GELU feed-forward block."""

    def __init__(self, width: int, heads: int, ffn: int):
        super().__init__()
        self.self_attn = WhisperAttention(width, heads)
        self.self_attn_layer_norm = nn.LayerNorm(width)
        self.fc1 = nn.Linear(width, ffn)
        self.fc2 = nn.Linear(ffn, width)
        self.final_layer_norm = nn.LayerNorm(width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, S, W)`` -> ``(B, S, W)``."""
        x = x + self.self_attn(self.self_attn_layer_norm(x))
        return x + self.fc2(F.gelu(self.fc1(self.final_layer_norm(x))))


class WhisperEncoder(nn.Module):
    """The encoder's parts; :class:`model.audio_encoders.WhisperAudioEncoder` runs them."""

    def __init__(self, n_mels: int, width: int, layers: int, heads: int, ffn: int, max_positions: int):
        super().__init__()
        self.conv1 = nn.Conv1d(n_mels, width, kernel_size=3, padding=1)
        self.conv2 = nn.Conv1d(width, width, kernel_size=3, stride=2, padding=1)
        self.embed_positions = nn.Embedding(max_positions, width)
        self.embed_positions.requires_grad_(False)  # Whisper's positions are fixed sinusoids
        self.layers = nn.ModuleList(WhisperEncoderLayer(width, heads, ffn) for _ in range(layers))
        self.layer_norm = nn.LayerNorm(width)
        self._init_weights()

    def _init_weights(self) -> None:
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Conv1d)):
                nn.init.normal_(module.weight, 0.0, INIT_STD)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
        with torch.no_grad():
            self.embed_positions.weight.copy_(sinusoids(*self.embed_positions.weight.shape))


def sinusoids(length: int, channels: int, max_timescale: float = 10000.0) -> torch.Tensor:
    """Whisper's positional table ``(length, channels)``: sines then cosines."""
    log_timescale_increment = math.log(max_timescale) / (channels // 2 - 1)
    inv_timescales = torch.exp(-log_timescale_increment * torch.arange(channels // 2))
    scaled_time = torch.arange(length).view(-1, 1) * inv_timescales.view(1, -1)
    return torch.cat([scaled_time.sin(), scaled_time.cos()], dim=1)


def mel_filters(n_mels: int, n_fft: int, sample_rate_hz: int) -> np.ndarray:
    """Slaney-style mel filter bank ``(n_fft // 2 + 1, n_mels)``, area-normalised, 0 Hz to Nyquist
    (the filters Whisper's feature extractor uses)."""
    fft_hz = np.linspace(0, sample_rate_hz // 2, n_fft // 2 + 1)
    mel_edges = np.linspace(_hz_to_mel(0.0), _hz_to_mel(sample_rate_hz / 2), n_mels + 2)
    edges_hz = _mel_to_hz(mel_edges)  # (n_mels + 2,)
    widths_hz = np.diff(edges_hz)
    slopes = edges_hz[None, :] - fft_hz[:, None]  # (F, n_mels + 2)
    down = -slopes[:, :-2] / widths_hz[:-1]
    up = slopes[:, 2:] / widths_hz[1:]
    filters = np.maximum(np.zeros(1), np.minimum(down, up))  # (F, n_mels)
    return filters * (2.0 / (edges_hz[2:] - edges_hz[:-2]))[None, :]


_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = 15.0
_LOG_STEP = 27.0 / np.log(6.4)


def _hz_to_mel(hz):
    hz = np.asarray(hz, dtype=np.float64)
    mel = 3.0 * hz / 200.0
    log_part = _MIN_LOG_MEL + np.log(np.maximum(hz, _MIN_LOG_HZ) / _MIN_LOG_HZ) * _LOG_STEP
    return np.where(hz >= _MIN_LOG_HZ, log_part, mel)


def _mel_to_hz(mel):
    mel = np.asarray(mel, dtype=np.float64)
    hz = 200.0 * mel / 3.0
    log_part = _MIN_LOG_HZ * np.exp(_LOG_STEP ** -1 * (np.maximum(mel, _MIN_LOG_MEL) - _MIN_LOG_MEL))
    return np.where(mel >= _MIN_LOG_MEL, log_part, hz)
