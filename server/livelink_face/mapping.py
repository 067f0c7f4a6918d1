"""The 174 MetaHuman face-board controls approximated as the 61 Live Link Face curves.

The table is data: each ARKit curve is a sum of terms ``weight * transform(control)``,
clamped to [0, 1]; each angle curve is a sum of linear terms times a maximum angle in
radians, clamped to +-that angle. Transforms: ``pos`` = max(x, 0), ``neg`` = max(-x, 0),
``lin`` = x. Controls are looked up by name through :func:`model.rig.rig` (no indices here).

Conventions (our reading, stated in ``docs/livelink_face.md``):
- Sides: ARKit's ``...Left`` is the subject's own left, like the face board's ``CTRL_L_``.
- Face-board ``.tx`` points toward the character's left: ``CTRL_L_eye.tx > 0`` looks out
  (``eyeLookOutLeft``), ``CTRL_R_eye.tx > 0`` looks in (``eyeLookInRight``). Gaze adds the
  both-eyes control ``CTRL_C_eye`` to each eye's own control.
- ``CTRL_L/R_eye_blink.ty``: 1 closed (``eyeBlink``), below 0 wide (``eyeWide``).
- ``jawForward`` is ``CTRL_C_jaw_fwdBack.ty`` below 0; ``jawLeft`` is ``CTRL_C_jaw.tx`` below
  0 and ``mouthLeft`` is ``CTRL_C_mouth.tx`` above 0, as in public ARKit pose sets for the
  face board.
Curves in :data:`NOT_REPRESENTABLE` are sent as 0; the reason is stated for each.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from model.rig import rig
from server.livelink_face.packet import ARKIT_BLENDSHAPES, CURVE_COUNT, CURVE_NAMES, POSE_CURVES

TRANSFORMS = ("pos", "neg", "lin")
EYE_YAW_MAX_RAD = 0.52  # about 30 degrees at full face-board travel (assumed, see module docstring)
EYE_PITCH_MAX_RAD = 0.44  # about 25 degrees


@dataclass(frozen=True)
class Term:
    """``weight * transform(value of control)``; control: a face-board name (either spelling)."""

    control: str
    weight: float = 1.0
    transform: str = "pos"


def _sides(template: str, weight: float = 1.0, transform: str = "pos") -> tuple[Term, ...]:
    """The same term on the left and right control (``{s}`` -> L and R)."""
    return tuple(Term(template.format(s=s), weight, transform) for s in ("L", "R"))


def _side_rules(side: str, name: str) -> dict[str, tuple[Term, ...]]:
    """The rules of one side (``L`` or ``R``; ARKit name suffix ``Left`` or ``Right``)."""
    s, n = side, name
    out_sign, in_sign = ("pos", "neg") if side == "L" else ("neg", "pos")
    return {
        f"eyeBlink{n}": (Term(f"CTRL_{s}_eye_blink.ty", 1.0, "pos"),),
        f"eyeLookDown{n}": (Term("CTRL_C_eye.ty", 1.0, "neg"), Term(f"CTRL_{s}_eye.ty", 1.0, "neg")),
        f"eyeLookIn{n}": (Term("CTRL_C_eye.tx", 1.0, in_sign), Term(f"CTRL_{s}_eye.tx", 1.0, in_sign)),
        f"eyeLookOut{n}": (Term("CTRL_C_eye.tx", 1.0, out_sign), Term(f"CTRL_{s}_eye.tx", 1.0, out_sign)),
        f"eyeLookUp{n}": (Term("CTRL_C_eye.ty", 1.0, "pos"), Term(f"CTRL_{s}_eye.ty", 1.0, "pos")),
        f"eyeSquint{n}": (Term(f"CTRL_{s}_eye_squintInner.ty"), Term(f"CTRL_{s}_eye_lidPress.ty", 0.5)),
        f"eyeWide{n}": (Term(f"CTRL_{s}_eye_blink.ty", 1.0, "neg"),),
        f"mouthSmile{n}": (Term(f"CTRL_{s}_mouth_cornerPull.ty"), Term(f"CTRL_{s}_mouth_sharpCornerPull.ty", 0.5),
                           Term(f"CTRL_{s}_mouth_corner.ty", 0.5, "pos")),
        f"mouthFrown{n}": (Term(f"CTRL_{s}_mouth_cornerDepress.ty"), Term(f"CTRL_{s}_mouth_corner.ty", 0.5, "neg")),
        f"mouthDimple{n}": (Term(f"CTRL_{s}_mouth_dimple.ty"),),
        f"mouthStretch{n}": (Term(f"CTRL_{s}_mouth_stretch.ty"), Term(f"CTRL_{s}_mouth_stretchLipsClose.ty", 0.5)),
        f"mouthPress{n}": (Term(f"CTRL_{s}_mouth_pressU.ty", 0.5), Term(f"CTRL_{s}_mouth_pressD.ty", 0.5),
                           Term(f"CTRL_{s}_mouth_lipsPressU.ty", 0.5)),
        f"mouthLowerDown{n}": (Term(f"CTRL_{s}_mouth_lowerLipDepress.ty"),),
        f"mouthUpperUp{n}": (Term(f"CTRL_{s}_mouth_upperLipRaise.ty"),),
        f"browDown{n}": (Term(f"CTRL_{s}_brow_down.ty"), Term(f"CTRL_{s}_brow_lateral.ty", 0.5)),
        f"browOuterUp{n}": (Term(f"CTRL_{s}_brow_raiseOut.ty"),),
        f"cheekSquint{n}": (Term(f"CTRL_{s}_eye_cheekRaise.ty"),),
        f"noseSneer{n}": (Term(f"CTRL_{s}_nose.ty", 1.0, "pos"), Term(f"CTRL_{s}_nose_wrinkleUpper.ty", 0.5),
                          Term(f"CTRL_{s}_eye_faceScrunch.ty", 0.5)),
    }


def _blendshape_rules() -> dict[str, tuple[Term, ...]]:
    rules = {**_side_rules("L", "Left"), **_side_rules("R", "Right")}
    rules.update({
        "jawForward": (Term("CTRL_C_jaw_fwdBack.ty", 1.0, "neg"),),
        "jawLeft": (Term("CTRL_C_jaw.tx", 1.0, "neg"),),
        "jawRight": (Term("CTRL_C_jaw.tx", 1.0, "pos"),),
        "jawOpen": (Term("CTRL_C_jaw.ty"), Term("CTRL_C_jaw_openExtreme.ty", 0.5)),
        "mouthClose": _sides("CTRL_{s}_mouth_lipsTogetherU.ty", 0.25) + _sides("CTRL_{s}_mouth_lipsTogetherD.ty", 0.25),
        "mouthFunnel": _sides("CTRL_{s}_mouth_funnelU.ty", 0.25) + _sides("CTRL_{s}_mouth_funnelD.ty", 0.25),
        "mouthPucker": _sides("CTRL_{s}_mouth_purseU.ty", 0.25) + _sides("CTRL_{s}_mouth_purseD.ty", 0.25),
        "mouthLeft": (Term("CTRL_C_mouth.tx", 1.0, "pos"),),
        "mouthRight": (Term("CTRL_C_mouth.tx", 1.0, "neg"),),
        "mouthRollLower": _sides("CTRL_{s}_mouth_lipsRollD.ty", 0.5) + _sides("CTRL_{s}_mouth_lipBiteD.ty", 0.5),
        "mouthRollUpper": _sides("CTRL_{s}_mouth_lipsRollU.ty", 0.5) + _sides("CTRL_{s}_mouth_lipBiteU.ty", 0.5),
        "mouthShrugLower": _sides("CTRL_{s}_jaw_ChinRaiseD.ty", 0.5),
        "mouthShrugUpper": _sides("CTRL_{s}_jaw_ChinRaiseU.ty", 0.5),
        "browInnerUp": _sides("CTRL_{s}_brow_raiseIn.ty", 0.5),
        "cheekPuff": _sides("CTRL_{s}_mouth_suckBlow.ty", 0.5) + _sides("CTRL_{s}_mouth_lipsBlow.ty", 0.25),
    })
    return rules


BLENDSHAPE_RULES: dict[str, tuple[Term, ...]] = _blendshape_rules()
"""ARKit blendshape -> terms (value clamped to [0, 1])."""

POSE_RULES: dict[str, tuple[tuple[Term, ...], float]] = {
    "leftEyeYaw": ((Term("CTRL_C_eye.tx", 1.0, "lin"), Term("CTRL_L_eye.tx", 1.0, "lin")), EYE_YAW_MAX_RAD),
    "leftEyePitch": ((Term("CTRL_C_eye.ty", 1.0, "lin"), Term("CTRL_L_eye.ty", 1.0, "lin")), EYE_PITCH_MAX_RAD),
    "rightEyeYaw": ((Term("CTRL_C_eye.tx", 1.0, "lin"), Term("CTRL_R_eye.tx", 1.0, "lin")), EYE_YAW_MAX_RAD),
    "rightEyePitch": ((Term("CTRL_C_eye.ty", 1.0, "lin"), Term("CTRL_R_eye.ty", 1.0, "lin")), EYE_PITCH_MAX_RAD),
}
"""Angle curve -> (linear terms in face-board units, radians per unit); clamped to +-that angle."""

NOT_REPRESENTABLE: dict[str, str] = {
    "tongueOut": "the face board has no tongue-protrusion control of confirmed sign (CTRL_C_tongue_inOut's "
                 "direction is unverified) and speech keeps the tongue behind the teeth; sent as 0",
    "headYaw": "the 174 controls hold no head rotation (the neck controls are muscle shapes); sent as 0",
    "headPitch": "the 174 controls hold no head rotation; sent as 0",
    "headRoll": "the 174 controls hold no head rotation; sent as 0",
    "leftEyeRoll": "eyes do not roll on the face board; sent as 0",
    "rightEyeRoll": "eyes do not roll on the face board; sent as 0",
}
"""Curves with no face-board source, and why."""


class ArkitMapper:
    """Vectorised form of the table for a given control layout.

    controls: the column names of the frames to map (any spelling the rig accepts);
    controls of the table missing from ``controls`` count as 0.
    """

    def __init__(self, controls: tuple[str, ...] | None = None):
        names = tuple(rig().ue_names) if controls is None else tuple(controls)
        column = {int(i): c for c, i in enumerate(rig().indices(names))}
        n = len(names)
        self.weights = {t: np.zeros((n, CURVE_COUNT), dtype=np.float64) for t in TRANSFORMS}  # (C, 61) each
        self.low = np.zeros(CURVE_COUNT, dtype=np.float64)
        self.high = np.ones(CURVE_COUNT, dtype=np.float64)
        for curve, terms in BLENDSHAPE_RULES.items():
            self._add(CURVE_NAMES.index(curve), terms, 1.0, column)
        for curve, (terms, scale_rad) in POSE_RULES.items():
            k = CURVE_NAMES.index(curve)
            self._add(k, terms, scale_rad, column)
            self.low[k], self.high[k] = -scale_rad, scale_rad
        for curve in NOT_REPRESENTABLE:
            k = CURVE_NAMES.index(curve)
            self.low[k] = self.high[k] = 0.0

    def _add(self, k: int, terms: tuple[Term, ...], scale: float, column: dict[int, int]) -> None:
        for term in terms:
            c = column.get(int(rig().index(term.control)))
            if c is not None:
                self.weights[term.transform][c, k] += term.weight * scale

    def apply(self, frames: np.ndarray) -> np.ndarray:
        """``(T, C)`` or ``(C,)`` control values -> ``(T, 61)`` or ``(61,)`` float32 curves."""
        x = np.asarray(frames, dtype=np.float64)
        out = (np.maximum(x, 0.0) @ self.weights["pos"] + np.maximum(-x, 0.0) @ self.weights["neg"]
               + x @ self.weights["lin"])
        return np.clip(out, self.low, self.high).astype(np.float32)


@cache
def default_mapper() -> ArkitMapper:
    """The mapper for full 174-control frames in rig order."""
    return ArkitMapper()


def to_arkit(frames: np.ndarray) -> np.ndarray:
    """``(T, 174)`` (rig order) -> ``(T, 61)`` Live Link Face curves in :data:`CURVE_NAMES` order."""
    return default_mapper().apply(frames)


def check_table() -> None:
    """Raise if the table misses a curve, names an unknown curve/control or an unknown transform."""
    covered = set(BLENDSHAPE_RULES) | set(POSE_RULES) | set(NOT_REPRESENTABLE)
    if covered != set(CURVE_NAMES) or set(BLENDSHAPE_RULES) & set(NOT_REPRESENTABLE):
        raise RuntimeError(f"mapping table out of step with the packet's curves: {sorted(covered ^ set(CURVE_NAMES))}")
    if not set(BLENDSHAPE_RULES) <= set(ARKIT_BLENDSHAPES) or not set(POSE_RULES) <= set(POSE_CURVES):
        raise RuntimeError("a blendshape rule names an angle curve or the reverse")
    for terms in [*BLENDSHAPE_RULES.values(), *(t for t, _ in POSE_RULES.values())]:
        for term in terms:
            rig().index(term.control)
            if term.transform not in TRANSFORMS:
                raise RuntimeError(f"unknown transform {term.transform!r} for {term.control}")


def table_markdown() -> str:
    """The mapping table as Markdown (generated into ``docs/livelink_face.md``)."""
    lines = ["| # | curve | face-board terms | clamp |", "|---|---|---|---|"]
    for k, curve in enumerate(CURVE_NAMES):
        if curve in BLENDSHAPE_RULES:
            terms, clamp = BLENDSHAPE_RULES[curve], "[0, 1]"
        elif curve in POSE_RULES:
            terms, scale = POSE_RULES[curve]
            clamp = f"x {scale:g} rad, [-{scale:g}, {scale:g}]"
        else:
            lines.append(f"| {k} | `{curve}` | not representable: {NOT_REPRESENTABLE[curve]} | 0 |")
            continue
        text = " + ".join(f"{t.weight:g} * {t.transform}(`{rig().controls[rig().index(t.control)].ue_name}`)"
                          for t in terms)
        lines.append(f"| {k} | `{curve}` | {text} | {clamp} |")
    return "\n".join(lines) + "\n"


def unused_controls() -> tuple[str, ...]:
    """Face-board controls (Unreal names, rig order) that no curve reads: the detail lost."""
    used = {rig().index(t.control) for terms in BLENDSHAPE_RULES.values() for t in terms}
    used |= {rig().index(t.control) for terms, _ in POSE_RULES.values() for t in terms}
    return tuple(c.ue_name for c in rig().controls if c.index not in used)


__all__ = ["ArkitMapper", "BLENDSHAPE_RULES", "NOT_REPRESENTABLE", "POSE_RULES", "Term", "check_table",
           "default_mapper", "table_markdown", "to_arkit", "unused_controls"]
