"""What ``emoface info`` and gRPC GetInfo report about a model, read without torch.

``checkpoint_info(path)`` reads only the checkpoint's metadata (``emoface info`` starts in a
fraction of a second); :meth:`server.runtime.pipeline.Pipeline.info` reports the same for a
loaded model.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from model.config import EmoFaceConfig
from model.constants import EMOTIONS, FPS, SAMPLE_RATE_HZ
from model.files import file_sha256
from model.metadata import check_compatible, default_checkpoint_path, model_id, provenance, read_metadata
from model.rig import rig
from server.runtime.options import RequestOptions


def model_info(metadata: dict[str, Any], path: Path | None, sha256: str) -> dict[str, Any]:
    """The model, its provenance, the output layout and the default options."""
    return {
        "model_id": model_id(metadata, sha256),
        "trained": bool(metadata.get("trained", False)),
        "config": EmoFaceConfig.from_dict(metadata["config"]).to_dict(),
        "provenance": provenance(metadata, path, sha256),
        "fps": FPS,
        "sample_rate_hz": SAMPLE_RATE_HZ,
        "controls": list(rig().names),
        "emotions": list(EMOTIONS),
        "default_options": RequestOptions().to_dict(),
    }


def checkpoint_info(path: str | Path | None = None) -> dict[str, Any]:
    """:func:`model_info` of a checkpoint file (None = the shipped model), without loading its weights."""
    p = Path(path) if path is not None else default_checkpoint_path()
    metadata = read_metadata(p)
    check_compatible(metadata, p)
    return model_info(metadata, p, file_sha256(p))
