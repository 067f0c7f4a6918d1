"""Eye aspect ratio (EAR) from dlib's 68 facial landmarks.

EAR = (|p2 - p6| + |p3 - p5|) / (2 |p1 - p4|) for each eye's six points (1-based points 37-42
and 43-48 of the 68-point layout); open eyes give about 0.2-0.4, closed eyes near 0.
"""
from __future__ import annotations

import numpy as np

LEFT_EYE = slice(36, 42)  # 0-based indices of points 37-42
RIGHT_EYE = slice(42, 48)  # points 43-48


def eye_aspect_ratio(eye: np.ndarray) -> float:
    """EAR of one eye from its six ``(x, y)`` points in landmark order."""
    p = np.asarray(eye, dtype=np.float64)
    width = np.linalg.norm(p[0] - p[3])
    if width <= 0:
        return float("nan")
    return float((np.linalg.norm(p[1] - p[5]) + np.linalg.norm(p[2] - p[4])) / (2.0 * width))


def ear_from_landmarks(points: np.ndarray) -> tuple[float, float, float]:
    """(left, right, mean) EAR from ``(68, 2)`` landmarks."""
    left, right = eye_aspect_ratio(points[LEFT_EYE]), eye_aspect_ratio(points[RIGHT_EYE])
    return left, right, (left + right) / 2.0
