"""Face-board controls -> a few named facial parameters the preview face is drawn from.

The 174 controls are reduced to the handful of quantities a front-view cartoon can show
(jaw opening, lip gap, corner height, rounding, lid openings, brow heights, gaze...).
Every control is looked up by name through :func:`model.rig.rig`; nothing here knows an index.

Sided parameters are ``(T, 2)`` arrays, column 0 = the character's left side (drawn on the
image's right, as in a mirror-less front view), column 1 = the character's right side.
Values are unitless, mostly 0..1 like the controls they come from.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from model.rig import rig

SIDES = ("L", "R")


def _col(full: np.ndarray, name: str) -> np.ndarray:
    """``(T,)`` values of one control (UE or dataset name)."""
    return full[:, rig().index(name)]


def _sided(full: np.ndarray, stem: str) -> np.ndarray:
    """``(T, 2)`` values of ``CTRL_L_<stem>`` and ``CTRL_R_<stem>``."""
    return np.stack([_col(full, f"CTRL_{s}_{stem}") for s in SIDES], axis=1)


def _pair(full: np.ndarray, stem_u: str, stem_d: str) -> tuple[np.ndarray, np.ndarray]:
    """Upper and lower ``(T, 2)`` values of a U/D control pair."""
    return _sided(full, stem_u), _sided(full, stem_d)


@dataclass(frozen=True)
class FaceParams:
    """Per-frame drawing parameters for ``T`` frames (all float32).

    Centre ``(T,)``: jaw_open (0 closed .. ~1.3 with openExtreme), jaw_side (-1..1, + = image right),
    jaw_forward, mouth_shift_x / mouth_shift_y (whole mouth, -1..1), tongue_up, tongue_out (0..1),
    tongue_side (-1..1), teeth_show_u / teeth_show_d (lips drawn back from the teeth, 0..1).
    Sided ``(T, 2)``: corner_up (pull/corner.ty minus depress, -1..1), corner_out (width change,
    -1..1), round_u / round_d (purse+funnel, 0..1), funnel (0..1), together_u / together_d (lips held
    closed while the jaw opens, 0..1), lip_raise_u (upper lip raiser), lip_depress_d (lower lip
    depressor), lip_press (0..1), roll_u / roll_d (lips rolled in, -1..1), thick_u / thick_d,
    blink (-1 wide .. 1 closed), lid_u (eyelidU, + = raised), lid_d (eyelidD, + = raised), squint
    (squintInner + lidPress, 0..1), cheek (cheekRaise, 0..1), scrunch (faceScrunch), brow_in,
    brow_out, brow_down, brow_lateral (0..1), gaze_x / gaze_y (-1..1, + = image right / up),
    pupil (-1 small .. 1 dilated), nose_wrinkle, nose_up, nasolabial (0..1), dimple.
    """

    jaw_open: np.ndarray
    jaw_side: np.ndarray
    jaw_forward: np.ndarray
    mouth_shift_x: np.ndarray
    mouth_shift_y: np.ndarray
    tongue_up: np.ndarray
    tongue_out: np.ndarray
    tongue_side: np.ndarray
    teeth_show_u: np.ndarray
    teeth_show_d: np.ndarray
    corner_up: np.ndarray
    corner_out: np.ndarray
    round_u: np.ndarray
    round_d: np.ndarray
    funnel: np.ndarray
    together_u: np.ndarray
    together_d: np.ndarray
    lip_raise_u: np.ndarray
    lip_depress_d: np.ndarray
    lip_press: np.ndarray
    roll_u: np.ndarray
    roll_d: np.ndarray
    thick_u: np.ndarray
    thick_d: np.ndarray
    blink: np.ndarray
    lid_u: np.ndarray
    lid_d: np.ndarray
    squint: np.ndarray
    cheek: np.ndarray
    scrunch: np.ndarray
    brow_in: np.ndarray
    brow_out: np.ndarray
    brow_down: np.ndarray
    brow_lateral: np.ndarray
    gaze_x: np.ndarray
    gaze_y: np.ndarray
    pupil: np.ndarray
    nose_wrinkle: np.ndarray
    nose_up: np.ndarray
    nasolabial: np.ndarray
    dimple: np.ndarray

    @property
    def num_frames(self) -> int:
        return int(self.jaw_open.shape[0])

    def frame(self, t: int) -> FaceParams:
        """The parameters of frame ``t`` only (arrays of length 1 on the frame axis)."""
        return FaceParams(**{f.name: getattr(self, f.name)[t:t + 1] for f in fields(self)})

    @classmethod
    def from_frames(cls, full: np.ndarray) -> FaceParams:
        """Parameters from ``(T, 174)`` control values in rig order (see ``Animation.full()``),
        clipped to each control's range first."""
        full = np.asarray(full, dtype=np.float32)
        if full.ndim != 2 or full.shape[1] != len(rig()):
            raise ValueError(f"expected (T, {len(rig())}) control values, got {full.shape}")
        full = rig().clamp(full).astype(np.float32)  # out-of-range values would only distort the drawing
        return cls(**_centre_params(full), **_mouth_params(full), **_eye_params(full), **_brow_nose_params(full))


