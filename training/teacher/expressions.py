"""The emotion layer: facial action units -> face-board controls, 7 prototype emotions.

Each emotion is a set of action-unit strengths (EMFACS prototypes, see
``shared/reference/facs_to_metahuman.md``); each action unit is a fixed pattern over
face-board controls. The per-frame expression is linear in the per-emotion activation
``weight * intensity``, so intensity 0 is the neutral face and intensity scales the
expression continuously. Activations follow the emotion track through critically
damped onsets and offsets (no steps, even when the track cuts).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy.signal import lfilter, lfilter_zi

from model.constants import EMOTIONS
from model.rig import rig
from training.teacher.visemes import expand_sides

AU_CONTROLS: dict[str, tuple[tuple[str, float], ...]] = {
    "AU1": (("CTRL_*_brow_raiseIn.ty", 1.0),),
    "AU2": (("CTRL_*_brow_raiseOut.ty", 1.0),),
    "AU4": (("CTRL_*_brow_down.ty", 0.8), ("CTRL_*_brow_lateral.ty", 1.0)),
    "AU5": (("CTRL_*_eye_blink.ty", -0.7), ("CTRL_*_eye_eyelidU.ty", -0.8)),  # negative = lids wide
    "AU6": (("CTRL_*_eye_cheekRaise.ty", 1.0), ("CTRL_*_eye_eyelidD.ty", 0.5), ("CTRL_*_eye_squintInner.ty", 0.3),
            ("CTRL_*_nose_nasolabialDeepen.ty", 0.3), ("CTRL_*_eye_blink.ty", 0.1)),
    "AU7": (("CTRL_*_eye_squintInner.ty", 1.0), ("CTRL_*_eye_lidPress.ty", 0.6), ("CTRL_*_eye_eyelidD.ty", 0.3)),
    "AU9": (("CTRL_*_nose_wrinkleUpper.ty", 1.0), ("CTRL_*_nose.ty", 0.6), ("CTRL_*_eye_faceScrunch.ty", 0.5)),
    "AU10": (("CTRL_*_mouth_upperLipRaise.ty", 1.0), ("CTRL_*_nose_nasolabialDeepen.ty", 0.6)),
    "AU12": (("CTRL_*_mouth_cornerPull.ty", 1.0), ("CTRL_*_mouth_corner.ty", 0.6)),
    "AU14": (("CTRL_*_mouth_dimple.ty", 1.0),),
    "AU15": (("CTRL_*_mouth_cornerDepress.ty", 1.0), ("CTRL_*_mouth_corner.ty", -0.5)),
    "AU16": (("CTRL_*_mouth_lowerLipDepress.ty", 1.0),),
    "AU17": (("CTRL_*_jaw_ChinRaiseD.ty", 1.0), ("CTRL_*_jaw_ChinRaiseU.ty", 0.6)),
    "AU20": (("CTRL_*_mouth_stretch.ty", 1.0),),
    "AU23": (("CTRL_*_mouth_tightenU.ty", 1.0), ("CTRL_*_mouth_tightenD.ty", 1.0)),
    "AU24": (("CTRL_*_mouth_pressU.ty", 0.6), ("CTRL_*_mouth_pressD.ty", 0.6), ("CTRL_*_mouth_lipsPressU.ty", 0.6)),
    "AU26": (("CTRL_C_jaw.ty", 1.0),),
    "AU43": (("CTRL_*_eye_eyelidU.ty", 1.0),),  # partial lid droop (relaxed upper lid)
}
ACTION_UNITS: tuple[str, ...] = tuple(AU_CONTROLS)

PROTOTYPES: dict[str, dict[str, float]] = {
    "angry": {"AU4": 0.6, "AU5": 0.2, "AU7": 0.55, "AU9": 0.15, "AU17": 0.2, "AU23": 0.45, "AU24": 0.3},
    "disgust": {"AU4": 0.35, "AU6": 0.3, "AU7": 0.3, "AU9": 0.6, "AU10": 0.45, "AU15": 0.35, "AU16": 0.2,
                "AU17": 0.25},
    "fear": {"AU1": 0.55, "AU2": 0.4, "AU4": 0.45, "AU5": 0.55, "AU7": 0.15, "AU20": 0.5, "AU26": 0.12},
    "happy": {"AU6": 0.55, "AU12": 0.65, "AU14": 0.15},
    "neutral": {},
    "sad": {"AU1": 0.55, "AU4": 0.4, "AU15": 0.5, "AU17": 0.35, "AU43": 0.3},
    "surprise": {"AU1": 0.55, "AU2": 0.6, "AU5": 0.55, "AU26": 0.18},
}
"""Action-unit strengths of each emotion at intensity 1 (EMFACS prototypes)."""

ARTICULATION_GAIN: dict[str, float] = {
    "angry": 1.08, "disgust": 0.9, "fear": 0.95, "happy": 1.05, "neutral": 1.0, "sad": 0.85, "surprise": 1.1,
}
"""Speech articulation scale at full intensity (sad speech is hypo-articulated, surprise hyper)."""

LIP_OPENING_CONTROLS: tuple[str, ...] = (
    "CTRL_*_mouth_upperLipRaise.ty", "CTRL_*_mouth_lowerLipDepress.ty",
)
"""Emotion controls that would part the lips: they yield to bilabial and labiodental contacts
(the emotion's jaw drop joins the speech jaw, which the contacts close)."""

WIDENING_CONTROLS: tuple[str, ...] = ("CTRL_*_mouth_cornerPull.ty", "CTRL_*_mouth_stretch.ty", "CTRL_*_mouth_dimple.ty")
"""Emotion controls that widen the mouth: partly yield to lip rounding."""


@cache
def au_matrix() -> np.ndarray:
    """Action units -> controls, (U, 174) float64 in rig order."""
    schema = rig()
    out = np.zeros((len(ACTION_UNITS), len(schema)))
    for u, au in enumerate(ACTION_UNITS):
        for control, weight in AU_CONTROLS[au]:
            for name in expand_sides(control):
                out[u, schema.index(name)] += weight
    return out


@cache
def prototype_matrix() -> np.ndarray:
    """Emotion -> action-unit strengths, (7, U) float64 in ``EMOTIONS`` order."""
    out = np.zeros((len(EMOTIONS), len(ACTION_UNITS)))
    for e, name in enumerate(EMOTIONS):
        for au, strength in PROTOTYPES[name].items():
            out[e, ACTION_UNITS.index(au)] = strength
    return out


def control_mask(names: tuple[str, ...]) -> np.ndarray:
    """Boolean (174,) mask of the named controls (``*`` = both sides)."""
    schema = rig()
    mask = np.zeros(len(schema), dtype=bool)
    for control in names:
        mask[schema.indices(list(expand_sides(control)))] = True
    return mask


@dataclass(frozen=True)
class OnsetOptions:
    """Dynamics of emotion activation.

    ``onset_s`` / ``offset_s``: time constant (s) of each of the two cascaded first-order
    stages (a critically damped response) when an emotion rises / decays; the 10-90% change
    takes about 3.4 times the constant.
    """

    onset_s: float = 0.09
    offset_s: float = 0.14


def smooth_activation(target: np.ndarray, fps: float, opts: OnsetOptions = OnsetOptions()) -> np.ndarray:
    """Critically damped follow of ``target`` (T, E) -> (T, E), starting at rest on target[0].

    Two followers (onset and offset time constants) run side by side; their maximum rises
    with the onset dynamics and decays with the offset dynamics.
    """
    if target.shape[0] == 0 or np.all(target == target[:1]):
        return target.astype(np.float64)  # nothing changes: nothing to follow
    x = target.astype(np.float64)
    return np.maximum(_critically_damped(x, fps * opts.onset_s), _critically_damped(x, fps * opts.offset_s))


def _critically_damped(x: np.ndarray, time_constant_frames: float) -> np.ndarray:
    """Two cascaded first-order low-passes over axis 0 of (T, E), initialised at steady state."""
    k = 1.0 - np.exp(-1.0 / time_constant_frames)
    b, a = np.array([k]), np.array([1.0, k - 1.0])  # y[n] = y[n-1] + k (x[n] - y[n-1])
    y = x
    for _ in range(2):
        zi = lfilter_zi(b, a)[:, None] * y[:1]  # (1, E): start at rest on the first value
        y, _ = lfilter(b, a, y, axis=0, zi=zi)
    return y


def expression(activation: np.ndarray, au_gain: np.ndarray, side_gain: np.ndarray) -> np.ndarray:
    """Expression controls (T, 174) from activations (T, 7).

    ``au_gain`` (U,) scales each action unit (per-clip variation, ~1); ``side_gain`` (174,)
    scales each control (small left/right asymmetry, ~1).
    """
    aus = activation @ (prototype_matrix() * au_gain[None, :])  # (T, U)
    return (aus @ au_matrix()) * side_gain[None, :]  # (T, 174)


def articulation_gain(activation: np.ndarray) -> np.ndarray:
    """Per-frame speech articulation scale (T,) from activations (T, 7); 1 when neutral."""
    gains = np.array([ARTICULATION_GAIN[name] for name in EMOTIONS]) - 1.0  # (7,)
    return 1.0 + activation @ gains
