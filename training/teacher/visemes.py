"""Per-phone articulation targets for the phonetic teacher.

Speech is described in a small space of articulatory *features* (jaw opening, lip
closure, rounding, tongue-tip raise, ...). Each phone has a target value per feature and,
per articulator (jaw, lips, tongue), a *dominance*: how strongly it imposes its targets
on that articulator and how far in time that influence reaches before (anticipatory)
and after (carry-over) the phone. :mod:`training.teacher.coarticulation` blends them.

Features map linearly to face-board controls through :func:`feature_matrix` (F, 174);
sided controls are written symmetrically (``*`` below stands for ``L`` and ``R``).
Values are in control units (jaw open 0 = closed .. 1 = fully open).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from model.rig import rig
from training.phones import SILENCE

FEATURES: tuple[str, ...] = (
    "jaw_open",  # jaw drop
    "lip_close",  # lips sealed (bilabial closure)
    "lip_press",  # lips pressed together (plosive build-up)
    "lip_teeth",  # lower lip to upper teeth (labiodental)
    "purse",  # lip protrusion / pucker (rounding)
    "funnel",  # lip funnel (rounding with an open centre)
    "spread",  # lips spread / stretched wide
    "upper_lip_up",  # upper lip raised off the teeth
    "lower_lip_down",  # lower lip drawn down off the teeth
    "tip_up",  # tongue tip raised to the alveolar ridge
    "tip_out",  # tongue tip between the teeth (dental)
    "body_up",  # tongue body raised (velar / high front)
    "tongue_press",  # tongue pressed against the palate
)
F = {name: i for i, name in enumerate(FEATURES)}

ARTICULATORS: tuple[str, ...] = ("jaw", "lips", "tongue")
FEATURE_ARTICULATOR: tuple[int, ...] = tuple(
    0 if f == "jaw_open" else 2 if f in ("tip_up", "tip_out", "body_up", "tongue_press") else 1 for f in FEATURES
)
"""Articulator index (into :data:`ARTICULATORS`) that owns each feature."""

SHAPED_FEATURES: tuple[str, ...] = (
    "jaw_open", "purse", "funnel", "spread", "upper_lip_up", "lower_lip_down", "body_up",
)
"""Features scaled by speaker style and emotion (hyper/hypo-articulation); contacts are not."""

_FEATURE_CONTROLS: dict[str, tuple[tuple[str, float], ...]] = {
    "jaw_open": (("CTRL_C_jaw.ty", 1.0),),
    "lip_close": (("CTRL_*_mouth_lipsTogetherU.ty", 1.0), ("CTRL_*_mouth_lipsTogetherD.ty", 1.0)),
    "lip_press": (("CTRL_*_mouth_pressU.ty", 1.0), ("CTRL_*_mouth_pressD.ty", 1.0),
                  ("CTRL_*_mouth_lipsPressU.ty", 0.6)),
    "lip_teeth": (("CTRL_*_mouth_lipsTowardsTeethD.ty", 1.0), ("CTRL_*_mouth_lipBiteD.ty", 0.4),
                  ("CTRL_*_mouth_upperLipRaise.ty", 0.1)),
    "purse": (("CTRL_*_mouth_purseU.ty", 1.0), ("CTRL_*_mouth_purseD.ty", 1.0),
              ("CTRL_*_mouth_towardsU.ty", 0.4), ("CTRL_*_mouth_towardsD.ty", 0.4),
              ("CTRL_*_mouth_corner.tx", -0.35)),
    "funnel": (("CTRL_*_mouth_funnelU.ty", 1.0), ("CTRL_*_mouth_funnelD.ty", 1.0),
               ("CTRL_*_mouth_corner.tx", -0.15)),
    "spread": (("CTRL_*_mouth_stretch.ty", 0.6), ("CTRL_*_mouth_corner.tx", 0.5),
               ("CTRL_*_mouth_cornerPull.ty", 0.15)),
    "upper_lip_up": (("CTRL_*_mouth_upperLipRaise.ty", 1.0),),
    "lower_lip_down": (("CTRL_*_mouth_lowerLipDepress.ty", 1.0),),
    "tip_up": (("CTRL_C_tongue_tip.ty", 1.0),),
    "tip_out": (("CTRL_C_tongue_inOut.ty", -1.0),),  # negative = tongue out (MetaHuman face board)
    "body_up": (("CTRL_C_tongue.ty", 1.0),),
    "tongue_press": (("CTRL_C_tongue_press.ty", 1.0),),
}


def expand_sides(name: str) -> tuple[str, ...]:
    """``CTRL_*_x.ty`` -> (``CTRL_L_x.ty``, ``CTRL_R_x.ty``); other names unchanged."""
    return (name.replace("*", "L"), name.replace("*", "R")) if "*" in name else (name,)


@cache
def feature_matrix() -> np.ndarray:
    """Linear map from features to controls, (F, 174) float32 in rig order."""
    schema = rig()
    out = np.zeros((len(FEATURES), len(schema)), dtype=np.float32)
    for feature, pairs in _FEATURE_CONTROLS.items():
        for control, weight in pairs:
            for name in expand_sides(control):
                out[F[feature], schema.index(name)] += weight
    return out


@dataclass(frozen=True)
class Dominance:
    """How strongly a phone imposes its targets on one articulator.

    ``strength`` is the dominance inside the phone (dimensionless, vowels ~1);
    ``lead_s`` / ``lag_s`` are the Gaussian widths (s) of its influence before the phone
    starts (anticipation) and after it ends (carry-over).
    """

    strength: float
    lead_s: float = 0.07
    lag_s: float = 0.06


def _dom(jaw: Dominance, lips: Dominance, tongue: Dominance) -> tuple[Dominance, Dominance, Dominance]:
    return (jaw, lips, tongue)


_VOWEL = _dom(Dominance(1.0), Dominance(1.0), Dominance(0.6))
_ROUND_VOWEL = _dom(Dominance(1.0), Dominance(1.4, lead_s=0.12, lag_s=0.09), Dominance(0.6))
_BILABIAL = _dom(Dominance(3.0, 0.025, 0.025), Dominance(5.0, 0.012, 0.012), Dominance(0.1))
_LABIODENTAL = _dom(Dominance(3.0, 0.025, 0.025), Dominance(5.0, 0.015, 0.015), Dominance(0.1))
_DENTAL = _dom(Dominance(1.0, 0.02, 0.02), Dominance(0.15), Dominance(4.0, 0.02, 0.02))
_ALVEOLAR = _dom(Dominance(0.6, 0.03, 0.03), Dominance(0.1), Dominance(4.0, 0.02, 0.02))
_SIBILANT = _dom(Dominance(1.5, 0.02, 0.02), Dominance(0.3), Dominance(4.0, 0.02, 0.02))
_POSTALVEOLAR = _dom(Dominance(1.0, 0.02, 0.02), Dominance(2.0, 0.04, 0.04), Dominance(4.0, 0.02, 0.02))
_VELAR = _dom(Dominance(0.5, 0.03, 0.03), Dominance(0.1), Dominance(4.0, 0.02, 0.02))
_GLIDE_W = _dom(Dominance(1.0), Dominance(3.0, 0.07, 0.05), Dominance(0.3))
_GLIDE_Y = _dom(Dominance(0.5), Dominance(0.5), Dominance(3.0))
_RHOTIC = _dom(Dominance(0.5), Dominance(2.0, 0.08, 0.06), Dominance(3.0))
_ASPIRATE = _dom(Dominance(0.05), Dominance(0.05), Dominance(0.05))
_PAUSE = _dom(Dominance(0.6, 0.05, 0.05), Dominance(0.6, 0.05, 0.05), Dominance(0.6, 0.05, 0.05))

_Target = dict[str, float]


@dataclass(frozen=True)
class Viseme:
    """Articulation of one phone: one target, or two for a diphthong (``glide_at`` = where
    within the phone, 0..1, the second target takes over)."""

    targets: tuple[_Target, ...]
    dominance: tuple[Dominance, Dominance, Dominance]
    glide_at: float = 0.5


def _v(*targets: _Target, dom=_VOWEL, glide_at: float = 0.5) -> Viseme:
    return Viseme(tuple(targets), dom, glide_at)


_AA = {"jaw_open": 0.47, "lower_lip_down": 0.15}
_AO = {"jaw_open": 0.42, "purse": 0.3, "funnel": 0.3}
_EH = {"jaw_open": 0.34, "spread": 0.15, "lower_lip_down": 0.1}
_IY = {"jaw_open": 0.13, "spread": 0.38, "body_up": 0.5}
_UW = {"jaw_open": 0.13, "purse": 0.8, "funnel": 0.3}

VISEMES: dict[str, Viseme] = {
    SILENCE: _v({}, dom=_PAUSE),
    "AA": _v(_AA),
    "AE": _v({"jaw_open": 0.45, "spread": 0.25, "lower_lip_down": 0.2, "upper_lip_up": 0.1}),
    "AH": _v({"jaw_open": 0.36}),
    "AO": _v(_AO, dom=_ROUND_VOWEL),
    "AW": _v(_AA, {"jaw_open": 0.17, "purse": 0.6, "funnel": 0.3}, glide_at=0.55),
    "AY": _v(_AA, {"jaw_open": 0.17, "spread": 0.3, "body_up": 0.4}, glide_at=0.5),
    "EH": _v(_EH),
    "ER": _v({"jaw_open": 0.2, "funnel": 0.35, "purse": 0.2, "tip_up": 0.3}, dom=_ROUND_VOWEL),
    "EY": _v({"jaw_open": 0.32, "spread": 0.2}, {"jaw_open": 0.16, "spread": 0.32, "body_up": 0.4}),
    "IH": _v({"jaw_open": 0.2, "spread": 0.22, "body_up": 0.3}),
    "IY": _v(_IY),
    "OW": _v({"jaw_open": 0.32, "purse": 0.35, "funnel": 0.35}, {"jaw_open": 0.16, "purse": 0.78, "funnel": 0.3},
             dom=_ROUND_VOWEL),
    "OY": _v({"jaw_open": 0.38, "purse": 0.4, "funnel": 0.3}, {"jaw_open": 0.16, "spread": 0.25, "body_up": 0.4}),
    "UH": _v({"jaw_open": 0.2, "purse": 0.4, "funnel": 0.25}, dom=_ROUND_VOWEL),
    "UW": _v(_UW, dom=_ROUND_VOWEL),
    "B": _v({"jaw_open": 0.02, "lip_close": 1.0, "lip_press": 0.3}, dom=_BILABIAL),
    "P": _v({"jaw_open": 0.02, "lip_close": 1.0, "lip_press": 0.4}, dom=_BILABIAL),
    "M": _v({"jaw_open": 0.02, "lip_close": 1.0, "lip_press": 0.15}, dom=_BILABIAL),
    "F": _v({"jaw_open": 0.06, "lip_teeth": 0.8, "upper_lip_up": 0.1}, dom=_LABIODENTAL),
    "V": _v({"jaw_open": 0.06, "lip_teeth": 0.75, "upper_lip_up": 0.1}, dom=_LABIODENTAL),
    "TH": _v({"jaw_open": 0.12, "tip_out": 0.55, "tip_up": 0.2}, dom=_DENTAL),
    "DH": _v({"jaw_open": 0.12, "tip_out": 0.5, "tip_up": 0.2}, dom=_DENTAL),
    "T": _v({"jaw_open": 0.1, "tip_up": 0.8, "tongue_press": 0.3}, dom=_ALVEOLAR),
    "D": _v({"jaw_open": 0.1, "tip_up": 0.8, "tongue_press": 0.3}, dom=_ALVEOLAR),
    "N": _v({"jaw_open": 0.1, "tip_up": 0.8, "tongue_press": 0.2}, dom=_ALVEOLAR),
    "L": _v({"jaw_open": 0.16, "tip_up": 0.9}, dom=_ALVEOLAR),
    "S": _v({"jaw_open": 0.05, "spread": 0.2, "tip_up": 0.45}, dom=_SIBILANT),
    "Z": _v({"jaw_open": 0.05, "spread": 0.2, "tip_up": 0.45}, dom=_SIBILANT),
    "SH": _v({"jaw_open": 0.08, "funnel": 0.55, "purse": 0.25, "upper_lip_up": 0.1, "tip_up": 0.35, "body_up": 0.3},
             dom=_POSTALVEOLAR),
    "ZH": _v({"jaw_open": 0.08, "funnel": 0.5, "purse": 0.25, "upper_lip_up": 0.1, "tip_up": 0.35, "body_up": 0.3},
             dom=_POSTALVEOLAR),
    "CH": _v({"jaw_open": 0.08, "funnel": 0.5, "purse": 0.25, "tip_up": 0.6, "tongue_press": 0.2},
             dom=_POSTALVEOLAR),
    "JH": _v({"jaw_open": 0.08, "funnel": 0.5, "purse": 0.25, "tip_up": 0.6, "tongue_press": 0.2},
             dom=_POSTALVEOLAR),
    "K": _v({"jaw_open": 0.12, "body_up": 0.7}, dom=_VELAR),
    "G": _v({"jaw_open": 0.12, "body_up": 0.7}, dom=_VELAR),
    "NG": _v({"jaw_open": 0.1, "body_up": 0.75}, dom=_VELAR),
    "HH": _v({"jaw_open": 0.2}, dom=_ASPIRATE),
    "R": _v({"jaw_open": 0.12, "funnel": 0.35, "purse": 0.35, "tip_up": 0.3}, dom=_RHOTIC),
    "W": _v({"jaw_open": 0.08, "purse": 0.85, "funnel": 0.35}, dom=_GLIDE_W),
    "Y": _v({"jaw_open": 0.1, "spread": 0.25, "body_up": 0.6}, dom=_GLIDE_Y),
}

BILABIALS = frozenset({"P", "B", "M"})
LABIODENTALS = frozenset({"F", "V"})
DENTALS = frozenset({"TH", "DH"})
ALVEOLARS = frozenset({"T", "D", "N", "L"})


def target_vector(target: _Target) -> np.ndarray:
    """A feature dict -> (F,) float64."""
    out = np.zeros(len(FEATURES))
    for name, value in target.items():
        out[F[name]] = value
    return out
