"""Brow beats: small brow raises on emphasised syllables.

Phones carry no stress marks, but stressed and phrase-final vowels are longer than the
speaker's average, so relative vowel duration stands in for emphasis. Each emphasised
vowel raises the brows a little (rise before the vowel's middle, slower fall after),
which is what speakers do with pitch accents and what keeps a neutral talking face alive.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from model.rig import rig
from training.phones import VOWELS, PhoneSpan
from training.teacher.coarticulation import min_jerk
from training.teacher.visemes import expand_sides


@dataclass(frozen=True)
class BeatOptions:
    """Brow beats.

    ``threshold``: a vowel longer than this multiple of the clip's mean vowel duration is
    emphasised; ``full_at``: multiple at which the beat reaches full height;
    ``rise_s`` / ``fall_s``: time from start of the raise to the vowel middle / from the
    middle back to rest; ``raise_in`` / ``raise_out``: full beat height on the inner and
    outer brow raisers (control units).
    """

    threshold: float = 1.15
    full_at: float = 1.8
    rise_s: float = 0.15
    fall_s: float = 0.4
    raise_in: float = 0.07
    raise_out: float = 0.05


def emphasis(phones: Sequence[PhoneSpan], times_s: np.ndarray, opts: BeatOptions = BeatOptions()) -> np.ndarray:
    """Emphasis envelope (T,) in [0, 1] from relative vowel durations."""
    vowels = [p for p in phones if p.phone in VOWELS and p.end_s > p.start_s]
    env = np.zeros(times_s.size)
    if len(vowels) < 2:
        return env
    mean_s = float(np.mean([p.end_s - p.start_s for p in vowels]))
    for p in vowels:
        relative = (p.end_s - p.start_s) / mean_s
        height = float(np.clip((relative - opts.threshold) / (opts.full_at - opts.threshold), 0.0, 1.0))
        if height <= 0.0:
            continue
        mid = 0.5 * (p.start_s + p.end_s)
        up = min_jerk((times_s - (mid - opts.rise_s)) / opts.rise_s)  # (T,) 0 -> 1 until the middle
        down = 1.0 - min_jerk((times_s - mid) / opts.fall_s)  # (T,) 1 -> 0 after it
        env = np.maximum(env, height * np.where(times_s <= mid, up, down))
    return env


def brow_beats(envelope: np.ndarray, scale: float, opts: BeatOptions = BeatOptions()) -> np.ndarray:
    """Additive controls (T, 174): brows raised by ``envelope`` (T,) times ``scale`` (per clip, ~1)."""
    schema = rig()
    out = np.zeros((envelope.size, len(schema)))
    for control, height in (("CTRL_*_brow_raiseIn.ty", opts.raise_in), ("CTRL_*_brow_raiseOut.ty", opts.raise_out)):
        out[:, schema.indices(list(expand_sides(control)))] = (scale * height * envelope)[:, None]
    return out