def _centre_params(full: np.ndarray) -> dict[str, np.ndarray]:
    """Jaw, whole-mouth shift, tongue and teeth visibility ``(T,)``."""
    c = lambda name: _col(full, name)  # noqa: E731
    s = lambda stem: _sided(full, stem)  # noqa: E731
    return dict(
        jaw_open=np.maximum(c("CTRL_C_jaw.ty"), 0) + 0.35 * np.maximum(c("CTRL_C_jaw_openExtreme.ty"), 0),
        jaw_side=c("CTRL_C_jaw.tx"),
        jaw_forward=c("CTRL_C_jaw_fwdBack.ty"),
        mouth_shift_x=c("CTRL_C_mouth.tx"),
        mouth_shift_y=c("CTRL_C_mouth.ty"),
        tongue_up=np.clip(c("CTRL_C_tongue.ty") + 0.5 * c("CTRL_C_tongue_tip.ty"), -1, 1),
        tongue_out=np.clip(c("CTRL_C_tongue_inOut.ty"), 0, 1),
        tongue_side=c("CTRL_C_tongue.tx"),
        teeth_show_u=np.clip(s("mouth_upperLipRaise.ty").mean(1) * 0.6 + s("mouth_cornerPull.ty").mean(1) * 0.3, 0, 1),
        teeth_show_d=np.clip(s("mouth_lowerLipDepress.ty").mean(1), 0, 1),
    )


