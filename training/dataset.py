"""Training data on disk.

Two layouts are read:
- the corpus factory's (``manifest.jsonl`` + ``<id>.wav`` + ``<id>.phones.json`` + ``<id>.json``):
  targets come from the phonetic teacher, so any utterance can be paired with any emotion;
- the EmoFace dataset layout (``WAV/<name>.wav`` + per-frame CSV ``<name>.txt`` with 174 values,
  emotion from the file-name prefix ``ang/dis/fea/hap/neu/sad/sur``): fixed targets.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.constants import EMOTION_PREFIXES, SAMPLE_RATE_HZ, frame_count
from model.emotion import EmotionTrack
from model.errors import InputError
from server.runtime.audio_io import decode_file
from training.phones import PhoneSpan, load_alignment


@dataclass
class Utterance:
    """One clip: 16 kHz audio and either phone spans (teacher targets) or fixed targets."""

    utt_id: str
    split: str
    audio_path: Path
    num_frames: int
    phones: list[PhoneSpan] | None = None
    targets: np.ndarray | None = None  # (T, 174) for recorded takes
    emotion: EmotionTrack | None = None
    voice: str = "recording"  # e.g. "piper:en_US-joe-medium", "espeak:en-us+m3"

    def audio(self) -> np.ndarray:
        return decode_file(self.audio_path)


def read_corpus(folder: str | Path, split: str | None = None) -> list[Utterance]:
    """Utterances of a corpus-factory folder (optionally one split)."""
    root = Path(folder)
    manifest = root / "manifest.jsonl"
    if not manifest.is_file():
        raise InputError(f"{root} has no manifest.jsonl (build one with `emoface corpus build`)")
    out = []
    for line in manifest.read_text().splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        if split and rec["split"] != split:
            continue
        meta = json.loads((root / f"{rec['id']}.json").read_text())
        n = frame_count(int(round(meta["duration_s"] * SAMPLE_RATE_HZ)))
        out.append(Utterance(rec["id"], rec["split"], root / f"{rec['id']}.wav", n,
                             phones=load_alignment(root / f"{rec['id']}.phones.json"),
                             emotion=EmotionTrack.from_obj(meta["emotion"]), voice=meta.get("voice", "recording")))
    return out


def load_split(folder: str | Path, split: str | None = None) -> list[Utterance]:
    """Utterances of either layout: a corpus-factory folder (``manifest.jsonl``) or EmoFace-format
    takes (``WAV/``), whose validation takes are :func:`emoface_val_names`."""
    root = Path(folder)
    if (root / "manifest.jsonl").is_file() or not (root / "WAV").is_dir():
        return read_corpus(root, split)
    utts = read_emoface_layout(root, emoface_val_names(root))
    return [u for u in utts if split is None or u.split == split]


def emoface_val_names(root: Path) -> set[str]:
    """Held-out takes of an EmoFace-layout folder: the names listed in ``val.txt`` (one per line) if it
    exists, else a fixed tenth chosen by a hash of the name (at least one take)."""
    listed = root / "val.txt"
    if listed.is_file():
        return {line.strip() for line in listed.read_text().splitlines() if line.strip()}
    names = sorted(p.stem for p in (root / "WAV").glob("*.wav"))
    ranked = sorted(names, key=lambda n: hashlib.sha1(n.encode()).hexdigest())
    return set(ranked[: max(1, len(names) // 10)]) if len(names) > 1 else set()


def read_emoface_layout(folder: str | Path, val_names: set[str] = frozenset()) -> list[Utterance]:
    """EmoFace-format takes: ``WAV/*.wav`` with ``<name>.txt`` targets beside ``WAV`` (or in it)."""
    root = Path(folder)
    wavs = sorted((root / "WAV").glob("*.wav"))
    if not wavs:
        raise InputError(f"{root}/WAV has no .wav files")
    out = []
    for wav in wavs:
        txt = next((p for p in (root / f"{wav.stem}.txt", wav.with_suffix(".txt")) if p.is_file()), None)
        if txt is None:
            raise InputError(f"no targets {wav.stem}.txt for {wav}")
        targets = np.loadtxt(txt, delimiter=",", dtype=np.float32, ndmin=2)
        if targets.shape[1] != 174:
            raise InputError(f"{txt}: expected 174 values per line, got {targets.shape[1]}")
        label = EMOTION_PREFIXES.get(wav.stem[:3].lower())
        if label is None:
            raise InputError(f"{wav.name}: the name must start with one of {', '.join(EMOTION_PREFIXES)}")
        split = "val" if wav.stem in val_names else "train"
        out.append(Utterance(wav.stem, split, wav, len(targets), targets=targets,
                             emotion=EmotionTrack.parse(label)))
    return out
