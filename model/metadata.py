"""A checkpoint's metadata without torch: what ``emoface info`` shows and what a bake records.

A ``.safetensors`` file starts with an 8-byte little-endian header length and a JSON header;
the header's ``__metadata__`` holds string values, of which ``emoface`` is this project's
JSON object (see :mod:`model.checkpoint`). Reading it needs only ``json``.
"""
from __future__ import annotations

import json
import struct
from importlib import resources
from pathlib import Path
from typing import Any

from model.constants import EMOTIONS
from model.errors import CheckpointError
from model.files import file_sha256
from model.rig import rig

FORMAT_VERSION = 1
_MAX_HEADER_BYTES = 100 * 1024 * 1024  # safetensors' own limit


def default_checkpoint_path() -> Path:
    """The shipped default model (``model/weights/default.safetensors``)."""
    return Path(str(resources.files("model").joinpath("weights/default.safetensors")))


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The ``emoface`` metadata of a checkpoint, without loading its tensors."""
    try:
        with open(path, "rb") as fh:
            size_bytes = fh.read(8)
            size = struct.unpack("<Q", size_bytes)[0] if len(size_bytes) == 8 else -1
            if not 0 < size <= _MAX_HEADER_BYTES:
                raise ValueError("no safetensors header")
            header = json.loads(fh.read(size))
    except FileNotFoundError:
        raise CheckpointError(f"checkpoint not found: {path}") from None
    except IsADirectoryError:
        raise CheckpointError(f"{path} is not a safetensors checkpoint: it is a folder") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{path} is not a safetensors checkpoint: {exc}") from None
    raw = header.get("__metadata__", {}).get("emoface") if isinstance(header, dict) else None
    if raw is None:
        raise CheckpointError(f"{path} has no EmoFace metadata (convert foreign weights with `model.convert`)")
    return json.loads(raw)


def check_compatible(meta: dict[str, Any], path: Path) -> None:
    """CheckpointError unless the checkpoint was made for this format, rig and emotion list."""
    if meta.get("format") != FORMAT_VERSION:
        raise CheckpointError(f"{path}: checkpoint format {meta.get('format')} is not supported ({FORMAT_VERSION})")
    if meta.get("rig_fingerprint") != rig().fingerprint:
        raise CheckpointError(f"{path} was trained for a different control layout ({meta.get('rig_schema')})")
    if tuple(meta.get("emotions", ())) != EMOTIONS:
        raise CheckpointError(f"{path} uses different emotion names: {meta.get('emotions')}")


def model_id(meta: dict[str, Any], sha256: str) -> str:
    """``name@hash``: the id every output and the service report for a checkpoint."""
    return f"{meta.get('name') or meta['config'].get('name')}@{sha256[:12]}"


def checkpoint_id(path: str | Path | None = None) -> str:
    """The id a checkpoint's model will report (name@hash), without loading its weights."""
    p = Path(path) if path is not None else default_checkpoint_path()
    return model_id(read_metadata(p), file_sha256(p))


def provenance(meta: dict[str, Any], path: Path | None, sha256: str) -> dict[str, Any]:
    """What every animation records about the model that made it."""
    return {"model_id": model_id(meta, sha256), "checkpoint": str(path) if path else None,
            "sha256": sha256, "trained": bool(meta.get("trained", False)),
            **meta.get("provenance", {}), "licences": meta.get("licences", {})}
