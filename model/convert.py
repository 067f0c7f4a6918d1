"""Bring foreign weights in: local Hugging Face speech encoders and the public EmoFace
reference checkpoint layout.

- :func:`load_hf_audio_encoder`: a local ``save_pretrained`` directory of a wav2vec2 or
  Whisper model (no hub access: ``local_files_only``) into a network's audio encoder.
- :func:`convert_reference_state`: a state dict in the reference code's layout
  (``embed``, ``emotion.0``, ``emotion.2``, ``audio_encoder.*``, ``in_fn``,
  ``encoder.layers.N.*``, ``out_fn``) -> an :class:`EmoFace` with ``reference_compat``
  on, which reproduces that code's per-frame attention.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import torch

from model.config import EmoFaceConfig
from model.errors import CheckpointError
from model.network import EmoFace

_IGNORED_REFERENCE_KEYS = re.compile(r"(^|\.)pe$|masked_spec_embed$|pos_enc")


def hf_encoder_config(directory: str | Path, base: EmoFaceConfig) -> EmoFaceConfig:
    """``base`` with its audio-encoder shape taken from a local HF model directory."""
    cfg_path = Path(directory) / "config.json"
    if not cfg_path.is_file():
        raise CheckpointError(f"{directory} is not a Hugging Face model directory (no config.json)")
    hf = json.loads(cfg_path.read_text())
    kind = hf.get("model_type")
    if kind == "wav2vec2":
        return base.replace(audio_encoder="wav2vec2", audio_width=hf["hidden_size"], audio_layers=hf["num_hidden_layers"],
                            audio_heads=hf["num_attention_heads"], audio_ffn=hf["intermediate_size"])
    if kind == "whisper":
        return base.replace(audio_encoder="whisper", audio_width=hf["d_model"], audio_layers=hf["encoder_layers"],
                            audio_heads=hf["encoder_attention_heads"], audio_ffn=hf["encoder_ffn_dim"],
                            n_mels=hf["num_mel_bins"], audio_max_positions=hf["max_source_positions"])
    raise CheckpointError(f"{directory}: model_type {kind!r} is not a supported speech encoder (wav2vec2, whisper)")


def load_hf_audio_encoder(model: EmoFace, directory: str | Path) -> None:
    """Copy a local HF wav2vec2/Whisper directory's encoder weights into ``model.audio_encoder``."""
    from transformers import Wav2Vec2Model, WhisperModel

    kind = model.config.audio_encoder
    try:
        if kind == "wav2vec2":
            state = Wav2Vec2Model.from_pretrained(str(directory), local_files_only=True).state_dict()
        else:
            state = WhisperModel.from_pretrained(str(directory), local_files_only=True).encoder.state_dict()
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"cannot load a {kind} model from {directory}: {exc}") from None
    state = {k: v for k, v in state.items() if "masked_spec_embed" not in k}
    try:
        missing, unexpected = model.audio_encoder.model.load_state_dict(state, strict=False)
    except RuntimeError as exc:  # shape mismatches
        raise CheckpointError(f"{directory} does not fit the {kind} encoder: {str(exc).splitlines()[1:2]}") from None
    missing = [k for k in missing if "masked_spec_embed" not in k]
    if missing or unexpected:
        raise CheckpointError(f"{directory} does not fit the {kind} encoder: missing {missing[:3]}, "
                              f"unexpected {unexpected[:3]}")


def reference_config(state: dict[str, torch.Tensor]) -> EmoFaceConfig:
    """Infer the network shape from a reference-layout state dict."""
    try:
        d_model, audio_width = state["in_fn.weight"].shape
        embed_dim = state["embed.weight"].shape[1]
        ffn = state["encoder.layers.0.linear1.weight"].shape[0]
    except KeyError as exc:
        raise CheckpointError(f"not an EmoFace reference state dict: missing {exc}") from None
    layers = 1 + max(int(m.group(1)) for k in state if (m := re.match(r"encoder\.layers\.(\d+)\.", k)))
    audio_layers = 1 + max(int(m.group(1)) for k in state
                           if (m := re.match(r"audio_encoder\.encoder\.layers\.(\d+)\.", k)))
    audio_ffn = state["audio_encoder.encoder.layers.0.feed_forward.intermediate_dense.weight"].shape[0]
    paper = EmoFaceConfig.paper()
    heads = paper.num_heads if d_model % paper.num_heads == 0 else 1
    return paper.replace(name="reference-converted", audio_width=audio_width, audio_layers=audio_layers,
                         audio_heads=max(1, audio_width // 64), audio_ffn=audio_ffn, d_model=d_model,
                         num_layers=layers, num_heads=heads, ffn_dim=ffn, emotion_embed_dim=embed_dim,
                         reference_compat=True)


def convert_reference_state(state: dict[str, torch.Tensor], num_heads: int | None = None) -> EmoFace:
    """Build an :class:`EmoFace` (reference_compat on) from a reference-layout state dict."""
    cfg = reference_config(state)
    if num_heads is not None:
        cfg = cfg.replace(num_heads=num_heads)
    model = EmoFace(cfg)
    mapped = {}
    for key, value in state.items():
        if _IGNORED_REFERENCE_KEYS.search(key):
            continue
        if key.startswith("audio_encoder."):
            key = "audio_encoder.model." + key.removeprefix("audio_encoder.")
        mapped[key] = value
    missing, unexpected = model.load_state_dict(mapped, strict=False)
    if missing or unexpected:
        raise CheckpointError(f"reference weights do not fit: missing {missing[:3]}, unexpected {unexpected[:3]}")
    return model.eval()


def load_reference_checkpoint(path: str | Path, num_heads: int | None = None) -> EmoFace:
    """Read a reference ``.pth`` state dict (weights only, never arbitrary pickles) and convert it."""
    try:
        state = torch.load(str(path), map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"reference checkpoint not found: {path}") from None
    except Exception as exc:  # torch raises UnpicklingError/RuntimeError variants
        raise CheckpointError(f"{path} is not a loadable state dict: {exc}") from None
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    return convert_reference_state(state, num_heads)
