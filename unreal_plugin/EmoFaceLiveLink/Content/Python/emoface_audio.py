"""Find the audio that belongs with a baked animation, and check that it fits (standard library only).

Where the audio comes from, first match wins (:func:`find_audio`):

1. the ``audio`` argument: a file path (``C:/VO/line_042.wav``) or an Unreal asset path of an
   imported SoundWave (``/Game/Audio/VO/Line_042``);
2. the JSON bake's own record: a top-level, ``provenance`` or ``options`` field named one of
   :data:`METADATA_KEYS` (a path relative to the bake file, or absolute);
3. an ``emoface bake`` directory: its ``bake_report.json`` names the manifest, whose row with this
   line's ``id`` gives the ``audio`` path (relative to the manifest, as ``emoface bake`` reads it);
4. a file beside the bake with the same name and an audio extension (``line.json`` + ``line.wav``,
   the layout of ``emoface animate line.wav -o line.json``).
"""
from __future__ import annotations

import csv
import json
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emoface_bake_io import Bake

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg")
METADATA_KEYS = ("audio_path", "audio", "source_audio", "audio_file")
REPORT_NAME = "bake_report.json"
MAX_MISMATCH_S = 0.1
"""Largest accepted difference between the audio's and the animation's length (EmoFace makes
``floor(duration * fps)`` frames, so a matching pair differs by less than one frame)."""


class AudioError(ValueError):
    """No audio for a bake, an audio path that does not exist, or audio that does not fit the bake."""


@dataclass(frozen=True)
class AudioSource:
    """The audio to play with a bake.

    path: a file path, or an Unreal asset path when ``is_asset``; found_by: how it was found (for
    the import report); duration_s: its length when known here (WAV files), else None.
    """

    path: str
    is_asset: bool
    found_by: str
    duration_s: float | None = None

    @property
    def name(self) -> str:
        """A name for the imported asset: the file or asset name without extension."""
        return Path(self.path).stem if not self.is_asset else self.path.rstrip("/").rsplit("/", 1)[-1].split(".")[0]


def is_asset_path(text: str) -> bool:
    """True for an Unreal content path (``/Game/...``, ``/MyPlugin/...``) rather than a file path."""
    return (text.startswith("/") and not Path(text).exists() and Path(text).suffix.lower() not in AUDIO_EXTENSIONS
            and "\\" not in text)


def find_audio(bake: Bake, audio: str | Path | None = None) -> AudioSource:
    """The audio of ``bake`` (see the module docstring for the search order); raises :class:`AudioError`."""
    if audio is not None and str(audio).strip():
        return _explicit(str(audio).strip())
    searched = []
    for found_by, candidate in _candidates(bake, searched):
        if candidate.is_file():
            return AudioSource(str(candidate.resolve()), False, found_by, wav_duration_s(candidate))
        searched.append(f"{found_by}: {candidate} (missing)")
    raise AudioError(f"{bake.path}: no audio found for line {bake.line_id!r}; searched: " + "; ".join(searched)
                     + ". Pass audio='path/to/line.wav' (or an imported SoundWave's /Game/... path), "
                     "or audio=False to import without audio")


def _explicit(text: str) -> AudioSource:
    if is_asset_path(text):
        return AudioSource(text, True, "argument")
    p = Path(text).expanduser()
    if not p.is_file():
        raise AudioError(f"audio file not found: {p}")
    if p.suffix.lower() not in AUDIO_EXTENSIONS:
        raise AudioError(f"{p}: unsupported audio format {p.suffix!r}; use one of {', '.join(AUDIO_EXTENSIONS)}")
    return AudioSource(str(p.resolve()), False, "argument", wav_duration_s(p))


def _candidates(bake: Bake, searched: list[str]):
    """Yield ``(found_by, path)`` in search order; notes dead ends in ``searched``."""
    base = bake.path.parent
    for where, record in (("bake", bake.metadata), ("provenance", bake.provenance), ("options", bake.options)):
        for key in METADATA_KEYS:
            value = record.get(key)
            if isinstance(value, str) and value.strip():
                p = Path(value.strip()).expanduser()
                yield f"{where}.{key}", p if p.is_absolute() else base / p
    manifest = _manifest_of(base, searched)
    if manifest is not None:
        audio = _manifest_audio(manifest, bake.line_id)
        if audio is None:
            searched.append(f"manifest {manifest}: no row with id {bake.line_id!r}")
        else:
            yield f"bake manifest {manifest.name}", audio
    else:
        searched.append(f"no {REPORT_NAME} with a readable manifest in {base}")
    for ext in AUDIO_EXTENSIONS:
        yield "beside the bake", bake.path.with_suffix(ext)


def _manifest_of(bake_dir: Path, searched: list[str]) -> Path | None:
    """The manifest named by ``bake_report.json`` (tried as given, then relative to the bake directory
    and its parent, since ``emoface bake`` records the path as typed)."""
    report = bake_dir / REPORT_NAME
    if not report.is_file():
        return None
    try:
        named = json.loads(report.read_text(encoding="utf-8")).get("manifest")
    except (OSError, ValueError, AttributeError):
        searched.append(f"{report}: unreadable")
        return None
    if not isinstance(named, str) or not named:
        return None
    m = Path(named)
    for candidate in ([m] if m.is_absolute() else [m, bake_dir / m, bake_dir.parent / m]) + [bake_dir.parent / m.name]:
        if candidate.is_file():
            return candidate.resolve()
    searched.append(f"manifest {named} named by {report} (not found)")
    return None


def _manifest_audio(manifest: Path, line_id: str) -> Path | None:
    """The ``audio`` of the manifest row whose ``id`` is ``line_id`` (CSV with header, or JSON Lines)."""
    text = manifest.read_text(encoding="utf-8-sig")
    rows: list[dict[str, Any]]
    if manifest.suffix.lower() == ".jsonl":
        rows = []
        for line in text.splitlines():
            try:
                row = json.loads(line) if line.strip() else None
            except ValueError:
                continue  # `emoface bake` refused such a manifest; nothing of it was baked
            if isinstance(row, dict):
                rows.append(row)
    else:
        rows = list(csv.DictReader(text.splitlines()))
    for row in rows:
        if str(row.get("id", "")).strip() == line_id and str(row.get("audio", "")).strip():
            return manifest.parent / str(row["audio"]).strip()
    return None


def wav_duration_s(path: str | Path) -> float | None:
    """Length of a WAV file in seconds (None for other formats or WAV encodings ``wave`` cannot read)."""
    p = Path(path)
    if p.suffix.lower() != ".wav":
        return None
    try:
        with wave.open(str(p), "rb") as w:
            rate = w.getframerate()
            return w.getnframes() / rate if rate > 0 else None
    except (wave.Error, EOFError, OSError):
        return None


def check_duration(bake: Bake, audio_duration_s: float | None, audio_name: str,
                   max_mismatch_s: float | None = MAX_MISMATCH_S) -> None:
    """Refuse audio whose length differs from the animation's by more than ``max_mismatch_s``
    (a sign of the wrong file); ``None`` for either value skips the check."""
    if audio_duration_s is None or max_mismatch_s is None:
        return
    if abs(audio_duration_s - bake.duration_s) > max_mismatch_s:
        raise AudioError(f"{bake.path}: audio {audio_name} is {audio_duration_s:.3f} s but the animation is "
                         f"{bake.duration_s:.3f} s ({bake.num_frames} frames at {bake.fps:g} fps); is it the right "
                         "file? Pass the line's audio explicitly, or max_audio_mismatch_s=None to skip this check")
