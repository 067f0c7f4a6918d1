"""Animation file formats, one module for all of them; every write is atomic.

- ``.csv``: header row of control names, one row per frame.
- ``.json``: ``{"controls", "fps", "frames", "options", "provenance", "emotion"}``.
- ``.npz``: arrays ``frames`` and ``controls``, scalar ``fps``, JSON string ``meta``.
- ``.txt``: the EmoFace dataset format read by the public Maya tooling: no header,
  comma-separated, 6 decimals, one line per frame, all 174 controls in rig order.
"""
from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import numpy as np

from model.constants import FPS
from model.errors import InputError
from model.files import atomic_path
from model.rig import rig
from server.runtime.animation import Animation

FORMATS = ("csv", "json", "npz", "txt")


class FormatError(InputError):
    """An output path with an unknown extension, or an unreadable animation file."""


def format_of(path: str | Path) -> str:
    """The animation format an output or input path names by its extension."""
    text, ext = str(path), Path(path).suffix.lower().lstrip(".")
    choices = ", ".join("." + f for f in FORMATS)
    if text.endswith(("/", os.sep)) or Path(path).is_dir():
        example = Path(text) / "line.json"
        raise FormatError(f"{text} is a folder; give a file name ending in one of: {choices} (e.g. {example})")
    if ext not in FORMATS:
        found = f"unknown animation format {Path(path).suffix!r}" if Path(path).suffix else f"{text} has no extension"
        raise FormatError(f"{found}; use one of: {choices}")
    return ext


def encode(anim: Animation, fmt: str) -> bytes:
    """Serialise ``anim`` in one of :data:`FORMATS`."""
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(anim.controls)
        writer.writerows([[f"{v:.6f}" for v in row] for row in anim.frames])
        return buf.getvalue().encode()
    if fmt == "txt":
        lines = (",".join(f"{v:.6f}" for v in row) for row in anim.full())
        return ("\n".join(lines) + ("\n" if anim.num_frames else "")).encode()
    if fmt == "json":
        obj = {"controls": list(anim.controls), "fps": anim.fps, "num_frames": anim.num_frames,
               **_meta(anim), "frames": np.round(anim.frames.astype(np.float64), 6).tolist()}
        return json.dumps(obj, separators=(",", ":")).encode()
    if fmt == "npz":
        buf = io.BytesIO()
        np.savez_compressed(buf, frames=anim.frames, controls=np.array(anim.controls),
                            fps=np.float64(anim.fps), meta=np.array(json.dumps(_meta(anim))))
        return buf.getvalue()
    raise FormatError(f"unknown animation format {fmt!r}")


def write(anim: Animation, path: str | Path) -> Path:
    """Write ``anim`` to ``path`` atomically, the format chosen by the extension."""
    data = encode(anim, format_of(path))
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def read(path: str | Path) -> Animation:
    """Read an animation written by :func:`write` (or an EmoFace ``.txt`` take)."""
    fmt = format_of(path)
    p = Path(path)
    if not p.is_file():
        raise FormatError(f"animation file not found: {p}")
    try:
        return _READERS[fmt](p)
    except FormatError:
        raise
    except (ValueError, KeyError, TypeError, OSError, json.JSONDecodeError) as exc:
        raise FormatError(f"cannot read {p} as .{fmt} animation: {exc}") from None


def _meta(anim: Animation) -> dict:
    return {"options": anim.options, "provenance": anim.provenance, "emotion": anim.emotion,
            "blinks": list(anim.blinks)}


def _read_csv(p: Path) -> Animation:
    rows = list(csv.reader(p.read_text(encoding="utf-8").splitlines()))
    if not rows:
        raise FormatError(f"{p} is empty")
    names = tuple(rows[0])
    rig().indices(names)
    frames = np.array([[float(v) for v in r] for r in rows[1:]], dtype=np.float32).reshape(-1, len(names))
    return Animation(frames, names, FPS)


def _read_txt(p: Path) -> Animation:
    lines = [ln for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip()]
    frames = np.array([[float(v) for v in ln.split(",")] for ln in lines], dtype=np.float32)
    frames = frames.reshape(-1, len(rig()))
    return Animation(frames, rig().names, FPS)


def _read_json(p: Path) -> Animation:
    obj = json.loads(p.read_text(encoding="utf-8"))
    names = tuple(obj["controls"])
    rig().indices(names)
    frames = np.array(obj["frames"], dtype=np.float32).reshape(-1, len(names))
    return Animation(frames, names, float(obj["fps"]), obj.get("options") or {}, obj.get("provenance") or {},
                     obj.get("emotion"), tuple(obj.get("blinks") or ()))


def _read_npz(p: Path) -> Animation:
    with np.load(p, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        names = tuple(str(n) for n in z["controls"])
        rig().indices(names)
        return Animation(z["frames"], names, float(z["fps"]), meta.get("options") or {},
                         meta.get("provenance") or {}, meta.get("emotion"), tuple(meta.get("blinks") or ()))


_READERS = {"csv": _read_csv, "txt": _read_txt, "json": _read_json, "npz": _read_npz}
