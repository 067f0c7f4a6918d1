"""Inner-lip aperture from dlib's 68-point landmarks (0-based indices).

aperture = mean gap of the inner-lip pairs 61-67, 62-66, 63-65 / inner mouth width (60-64).
Dividing by the width makes it independent of the face's size in the picture; 0 = lips together.
"""
from __future__ import annotations

import numpy as np

INNER_LIP_PAIRS = ((61, 67), (62, 66), (63, 65))
"""Upper and lower inner-lip points facing each other."""
INNER_CORNERS = (60, 64)
"""Inner mouth corners."""


def inner_lip_aperture(landmarks: np.ndarray) -> np.ndarray:
    """``(..., 68, 2)`` landmarks -> ``(...)`` aperture (NaN where the landmarks are NaN or the width is 0)."""
    pts = np.asarray(landmarks, np.float64)
    if pts.shape[-2:] != (68, 2):
        raise ValueError(f"expected (..., 68, 2) landmarks, got shape {pts.shape}")
    upper = pts[..., [a for a, _ in INNER_LIP_PAIRS], :]
    lower = pts[..., [b for _, b in INNER_LIP_PAIRS], :]
    gap = np.linalg.norm(upper - lower, axis=-1).mean(axis=-1)
    width = np.linalg.norm(pts[..., INNER_CORNERS[0], :] - pts[..., INNER_CORNERS[1], :], axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(width > 0, gap / width, np.nan)
