"""Phoneme timings: the interface between aligners (TTS, forced alignment) and the teacher.

Phones are CMU/ARPAbet symbols without stress digits (``AA``, ``B``, ...), plus ``SIL``
for silence and pauses.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from model.errors import InputError

VOWELS = ("AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW")
CONSONANTS = ("B", "CH", "D", "DH", "F", "G", "HH", "JH", "K", "L", "M", "N", "NG", "P", "R", "S", "SH",
              "T", "TH", "V", "W", "Y", "Z", "ZH")
SILENCE = "SIL"
PHONES = (*VOWELS, *CONSONANTS, SILENCE)


@dataclass(frozen=True)
class PhoneSpan:
    """One phone from ``start_s`` to ``end_s`` (seconds from the start of the clip)."""

    phone: str
    start_s: float
    end_s: float

    def __post_init__(self) -> None:
        if self.phone not in PHONES:
            raise InputError(f"unknown phone {self.phone!r}; expected ARPAbet without stress or SIL")
        if not 0 <= self.start_s <= self.end_s:
            raise InputError(f"bad phone span {self.phone} {self.start_s}-{self.end_s}")


def normalise_phone(symbol: str) -> str:
    """``"AH0"`` -> ``"AH"``; silence markers (``sil``, ``SIL``, ``<sil>``, ``sp``) -> ``SIL``."""
    s = symbol.strip().upper().strip("<>").rstrip("012")
    return SILENCE if s in {"SIL", "SP", "SPN", "PAU", "", "+BREATH+", "+NOISE+"} else s


def save_alignment(spans: list[PhoneSpan], path: str | Path) -> None:
    Path(path).write_text(json.dumps([asdict(s) for s in spans]), encoding="utf-8")


def load_alignment(path: str | Path) -> list[PhoneSpan]:
    return [PhoneSpan(**d) for d in json.loads(Path(path).read_text(encoding="utf-8"))]
