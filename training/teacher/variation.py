"""Small seeded natural variation: micro-motion of brows, lids, cheeks and mouth corners,
per-clip action-unit gains and left/right asymmetry, and emotion onset timing jitter.

Nothing here touches the phonetic essentials (jaw, lip contacts, tongue). All random
numbers are drawn in a fixed order and fixed amounts from one injected generator, so the
same seed gives the same variation whatever the phones or emotion.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.rig import rig
from training.teacher.visemes import expand_sides

MICRO_CONTROLS: tuple[tuple[str, float], ...] = (
    ("CTRL_*_brow_raiseIn.ty", 0.025),
    ("CTRL_*_brow_raiseOut.ty", 0.02),
    ("CTRL_*_brow_down.ty", 0.012),
    ("CTRL_*_eye_eyelidU.ty", 0.02),
    ("CTRL_*_eye_eyelidD.ty", 0.015),
    ("CTRL_*_eye_squintInner.ty", 0.012),
    ("CTRL_*_eye_cheekRaise.ty", 0.01),
    ("CTRL_*_mouth_cornerPull.ty", 0.01),
    ("CTRL_*_mouth_corner.ty", 0.008),
    ("CTRL_*_nose_nasolabialDeepen.ty", 0.006),
)
"""Controls with micro-motion and its typical amplitude (control units, about 1 sigma)."""


@dataclass(frozen=True)
class VariationOptions:
    """Amount of natural variation.

    ``micro_scale``: multiplier on :data:`MICRO_CONTROLS` amplitudes (0 = none).
    ``micro_baseline``: the micro-motion sits this fraction of its amplitude above 0 on
    average (so 0..1 controls move both ways from a slightly active pose).
    ``max_freq_hz``: highest frequency of the micro-motion (slow drift, not jitter).
    ``au_gain_sd``: per-clip relative spread of each action unit's strength.
    ``asymmetry_sd``: per-clip relative left/right difference of expression controls.
    ``onset_jitter_s``: emotion timing is shifted by up to this much (uniform, seconds).
    ``beat_scale_range``: per-clip range of brow-beat height (how animated the speaker's brows are).
    """

    micro_scale: float = 1.0
    micro_baseline: float = 0.5
    max_freq_hz: float = 0.6
    au_gain_sd: float = 0.06
    asymmetry_sd: float = 0.04
    onset_jitter_s: float = 0.06
    beat_scale_range: tuple[float, float] = (0.5, 1.3)


@dataclass(frozen=True)
class Variation:
    """One clip's random draws. ``micro``: (T, 174) additive micro-motion; ``au_gain``: (U,);
    ``side_gain``: (174,); ``onset_shift_s``: emotion timing shift (s, positive = later);
    ``beat_scale``: brow-beat height multiplier."""

    micro: np.ndarray
    au_gain: np.ndarray
    side_gain: np.ndarray
    onset_shift_s: float
    beat_scale: float


_SINES = 4


def draw(rng: np.random.Generator, num_frames: int, fps: float, num_action_units: int,
         opts: VariationOptions = VariationOptions()) -> Variation:
    """Draw a clip's variation (fixed draw order: the seed alone decides it)."""
    schema = rig()
    au_gain = np.clip(1.0 + opts.au_gain_sd * rng.standard_normal(num_action_units), 0.85, 1.15)
    side_gain = np.clip(1.0 + opts.asymmetry_sd * rng.standard_normal(len(schema)), 0.92, 1.08)
    onset_shift_s = float(rng.uniform(-opts.onset_jitter_s, opts.onset_jitter_s))
    n_micro = len(MICRO_CONTROLS)
    freqs = rng.uniform(0.05, opts.max_freq_hz, size=(n_micro, 2, _SINES))  # Hz, per side
    phases = rng.uniform(0.0, 2.0 * np.pi, size=(n_micro, 2, _SINES))
    shared = rng.uniform(0.5, 0.9, size=n_micro)  # how much of the motion the two sides share
    t = np.arange(num_frames) / fps  # (T,)
    micro = np.zeros((num_frames, len(schema)))
    # sum of sines with unit variance: each sine has variance 1/2
    waves = np.sin(2.0 * np.pi * freqs[..., None] * t + phases[..., None]).sum(axis=2) / np.sqrt(_SINES / 2)
    for k, (control, amplitude) in enumerate(MICRO_CONTROLS):
        left, right = waves[k, 0], waves[k, 1]  # (T,) each
        a = amplitude * opts.micro_scale
        for side, (name, own) in enumerate(zip(expand_sides(control), (left, right))):
            motion = shared[k] * left + (1.0 - shared[k]) * own
            micro[:, schema.index(name)] += a * (opts.micro_baseline + motion)
    beat_scale = float(rng.uniform(*opts.beat_scale_range))
    return Variation(micro=micro, au_gain=au_gain, side_gain=side_gain, onset_shift_s=onset_shift_s,
                     beat_scale=beat_scale)
