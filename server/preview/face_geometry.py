"""Facial parameters of one frame -> 2-D shapes of a front-view face.

Coordinates are design units in a 1000 x 1000 box, x to the right, y down; the renderer
scales them to pixels. Side 0 (the character's left) is drawn at x > 500, side 1 at x < 500.
Every shape is an ``(N, 2)`` float array of points.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from server.preview.face_params import FaceParams

CENTRE_X = 500.0
SIDE_SIGN = (1.0, -1.0)  # side 0 (L) on the image's right

HEAD_CENTRE_Y, HEAD_HALF_W, HEAD_HALF_H = 470.0, 290.0, 370.0
JAW_DROP = 85.0  # chin drop at jaw_open = 1
EYE_X, EYE_Y, EYE_HALF_W, EYE_UP_H, EYE_LOW_H = 125.0, 430.0, 68.0, 34.0, 20.0
IRIS_R, PUPIL_R = 25.0, 10.0
BROW_Y, BROW_INNER_X, BROW_LEN = 345.0, 50.0, 160.0
MOUTH_Y, MOUTH_HALF_W = 690.0, 92.0
LIP_U, LIP_D = 19.0, 25.0
GAP_AT_FULL_JAW = 115.0  # lip opening at jaw_open = 1 with no lip hold

_U = np.linspace(-1.0, 1.0, 25)  # across the mouth: image left (side 1) .. image right (side 0)
_W_EYE = np.linspace(-1.0, 1.0, 17)  # across an eye
_ANGLES = np.linspace(0.0, 2 * np.pi, 73)[:-1]


@dataclass(frozen=True)
class EyeShapes:
    """One eye: ``upper``/``lower`` lid curves (same x samples), ``opening`` polygon (None when shut),
    iris centre and radius, pupil radius, ``crease`` line above the lid, ``squint`` line below (or None)."""

    upper: np.ndarray
    lower: np.ndarray
    opening: np.ndarray | None
    iris_xy: tuple[float, float]
    iris_r: float
    pupil_r: float
    crease: np.ndarray
    squint_line: np.ndarray | None
    closed: bool


@dataclass(frozen=True)
class MouthShapes:
    """Lips: ``upper_lip``/``lower_lip`` polygons, ``interior`` polygon between the inner edges (None when
    the lips touch), ``seam`` (lip line), teeth bands and tongue ellipse ``(x, y, rx, ry)`` in the interior,
    ``tongue_out`` ellipse over the lower lip (or None), corners ``(2, 2)`` (side 0, side 1)."""

    upper_lip: np.ndarray
    lower_lip: np.ndarray
    interior: np.ndarray | None
    seam: np.ndarray
    teeth_upper: np.ndarray
    teeth_lower: np.ndarray
    tongue: tuple[float, float, float, float]
    tongue_out: tuple[float, float, float, float] | None
    corners: np.ndarray


@dataclass(frozen=True)
class FaceShapes:
    """Everything drawn for one frame. ``lines`` are (points, darkness 0..1) creases and folds."""

    head: np.ndarray
    eyes: tuple[EyeShapes, EyeShapes]
    brows: tuple[np.ndarray, np.ndarray]
    mouth: MouthShapes
    cheeks: tuple[tuple[float, float, float, float, float], ...]  # (x, y, rx, ry, strength)
    nostrils: tuple[tuple[float, float, float, float], ...]
    nose: np.ndarray
    lines: tuple[tuple[np.ndarray, float], ...]


def _lerp(a, b, t):
    return a + (b - a) * t


def _side_curve(values: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Blend a sided value ``(2,)`` across ``u``: side 1 at u = -1, side 0 at u = +1."""
    w = (u + 1.0) * 0.5
    return values[1] * (1 - w) + values[0] * w


def head_outline(p: FaceParams, t: int) -> np.ndarray:
    """Head outline ``(72, 2)``; the lower half follows the jaw (drop and sideways shift)."""
    x = CENTRE_X + HEAD_HALF_W * np.cos(_ANGLES)
    s = np.sin(_ANGLES)
    y = HEAD_CENTRE_Y + HEAD_HALF_H * s
    lower = np.clip(s, 0, None) ** 2
    y = y + JAW_DROP * float(p.jaw_open[t]) * lower
    x = x + 25.0 * float(p.jaw_side[t]) * lower * (1 - 0.5 * np.abs(np.cos(_ANGLES)))
    narrow = 1.0 - 0.18 * lower  # a chin narrower than the cheeks
    x = CENTRE_X + (x - CENTRE_X) * narrow
    return np.stack([x, y], axis=1)


