"""dlib's 68-point face landmarks (from ``face-recognition-models``), loaded lazily.

``face_recognition_models``' ``__init__`` imports ``pkg_resources``, which current setuptools
lacks, so the model file is located with ``importlib.util.find_spec`` without importing it.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from model.errors import InputError
from model.files import package_data_path

INSTALL_HINT = "pip install 'emoface-bridge[blink]'"


def predictor_path() -> Path:
    return package_data_path("face_recognition_models", "models/shape_predictor_68_face_landmarks.dat",
                             f"the landmark model comes from face-recognition-models: {INSTALL_HINT}",
                             "face-recognition-models")


@cache
def _dlib_models():
    try:
        import dlib
    except ImportError:
        raise InputError(f"blink detection needs dlib: {INSTALL_HINT}") from None
    return dlib.get_frontal_face_detector(), dlib.shape_predictor(str(predictor_path()))


def face_landmarks(image: np.ndarray, upsample: int = 0) -> np.ndarray | None:
    """``(68, 2)`` landmarks of the largest face in an RGB or grey ``uint8`` image, or None."""
    detector, predictor = _dlib_models()
    img = np.ascontiguousarray(image)
    faces = detector(img, upsample)
    if len(faces) == 0:
        return None
    face = max(faces, key=lambda r: r.width() * r.height())
    shape = predictor(img, face)
    return np.array([(shape.part(i).x, shape.part(i).y) for i in range(68)], dtype=np.float64)
