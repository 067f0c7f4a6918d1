"""The network's configuration: a frozen dataclass saved inside every checkpoint.

Two presets:
- ``paper``: the EmoFace paper's network (wav2vec2-base shape, 768 hidden, 12 layers;
  Linear 768->512; 10 encoder layers, d_model 512, 8 heads, FFN 2048).
- ``small``: the fast CPU default: the pretrained Whisper tiny.en encoder (384 wide,
  4 layers, 50 Hz), frozen, under a smaller Audio2Rig transformer.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from model.errors import CheckpointError
from model.rig import NUM_CONTROLS


@dataclass(frozen=True)
class EmoFaceConfig:
    """Every shape and switch of the network. Saved as JSON in each checkpoint.

    name: preset name (informational).
    audio_encoder: "wav2vec2" (the paper's) or "whisper" (Whisper's encoder on log-mel input).
    audio_width, audio_layers, audio_heads, audio_ffn: the speech encoder's transformer shape.
    n_mels: log-mel bins (Whisper only).
    audio_max_positions: Whisper's positional table length in 50 Hz frames (1500 = 30 s).
    freeze_feature_extractor: freeze wav2vec2's CNN (the paper) / Whisper's convolutions.
    freeze_audio_encoder: freeze the whole speech encoder (the `small` default: features can be cached).
    d_model, num_layers, num_heads, ffn_dim, dropout: the Audio2Rig transformer encoder.
    emotion_embed_dim: width of the emotion embedding table (paper: 256).
    num_emotions, num_controls: 7 and 174.
    max_frames: length of the sinusoidal positional table (frames at 60 fps).
    window_s, overlap_s: long audio is processed in windows of this length that overlap and are cross-faded.
    reference_compat: reproduce the public reference code's per-frame attention (for converted weights only).
    """

    name: str = "small"
    audio_encoder: str = "whisper"
    audio_width: int = 384
    audio_layers: int = 4
    audio_heads: int = 6
    audio_ffn: int = 1536
    n_mels: int = 80
    audio_max_positions: int = 1500
    freeze_feature_extractor: bool = True
    freeze_audio_encoder: bool = True
    d_model: int = 256
    num_layers: int = 2
    num_heads: int = 4
    ffn_dim: int = 1024
    dropout: float = 0.1
    emotion_embed_dim: int = 256
    num_emotions: int = 7
    num_controls: int = NUM_CONTROLS
    max_frames: int = 3600
    window_s: float = 20.0
    overlap_s: float = 2.0
    reference_compat: bool = False

    def __post_init__(self) -> None:
        if self.audio_encoder not in ("wav2vec2", "whisper"):
            raise CheckpointError(f"audio_encoder must be 'wav2vec2' or 'whisper', got {self.audio_encoder!r}")
        if self.d_model % self.num_heads or self.audio_width % self.audio_heads:
            raise CheckpointError("model widths must be divisible by their head counts")
        if not 0 < self.overlap_s < self.window_s / 2:
            raise CheckpointError("overlap_s must be positive and below half of window_s")
        if self.audio_encoder == "whisper" and self.window_s + 0.1 > self.audio_max_positions / 50:
            raise CheckpointError("window_s exceeds the Whisper positional table")
        if self.window_s * 60 > self.max_frames:
            raise CheckpointError("window_s exceeds the positional table (max_frames)")

    @classmethod
    def paper(cls) -> EmoFaceConfig:
        return cls(name="paper", audio_encoder="wav2vec2", audio_width=768, audio_layers=12, audio_heads=12,
                   audio_ffn=3072, freeze_audio_encoder=False, d_model=512, num_layers=10, num_heads=8,
                   ffn_dim=2048, window_s=30.0, overlap_s=2.0)

    @classmethod
    def small(cls) -> EmoFaceConfig:
        return cls()

    @classmethod
    def preset(cls, name: str) -> EmoFaceConfig:
        presets = {"paper": cls.paper, "small": cls.small}
        if name not in presets:
            raise CheckpointError(f"unknown model preset {name!r}; expected one of: {', '.join(presets)}")
        return presets[name]()

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EmoFaceConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise CheckpointError(f"checkpoint config has unknown fields: {', '.join(sorted(unknown))}")
        return cls(**d)

    def replace(self, **changes: Any) -> EmoFaceConfig:
        return dataclasses.replace(self, **changes)
