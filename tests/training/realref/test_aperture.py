"""Inner-lip aperture: exact on a synthetic 68-point array, and on a face image through dlib if it finds one."""
from __future__ import annotations

import numpy as np
import pytest

from training.realref.aperture import inner_lip_aperture


def mouth_landmarks(gap: float, width: float = 40.0, cx: float = 100.0, cy: float = 150.0) -> np.ndarray:
    """68 points, all at the mouth centre except the inner lips: corners 60/64 ``width`` apart, the upper inner
    lip 61-63 ``gap / 2`` above the centre and the lower 65-67 ``gap / 2`` below."""
    pts = np.tile([cx, cy], (68, 1)).astype(float)
    pts[60], pts[64] = (cx - width / 2, cy), (cx + width / 2, cy)
    for k, dx in zip((61, 62, 63), (-10.0, 0.0, 10.0)):
        pts[k] = (cx + dx, cy - gap / 2)
    for k, dx in zip((67, 66, 65), (-10.0, 0.0, 10.0)):
        pts[k] = (cx + dx, cy + gap / 2)
    return pts


def test_known_gap_over_width():
    assert inner_lip_aperture(mouth_landmarks(10.0)) == pytest.approx(0.25)
    assert inner_lip_aperture(mouth_landmarks(0.0)) == pytest.approx(0.0)


def test_only_the_named_pairs_count_and_scale_cancels():
    pts = mouth_landmarks(8.0)
    pts[66] += (0, 6.0)  # the middle pair opens by 6 more: mean gap (8 + 14 + 8) / 3 = 10
    assert inner_lip_aperture(pts) == pytest.approx(10.0 / 40.0)
    assert inner_lip_aperture(pts * 3.0) == pytest.approx(10.0 / 40.0)
    pts[48:60] += 50.0  # outer lips do not matter
    assert inner_lip_aperture(pts) == pytest.approx(10.0 / 40.0)


def test_batches_and_nan():
    batch = np.stack([mouth_landmarks(4.0), np.full((68, 2), np.nan), mouth_landmarks(20.0)])
    out = inner_lip_aperture(batch)
    assert out[0] == pytest.approx(0.1) and np.isnan(out[1]) and out[2] == pytest.approx(0.5)


@pytest.mark.slow
def test_dlib_on_a_drawn_face_measures_an_open_mouth_wider():
    """A crude drawn face: dlib finds it or the test skips; if found, an open mouth must read wider."""
    pytest.importorskip("dlib")
    from skimage.draw import disk, ellipse

    from postfx.blink.landmarks import face_landmarks

    def face(open_px: int) -> np.ndarray:
        img = np.full((300, 300), 40, np.uint8)
        img[ellipse(150, 150, 110, 85, img.shape)] = 190
        for cx in (115, 185):
            img[ellipse(120, cx, 9, 16, img.shape)] = 30
            img[ellipse(100, cx, 4, 22, img.shape)] = 70
        img[ellipse(160, 150, 18, 8, img.shape)] = 150
        img[ellipse(205, 150, 6 + open_px, 32, img.shape)] = 120
        if open_px:
            img[ellipse(205, 150, open_px, 26, img.shape)] = 20
        img[disk((0, 0), 1, shape=img.shape)] = 0
        return img

    closed, opened = face_landmarks(face(0), upsample=1), face_landmarks(face(14), upsample=1)
    if closed is None or opened is None:
        pytest.skip("dlib finds no face in the drawn image")
    assert inner_lip_aperture(opened) > inner_lip_aperture(closed)
