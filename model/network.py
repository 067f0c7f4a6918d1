"""The EmoFace network.

Shapes (B batch, n samples at 16 kHz, T = frame_count(n) frames at 60 fps)::

    audio (B, n) --audio_encoder--> (B, T, audio_width)          content features
                 --in_fn--> (B, T, d_model) + sinusoidal PE[t]    content encoding
    weights (B, T, 7), intensity (B, T)
                 --embed (blend toward neutral by intensity)--> (B, T, 256)
                 --emotion MLP--> (B, T, d_model)                 added per frame
                 --encoder (batch-first, attention over time)--> (B, T, d_model)
                 --out_fn (zero-initialised)--> (B, T, 174)

Module names (``embed``, ``emotion.0``, ``emotion.2``, ``in_fn``, ``encoder.layers.N``,
``out_fn``) follow the public reference layout so its weights convert by name.
With ``reference_compat`` the reference code's behaviour is reproduced: every frame is
its own sequence (attention sees one frame) and every frame gets positional encoding 0.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from model.audio_encoders import build_audio_encoder
from model.config import EmoFaceConfig
from model.constants import NEUTRAL_INDEX


def sinusoidal_table(max_len: int, d_model: int) -> torch.Tensor:
    """``(max_len, d_model)`` sine/cosine positional encoding."""
    pos = torch.arange(max_len, dtype=torch.float32)[:, None]
    div = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(10000.0) / d_model))
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)
    return pe


class EncoderLayer(nn.TransformerEncoderLayer):
    """``nn.TransformerEncoderLayer`` (same parameters and names) that always takes the plain
    PyTorch path, so its Linear layers can be int8-quantised; post-norm as in the paper."""

    def forward(self, src: torch.Tensor, src_mask=None, src_key_padding_mask=None, is_causal: bool = False
                ) -> torch.Tensor:
        x = self.norm1(src + self._sa_block(src, src_mask, src_key_padding_mask, is_causal=is_causal))
        return self.norm2(x + self._ff_block(x))

    def forward_rows(self, src: torch.Tensor, rows: slice) -> torch.Tensor:
        """:meth:`forward` for the frames ``rows`` only, attending to every frame of ``src`` ``(B, T, D)``:
        the same values for those rows at a fraction of the cost when only they are wanted."""
        q = src[:, rows]  # (B, R, D)
        x = self.norm1(q + self.dropout1(self.self_attn(q, src, src, need_weights=False)[0]))
        return self.norm2(x + self._ff_block(x))


class EmoFace(nn.Module):
    """Audio + per-frame emotion -> 174 face-board controls per frame."""

    def __init__(self, config: EmoFaceConfig):
        super().__init__()
        self.config = config
        self.audio_encoder = build_audio_encoder(config)
        self.in_fn = nn.Linear(config.audio_width, config.d_model)
        self.register_buffer("pe", sinusoidal_table(config.max_frames, config.d_model), persistent=False)
        self.embed = nn.Embedding(config.num_emotions, config.emotion_embed_dim)
        self.emotion = nn.Sequential(
            nn.Linear(config.emotion_embed_dim, config.d_model), nn.LeakyReLU(0.2), nn.Linear(config.d_model, config.d_model)
        )
        layer = EncoderLayer(config.d_model, config.num_heads, config.ffn_dim, config.dropout, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, config.num_layers, enable_nested_tensor=False)
        self.out_fn = nn.Linear(config.d_model, config.num_controls)
        nn.init.zeros_(self.out_fn.weight)
        nn.init.zeros_(self.out_fn.bias)

    def encode_audio(self, audio: torch.Tensor) -> torch.Tensor:
        """``(B, n)`` 16 kHz audio -> content features ``(B, T, audio_width)`` at 60 fps."""
        return self.audio_encoder(audio)

    def emotion_code(self, weights: torch.Tensor, intensity: torch.Tensor) -> torch.Tensor:
        """``(B, T, 7)`` weights and ``(B, T)`` intensity -> ``(B, T, d_model)``; intensity 0 = neutral."""
        table = self.embed.weight  # (7, E)
        mixed = weights @ table  # (B, T, E)
        neutral = table[NEUTRAL_INDEX]
        code = intensity[..., None] * mixed + (1 - intensity[..., None]) * neutral  # (B, T, E)
        return self.emotion(code)

    def head(self, features: torch.Tensor, weights: torch.Tensor, intensity: torch.Tensor,
             frame_offset: int = 0, rows: slice | None = None) -> torch.Tensor:
        """Audio2Rig: ``(B, T, audio_width)`` features + emotion -> ``(B, T, 174)``.

        ``frame_offset`` is the index of the first frame in its positional table (0 for a clip).
        ``rows``: only these frames are wanted (``(B, R, 174)`` returned); every frame is still seen,
        but the last layer and the output run on these rows only (a stream step's new frames).
        """
        b, t, _ = features.shape
        x = self.in_fn(features)  # (B, T, D)
        if self.config.reference_compat:
            x = x + self.pe[0]
        else:
            x = x + self.pe[frame_offset : frame_offset + t]
        x = x + self.emotion_code(weights, intensity)
        if self.config.reference_compat:
            x = self.encoder(x.reshape(b * t, 1, -1)).reshape(b, t, -1)  # each frame alone, as the reference
            return self.out_fn(x if rows is None else x[:, rows])
        if rows is None:
            return self.out_fn(self.encoder(x))  # (B, T, D), attention over time
        *first, last = self.encoder.layers
        for layer in first:
            x = layer(x)
        return self.out_fn(last.forward_rows(x, rows))  # (B, R, 174)

    def forward(self, audio: torch.Tensor, weights: torch.Tensor, intensity: torch.Tensor) -> torch.Tensor:
        """``(B, n)`` audio, ``(B, T, 7)`` weights, ``(B, T)`` intensity -> ``(B, T, 174)``."""
        return self.head(self.encode_audio(audio), weights, intensity)

    def frozen_features(self, audio: torch.Tensor) -> torch.Tensor:
        """``(B, n)`` audio -> the output of the never-trained part of the speech encoder ``(B, T, C)``
        (the whole encoder when frozen, wav2vec2's CNN in the paper's setting): what training caches."""
        return self.audio_encoder.frozen_features(audio)

    def forward_from_frozen(self, frozen: torch.Tensor, weights: torch.Tensor, intensity: torch.Tensor
                            ) -> torch.Tensor:
        """The trainable rest: ``frozen_features`` output + emotion -> ``(B, T, 174)``."""
        return self.head(self.audio_encoder.from_frozen(frozen), weights, intensity)

    def trainable_parameters(self) -> list[nn.Parameter]:
        return [p for p in self.parameters() if p.requires_grad]