def _mouth_params(full: np.ndarray) -> dict[str, np.ndarray]:
    """Lip corners, rounding, closure and lip shape ``(T, 2)``."""
    s = lambda stem: _sided(full, stem)  # noqa: E731
    purse_u, purse_d = _pair(full, "mouth_purseU.ty", "mouth_purseD.ty")
    funnel_u, funnel_d = _pair(full, "mouth_funnelU.ty", "mouth_funnelD.ty")
    corner_up = (s("mouth_cornerPull.ty") * 0.8 + s("mouth_corner.ty") * 0.6
                 + s("mouth_sharpCornerPull.ty") * 0.4 - s("mouth_cornerDepress.ty") * 0.9
                 - s("mouth_stretch.ty") * 0.15)
    corner_out = (s("mouth_cornerPull.ty") * 0.35 + s("mouth_stretch.ty") * 0.45 + s("mouth_dimple.ty") * 0.15
                  + s("mouth_corner.tx") * 0.3 - np.maximum(purse_u, purse_d) * 0.7
                  - np.maximum(funnel_u, funnel_d) * 0.4 - s("mouth_tightenU.ty") * 0.1)
    return dict(
        corner_up=np.clip(corner_up, -1, 1),
        corner_out=np.clip(corner_out, -1, 1),
        round_u=np.clip(purse_u + funnel_u, 0, 1),
        round_d=np.clip(purse_d + funnel_d, 0, 1),
        funnel=np.clip(0.5 * (funnel_u + funnel_d), 0, 1),
        together_u=np.clip(s("mouth_lipsTogetherU.ty") + 0.5 * s("mouth_stretchLipsClose.ty"), 0, 1),
        together_d=np.clip(s("mouth_lipsTogetherD.ty") + 0.5 * s("mouth_stretchLipsClose.ty"), 0, 1),
        lip_raise_u=np.clip(s("mouth_upperLipRaise.ty"), 0, 1),
        lip_depress_d=np.clip(s("mouth_lowerLipDepress.ty"), 0, 1),
        lip_press=np.clip(0.5 * (s("mouth_pressU.ty") + s("mouth_pressD.ty")) + 0.5 * s("mouth_lipsPressU.ty")
                          + 0.3 * (s("mouth_tightenU.ty") + s("mouth_tightenD.ty")), 0, 1),
        roll_u=s("mouth_lipsRollU.ty"),
        roll_d=s("mouth_lipsRollD.ty"),
        thick_u=s("mouth_thicknessU.ty"),
        thick_d=s("mouth_thicknessD.ty"),
        dimple=np.clip(s("mouth_dimple.ty"), 0, 1),
    )


def _eye_params(full: np.ndarray) -> dict[str, np.ndarray]:
    """Lids, squint, cheeks and gaze ``(T, 2)``."""
    s = lambda stem: _sided(full, stem)  # noqa: E731
    gaze_x = _col(full, "CTRL_C_eye.tx")[:, None] + s("eye.tx")
    gaze_y = _col(full, "CTRL_C_eye.ty")[:, None] + s("eye.ty")
    return dict(
        blink=s("eye_blink.ty"),
        lid_u=s("eye_eyelidU.ty"),
        lid_d=s("eye_eyelidD.ty"),
        squint=np.clip(s("eye_squintInner.ty") + 0.5 * s("eye_lidPress.ty"), 0, 1),
        cheek=np.clip(s("eye_cheekRaise.ty"), 0, 1),
        scrunch=np.clip(s("eye_faceScrunch.ty"), 0, 1),
        gaze_x=np.clip(gaze_x, -1, 1),
        gaze_y=np.clip(gaze_y, -1, 1),
        pupil=s("eye_pupil.ty"),
    )


def _brow_nose_params(full: np.ndarray) -> dict[str, np.ndarray]:
    """Brows, nose and nasolabial folds ``(T, 2)``."""
    s = lambda stem: _sided(full, stem)  # noqa: E731
    return dict(
        brow_in=np.clip(s("brow_raiseIn.ty"), 0, 1),
        brow_out=np.clip(s("brow_raiseOut.ty"), 0, 1),
        brow_down=np.clip(s("brow_down.ty"), 0, 1),
        brow_lateral=np.clip(s("brow_lateral.ty"), 0, 1),
        nose_wrinkle=np.clip(s("nose_wrinkleUpper.ty") + 0.5 * s("eye_faceScrunch.ty"), 0, 1),
        nose_up=s("nose.ty"),
        nasolabial=np.clip(s("nose_nasolabialDeepen.ty") + 0.5 * s("mouth_cornerPull.ty")
                           + 0.4 * s("mouth_upperLipRaise.ty"), 0, 1),
    )


def neutral_frames(num_frames: int = 1) -> np.ndarray:
    """``(T, 174)`` all-zero control values (the rest pose)."""
    return np.zeros((num_frames, len(rig())), dtype=np.float32)


def pose(values: dict[str, float]) -> np.ndarray:
    """``(1, 174)`` rest pose with some controls set, e.g. ``pose({"CTRL_C_jaw.ty": 0.8})``."""
    frame = neutral_frames(1)
    for name, value in values.items():
        frame[0, rig().index(name)] = value
    return frame
