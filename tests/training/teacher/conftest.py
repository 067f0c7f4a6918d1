"""Helpers for the teacher tests: phone sequences with plausible durations."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from model.constants import FPS
from model.rig import rig
from training.phones import SILENCE, VOWELS, PhoneSpan

VOWEL_S = 0.13
CONSONANT_S = 0.08
PAUSE_S = 0.3
LEAD_IN_S = 0.2


@dataclass(frozen=True)
class Utterance:
    """Phone spans of a test utterance and its length in frames at 60 fps."""

    spans: list[PhoneSpan]
    num_frames: int

    def mid_frame(self, i: int) -> int:
        """Frame nearest the middle of span ``i``."""
        return self.frame_at(i, 0.5)

    def frame_at(self, i: int, fraction: float) -> int:
        s = self.spans[i]
        return int(round((s.start_s + fraction * (s.end_s - s.start_s)) * FPS))


def utterance(text: str, durations: dict[int, float] | None = None) -> Utterance:
    """``"AA M AA"`` -> spans from 0.2 s with vowel/consonant/pause durations; ``durations``
    overrides the length (s) of span ``i``; 0.3 s of silence is left at the end."""
    spans, t = [], LEAD_IN_S
    for i, phone in enumerate(text.split()):
        d = (durations or {}).get(i, VOWEL_S if phone in VOWELS else PAUSE_S if phone == SILENCE else CONSONANT_S)
        spans.append(PhoneSpan(phone, t, t + d))
        t += d
    return Utterance(spans, int(round((t + 0.3) * FPS)))


SENTENCES = (
    # "the quick brown fox jumps over the lazy dog"
    "DH AH K W IH K B R AW N F AA K S JH AH M P S OW V ER DH AH L EY Z IY D AO G",
    # "she sells sea shells by the sea shore"
    "SH IY S EH L Z S IY SH EH L Z SIL B AY DH AH S IY SH AO R",
    # "a bad cat sat on my hat"
    "AH B AE D K AE T S AE T AA N M AY HH AE T",
    # "we knew you would move"
    "W IY N UW Y UW W UH D M UW V",
)


@pytest.fixture
def col():
    """Column index of a control by name: ``col("CTRL_C_jaw.ty")``."""
    return rig().index


def upper_face_indices() -> np.ndarray:
    """Brows, eyes (without gaze), nose and the mouth corners: where an emotion is read."""
    schema = rig()
    gaze = set(schema.flagged("gaze").tolist())
    upper = [i for g in ("brow", "eye", "nose") for i in schema.group_indices(g).tolist() if i not in gaze]
    corners = schema.indices([f"CTRL_{s}_mouth_{c}" for s in "LR" for c in ("cornerPull.ty", "cornerDepress.ty")])
    return np.array(sorted(set(upper) | set(corners.tolist())))


@pytest.fixture
def make_utterance():
    """The :func:`utterance` builder."""
    return utterance


@pytest.fixture
def sentences() -> list[Utterance]:
    """A few ordinary English sentences as utterances."""
    return [utterance(s) for s in SENTENCES]


@pytest.fixture
def upper_face() -> np.ndarray:
    return upper_face_indices()