def eye_shapes(p: FaceParams, t: int, side: int) -> EyeShapes:
    """Lids, iris and creases of one eye; blink closes the upper lid down onto the lower lid,
    squint raises the lower lid (and draws a line under it)."""
    sign = SIDE_SIGN[side]
    ex, ey = CENTRE_X + sign * EYE_X, EYE_Y
    blink = float(p.blink[t, side])
    closure = float(np.clip(blink, 0, 1)) ** 1.2
    widen = max(-blink, 0.0)
    squint = float(p.squint[t, side])
    cheek = float(p.cheek[t, side])
    up_h = EYE_UP_H * (1 + 0.45 * widen + 0.3 * float(p.lid_u[t, side]) - 0.25 * squint
                       - 0.2 * float(p.scrunch[t, side]))
    low_h = EYE_LOW_H * (1 - 1.1 * squint - 0.45 * cheek - 0.6 * float(p.lid_d[t, side]) + 0.2 * widen)
    x = ex + _W_EYE * EYE_HALF_W
    skew = 1 + 0.15 * _W_EYE * sign  # the outer half of the upper lid is fuller
    upper_open = ey - up_h * np.clip(1 - _W_EYE ** 2, 0, None) ** 0.75 * skew
    lower = ey + low_h * (1 - _W_EYE ** 2)
    upper = _lerp(upper_open, lower, closure)
    gap = float(np.max(lower - upper))
    closed = gap < 1.5
    opening = None if closed else np.concatenate([np.stack([x, upper], 1), np.stack([x, lower], 1)[::-1]])
    gx, gy = float(p.gaze_x[t, side]), float(p.gaze_y[t, side])
    iris = (ex + gx * 0.45 * EYE_HALF_W, ey - 4 - gy * 0.45 * EYE_UP_H)
    pupil_r = PUPIL_R * (1 + 0.35 * float(p.pupil[t, side]))
    crease_y = ey - up_h * 1.25 - 8 - 10 * widen + 10 * closure
    crease = np.stack([x[3:-3], crease_y + (upper_open[3:-3] - ey) * 0.35], 1)
    squint_line = None
    if squint + 0.5 * cheek > 0.15:
        sy = lower + 10 + 6 * (1 - _W_EYE ** 2)
        squint_line = np.stack([x[2:-2], sy[2:-2]], 1)
    return EyeShapes(np.stack([x, upper], 1), np.stack([x, lower], 1), opening, iris, IRIS_R, pupil_r,
                     crease, squint_line, closed)


def brow_shape(p: FaceParams, t: int, side: int) -> np.ndarray:
    """Brow centre line ``(9, 2)`` from inner to outer end."""
    sign = SIDE_SIGN[side]
    k = np.linspace(0.0, 1.0, 9)
    lateral = float(p.brow_lateral[t, side])
    x = CENTRE_X + sign * (BROW_INNER_X - 18 * lateral + k * BROW_LEN)
    arch = -16 * np.sin(np.pi * np.clip(k * 0.9 + 0.1, 0, 1))
    raise_ = 45 * float(p.brow_in[t, side]) * (1 - k) ** 1.3 + 40 * float(p.brow_out[t, side]) * k ** 1.2
    down = 30 * float(p.brow_down[t, side]) * (1 - 0.5 * k) + 14 * lateral * (1 - k)
    y = BROW_Y + arch - raise_ + down
    return np.stack([x, y], 1)


