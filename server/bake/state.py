"""What has been baked: per-line content hashes, completion markers and the report.

A line is skipped when its marker (``OUTDIR/.bake/<id>.json``) holds the same content hash
and every output file still has the sha256 the marker recorded when it was written (a
missing, truncated, edited or foreign output is baked again; so is a line whose marker
predates the recorded digests). Outputs are written atomically first and the marker last,
so a bake killed at any point leaves either a finished line or one that is baked again.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from model.emotion import EmotionTrack
from model.files import atomic_path

STATE_DIR = ".bake"
REPORT = "bake_report.json"
HASH_VERSION = "1"


def line_hash(audio_bytes: bytes, track: EmotionTrack, options: dict[str, Any], model_id: str,
              formats: tuple[str, ...]) -> str:
    """Content hash of everything that decides a line's output."""
    h = hashlib.sha256()
    h.update(HASH_VERSION.encode())
    h.update(hashlib.sha256(audio_bytes).digest())
    h.update(json.dumps({"emotion": track.to_obj(), "options": options, "model": model_id,
                         "formats": sorted(formats)}, sort_keys=True).encode())
    return h.hexdigest()


def output_paths(outdir: Path, line_id: str, formats: tuple[str, ...]) -> dict[str, Path]:
    return {fmt: outdir / f"{line_id}.{fmt}" for fmt in formats}


def marker_path(outdir: Path, line_id: str) -> Path:
    return outdir / STATE_DIR / f"{line_id}.json"


def is_current(outdir: Path, line_id: str, content_hash: str, formats: tuple[str, ...]) -> dict[str, Any] | None:
    """The marker of a finished, unchanged line (None if it must be baked)."""
    try:
        marker = json.loads(marker_path(outdir, line_id).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    if not isinstance(marker, dict) or marker.get("hash") != content_hash:
        return None
    digests = marker.get("outputs")
    if not isinstance(digests, dict) or set(digests) != set(formats):
        return None
    if any(file_sha256(p) != digests[fmt] for fmt, p in output_paths(outdir, line_id, formats).items()):
        return None
    return marker


def output_digests(outputs: dict[str, bytes]) -> dict[str, str]:
    """sha256 hex of each format's bytes, as recorded in the marker."""
    return {fmt: hashlib.sha256(data).hexdigest() for fmt, data in outputs.items()}


def file_sha256(path: Path) -> str | None:
    """sha256 hex of a file's bytes (None if it is missing or not a regular file)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def write_atomic(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_marker(outdir: Path, line_id: str, record: dict[str, Any]) -> None:
    write_atomic(marker_path(outdir, line_id), json.dumps(record).encode())


def remove_stale_temp_files(outdir: Path) -> int:
    """Delete temporary files a killed bake left behind (``.<name>.<random>.tmp``)."""
    count = 0
    for folder in (outdir, outdir / STATE_DIR):
        for p in folder.glob(".*.tmp") if folder.is_dir() else ():
            p.unlink(missing_ok=True)
            count += 1
    return count
