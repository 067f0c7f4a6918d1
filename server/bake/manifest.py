"""Bake manifests: CSV with a header row, or JSON Lines.

Fields per line: ``id`` (unique, safe as a file name), ``audio`` (path relative to the
manifest), ``emotion`` (``label``, ``label:intensity`` or an emotion-track ``.json`` file
relative to the manifest; default neutral), optional ``seed`` and ``options`` (a JSON
object of request options, see ``RequestOptions.from_dict``). Every problem in the file is
reported at once, with line numbers.
"""
from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.emotion import EmotionTrack
from model.errors import InputError
from server.runtime.options import RequestOptions

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
FIELDS = ("id", "audio", "emotion", "seed", "options")


class ManifestError(InputError):
    """A manifest that cannot be baked as written; lists every bad line."""


@dataclass(frozen=True)
class BakeLine:
    """One dialogue line to bake. ``track`` and ``options`` are resolved (seed included)."""

    line_id: str
    audio: Path
    emotion_spec: str
    track: EmotionTrack = field(compare=False)
    options: RequestOptions = field(compare=False)


def default_seed(line_id: str) -> int:
    """Seed derived from the line id: reruns and any worker count give the same frames."""
    return int.from_bytes(hashlib.sha256(line_id.encode()).digest()[:4], "big")


def read_manifest(path: str | Path, require_audio: bool = False) -> list[BakeLine]:
    """Parse and validate a manifest; raise :class:`ManifestError` listing every problem.

    require_audio: a line whose audio file does not exist is a problem too (a bake needs it).
    """
    p = Path(path)
    if not p.is_file():
        raise ManifestError(f"manifest not found: {p}")
    rows = _rows(p)
    lines, problems, seen = [], [], set()
    for number, row in rows:
        try:
            line = _line(row, p.parent)
            if line.line_id in seen:
                raise InputError(f"duplicate id {line.line_id!r}")
            seen.add(line.line_id)
            if require_audio and not line.audio.is_file():
                raise InputError(f"audio file not found: {line.audio}")
            lines.append(line)
        except InputError as exc:
            problems.append(f"line {number}: {exc}")
    if problems:
        shown = "; ".join(problems[:10]) + (f"; ... {len(problems) - 10} more" if len(problems) > 10 else "")
        raise ManifestError(f"{p}: {len(problems)} bad line(s): {shown}")
    if not lines:
        raise ManifestError(f"{p} has no lines to bake")
    return lines


def _rows(p: Path) -> list[tuple[int, dict[str, Any]]]:
    text = p.read_text(encoding="utf-8-sig")
    if p.suffix.lower() in (".jsonl", ".ndjson"):
        rows = []
        for number, raw in enumerate(text.splitlines(), 1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ManifestError(f"{p} line {number}: not valid JSON ({exc.msg})") from None
            if not isinstance(obj, dict):
                raise ManifestError(f"{p} line {number}: each line must be a JSON object")
            rows.append((number, obj))
        return rows
    if p.suffix.lower() != ".csv":
        raise ManifestError(f"manifest {p.name}: use .csv (with a header row) or .jsonl")
    reader = csv.DictReader(text.splitlines())
    missing = {"id", "audio"} - set(reader.fieldnames or ())
    if missing:
        raise ManifestError(f"{p}: the header row must name the columns id, audio[, emotion, seed, options]; "
                            f"missing: {', '.join(sorted(missing))}")
    return [(n + 2, {k: v for k, v in row.items() if v not in (None, "")}) for n, row in enumerate(reader)]


def _line(row: dict[str, Any], base: Path) -> BakeLine:
    unknown = set(row) - set(FIELDS)
    if unknown:
        raise InputError(f"unknown field(s) {', '.join(sorted(unknown))}")
    line_id = str(row.get("id", "")).strip()
    if not ID_PATTERN.match(line_id):
        raise InputError(f"id {line_id!r} must be 1-128 letters, digits, '.', '_' or '-', starting with a "
                         "letter or digit (it names the output files)")
    if not str(row.get("audio", "")).strip():
        raise InputError("audio path is empty")
    spec = str(row.get("emotion") or "neutral").strip()
    track = EmotionTrack.load(base / spec) if spec.lower().endswith(".json") else EmotionTrack.parse(spec)
    options = row.get("options") or {}
    if isinstance(options, str):
        try:
            options = json.loads(options)
        except json.JSONDecodeError:
            raise InputError("options must be a JSON object") from None
    if not isinstance(options, dict):
        raise InputError("options must be a JSON object")
    seed = row.get("seed", options.get("seed"))
    try:
        seed = default_seed(line_id) if seed is None else int(seed)
    except (TypeError, ValueError):
        raise InputError(f"seed must be an integer, got {seed!r}") from None
    opts = RequestOptions.from_dict({**options, "seed": seed})
    return BakeLine(line_id, base / str(row["audio"]).strip(), spec, track, opts)