def _lip_edges(p: FaceParams, t: int, u: np.ndarray, centre: np.ndarray) -> tuple[np.ndarray, ...]:
    """Inner and outer lip edges ``(len(u),)`` each: (inner_u, inner_d, outer_u, outer_d), y in design units."""
    jaw = float(p.jaw_open[t])
    rnd = _side_curve(0.5 * (p.round_u[t] + p.round_d[t]), u)
    prof = np.clip(1 - np.abs(u) ** 2, 0, None) ** (1.0 - 0.5 * rnd)  # rounder opening when rounded
    press = _side_curve(p.lip_press[t], u)
    opening = jaw * GAP_AT_FULL_JAW
    funnel = _side_curve(p.funnel[t], u)
    gap_u = (0.25 * opening * (1 - _side_curve(p.together_u[t], u)) + 18 * _side_curve(p.lip_raise_u[t], u)
             + 10 * funnel) * (1 - 0.8 * press)
    gap_d = (0.75 * opening * (1 - _side_curve(p.together_d[t], u)) + 20 * _side_curve(p.lip_depress_d[t], u)
             + 10 * funnel) * (1 - 0.8 * press)
    inner_u = centre - gap_u * prof
    inner_d = centre + gap_d * prof
    th_u = LIP_U * (1 + 0.35 * _side_curve(p.round_u[t], u) + 0.3 * _side_curve(p.thick_u[t], u)
                    - 0.6 * np.clip(_side_curve(p.roll_u[t], u), 0, 1) - 0.35 * press)
    th_d = LIP_D * (1 + 0.35 * _side_curve(p.round_d[t], u) + 0.3 * _side_curve(p.thick_d[t], u)
                    - 0.6 * np.clip(_side_curve(p.roll_d[t], u), 0, 1) - 0.35 * press)
    taper = np.clip(1 - 0.8 * u ** 2, 0.1, None)
    bow = 6 * np.exp(-(u / 0.12) ** 2)  # philtrum dip in the upper lip's outer edge
    outer_u = inner_u - np.clip(th_u, 3, None) * taper + bow
    outer_d = inner_d + np.clip(th_d, 3, None) * taper
    return inner_u, inner_d, outer_u, outer_d


def _teeth_and_tongue(p: FaceParams, t: int, mx: float, my: float, lower_lip_y: float):
    """Upper and lower teeth polygons ``(4, 2)``, tongue ellipse, and the tongue-out ellipse (or None)."""
    tw = 0.8 * MOUTH_HALF_W
    round_u, round_d = float(np.mean(p.round_u[t])), float(np.mean(p.round_d[t]))
    top_u = my - 12 - 10 * float(p.teeth_show_u[t])
    bottom_u = my + 10 - 24 * round_u  # lips pushed out (purse, funnel) hide the teeth
    teeth_upper = np.array([[mx - tw, top_u], [mx + tw, top_u], [mx + tw, bottom_u], [mx - tw, bottom_u]])
    low_y = my + 0.75 * float(p.jaw_open[t]) * GAP_AT_FULL_JAW  # the lower teeth ride on the jaw
    top_d = low_y - 6 + 16 * round_d
    teeth_lower = np.array([[mx - tw * 0.9, top_d], [mx + tw * 0.9, top_d],
                            [mx + tw * 0.9, low_y + 26], [mx - tw * 0.9, low_y + 26]])
    tx = mx + 20 * float(p.tongue_side[t])
    tongue = (tx, low_y + 14 - 35 * float(p.tongue_up[t]), 0.7 * MOUTH_HALF_W, 26.0)
    out = float(p.tongue_out[t])
    tongue_out = (tx, lower_lip_y + 25 * out, 35.0, 14 + 22 * out) if out > 0.15 else None
    return teeth_upper, teeth_lower, tongue, tongue_out


