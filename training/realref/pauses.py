"""Pauses inside speech, found from the audio alone.

A frame (60 fps, 266 samples) is quiet when its RMS level is more than ``below_speech_db`` under the clip's
speech level, the ``speech_percentile``-th percentile of its frame levels (loud frames are speech in any
clip that is mostly speech). A pause is a run of quiet frames lasting at least ``min_pause_s``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from model.constants import FPS, frame_count
from training.baselines import frame_energy_db


@dataclass(frozen=True)
class PauseOptions:
    """below_speech_db: how far under the speech level a frame must be to count as quiet (dB);
    speech_percentile: percentile of the clip's frame levels taken as its speech level;
    min_pause_s: shortest run of quiet frames that is a pause (s)."""

    below_speech_db: float = 30.0
    speech_percentile: float = 90.0
    min_pause_s: float = 0.3

    def to_dict(self) -> dict:
        return asdict(self)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[(start, end), ...]`` (end exclusive) of the runs of True in a boolean array."""
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    edges = np.flatnonzero(np.diff(m.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def quiet_frames(level_db: np.ndarray, opts: PauseOptions = PauseOptions()) -> np.ndarray:
    """``(T,)`` bool: frames more than ``below_speech_db`` under the speech level."""
    speech_db = np.percentile(level_db, opts.speech_percentile)
    return level_db < speech_db - opts.below_speech_db


def pause_spans(level_db: np.ndarray, opts: PauseOptions = PauseOptions(), fps: float = FPS
                ) -> list[tuple[int, int]]:
    """Frame spans ``(start, end)`` of the pauses in a per-frame level curve."""
    min_frames = int(np.ceil(opts.min_pause_s * fps - 1e-9))
    return [(s, e) for s, e in runs(quiet_frames(level_db, opts)) if e - s >= min_frames]


def pause_mask(audio: np.ndarray, opts: PauseOptions = PauseOptions(), num_frames: int | None = None) -> np.ndarray:
    """``(T,)`` bool: the 60 fps frames of 16 kHz ``audio`` that lie in a pause."""
    n = frame_count(len(audio)) if num_frames is None else num_frames
    mask = np.zeros(n, bool)
    for s, e in pause_spans(frame_energy_db(audio, n), opts):
        mask[s:e] = True
    return mask