def mouth_shapes(p: FaceParams, t: int) -> MouthShapes:
    """Lips, opening, teeth and tongue. The lower lip follows the jaw unless the lips are held together;
    the corners move up (smile) or down (frown), out (stretch) or in (purse/funnel, which also shrinks
    the opening inside the lips to a rounder hole)."""
    u = _U
    jaw = float(p.jaw_open[t])
    mx = CENTRE_X + 40 * float(p.mouth_shift_x[t]) + 20 * float(p.jaw_side[t])
    my = MOUTH_Y - 25 * float(p.mouth_shift_y[t])
    half_w = MOUTH_HALF_W * (1 + 0.4 * p.corner_out[t]) * (1 - 0.08 * jaw)  # (2,) per side
    corner_y = my - 38 * p.corner_up[t] + 14 * jaw
    x = mx + np.where(u >= 0, u * half_w[0], u * half_w[1])
    rnd = _side_curve(0.5 * (p.round_u[t] + p.round_d[t]), u)
    x_in = mx + (x - mx) * (1 - 0.4 * rnd)  # a rounded mouth is a ring: the hole is narrower than the lips
    centre = my + (_side_curve(corner_y, u) - my) * np.abs(u) ** 1.7
    inner_u, inner_d, outer_u, outer_d = _lip_edges(p, t, u, centre)
    outer = lambda ys: np.stack([x, ys], 1)  # noqa: E731
    inner = lambda ys: np.stack([x_in, ys], 1)  # noqa: E731
    upper_lip = np.concatenate([outer(outer_u), inner(inner_u)[::-1]])
    lower_lip = np.concatenate([inner(inner_d), outer(outer_d)[::-1]])
    interior = None
    if float(np.max(inner_d - inner_u)) > 1.5:
        interior = np.concatenate([inner(inner_u), inner(inner_d)[::-1]])
    teeth_upper, teeth_lower, tongue, tongue_out = _teeth_and_tongue(p, t, mx, my, float(inner_d[len(u) // 2]))
    corners = np.array([[x[-1], centre[-1]], [x[0], centre[0]]])
    return MouthShapes(upper_lip, lower_lip, interior, inner(centre), teeth_upper, teeth_lower, tongue,
                       tongue_out, corners)


def _folds(p: FaceParams, t: int, mouth: MouthShapes) -> list[tuple[np.ndarray, float]]:
    """Nasolabial folds, forehead lines, brow furrows and nose wrinkles with their darkness."""
    lines: list[tuple[np.ndarray, float]] = []
    k = np.linspace(0, 1, 8)
    for side, sign in enumerate(SIDE_SIGN):
        strength = 0.1 + 0.9 * float(p.nasolabial[t, side])
        cx, cy = mouth.corners[side]
        start = np.array([CENTRE_X + sign * 62, 575.0 - 6 * float(p.nose_up[t, side])])
        end = np.array([cx + sign * 22, cy + 28])
        bulge = sign * (18 + 10 * float(p.cheek[t, side]))
        pts = np.stack([_lerp(start[0], end[0], k) + bulge * np.sin(np.pi * k), _lerp(start[1], end[1], k)], 1)
        lines.append((pts, strength))
        if float(p.dimple[t, side]) > 0.2:
            lines.append((np.array([[cx + sign * 12, cy - 10], [cx + sign * 16, cy + 8]]), float(p.dimple[t, side])))
    raise_ = float(np.mean(p.brow_in[t] + p.brow_out[t])) * 0.5
    if raise_ > 0.15:
        xs = np.linspace(CENTRE_X - 150, CENTRE_X + 150, 9)
        for row in range(3):
            y = 282 - row * 22 - 6 * np.cos(np.linspace(-1, 1, 9) * 1.2)
            lines.append((np.stack([xs, y], 1), min(1.0, raise_)))
    furrow = float(np.mean(p.brow_down[t] + p.brow_lateral[t])) * 0.5
    if furrow > 0.15:
        for sign in SIDE_SIGN:
            lines.append((np.array([[CENTRE_X + sign * 14, 330.0], [CENTRE_X + sign * 10, 385.0]]), min(1.0, furrow)))
    wrinkle = float(np.mean(p.nose_wrinkle[t]))
    if wrinkle > 0.15:
        for dy in (0.0, 14.0):
            lines.append((np.array([[CENTRE_X - 22, 462 + dy], [CENTRE_X, 456 + dy], [CENTRE_X + 22, 462 + dy]]),
                          min(1.0, wrinkle)))
    return lines


def face_shapes(p: FaceParams, t: int) -> FaceShapes:
    """All shapes of frame ``t`` of ``p``."""
    mouth = mouth_shapes(p, t)
    eyes = (eye_shapes(p, t, 0), eye_shapes(p, t, 1))
    brows = (brow_shape(p, t, 0), brow_shape(p, t, 1))
    cheeks = tuple((CENTRE_X + sign * 175, 575 - 30 * float(p.cheek[t, s]), 62.0, 40.0, float(p.cheek[t, s]))
                   for s, sign in enumerate(SIDE_SIGN))
    nostrils = tuple((CENTRE_X + sign * 26, 590 - 8 * float(p.nose_up[t, s]) - 4 * float(p.nose_wrinkle[t, s]),
                      13.0, 7.0) for s, sign in enumerate(SIDE_SIGN))
    nose = np.array([[CENTRE_X - 14, 440], [CENTRE_X - 20, 545], [CENTRE_X - 48, 580], [CENTRE_X - 30, 603],
                     [CENTRE_X, 610], [CENTRE_X + 30, 603], [CENTRE_X + 48, 580], [CENTRE_X + 20, 545]])
    nose[:, 1] -= 5 * float(np.mean(p.nose_up[t]))
    return FaceShapes(head_outline(p, t), eyes, brows, mouth, cheeks, nostrils, nose, tuple(_folds(p, t, mouth)))
