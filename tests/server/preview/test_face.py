"""Controls -> drawing parameters -> shapes: each control moves the part it should, the right way."""
import numpy as np
import pytest

from model.rig import rig
from server.preview.face_geometry import EYE_Y, MOUTH_Y, eye_shapes, face_shapes, mouth_shapes
from server.preview.face_params import FaceParams, neutral_frames, pose
from server.preview.movie import resample_frames


def params(values):
    return FaceParams.from_frames(pose(values))


def test_params_shape_and_sides():
    p = FaceParams.from_frames(neutral_frames(7))
    assert p.num_frames == 7 and p.blink.shape == (7, 2) and p.jaw_open.shape == (7,)
    left_only = params({"CTRL_L_eye_blink.ty": 1.0})
    assert left_only.blink[0, 0] == 1.0 and left_only.blink[0, 1] == 0.0
    assert params({"CTRL_C_jaw.ty": 0.5}).frame(0).jaw_open[0] == pytest.approx(0.5)


def test_params_reject_wrong_width():
    with pytest.raises(ValueError, match="174"):
        FaceParams.from_frames(np.zeros((3, 10)))


def test_jaw_opens_the_lips_monotonically():
    gaps = []
    for jaw in (0.0, 0.2, 0.5, 0.9):
        m = mouth_shapes(params({"CTRL_C_jaw.ty": jaw}), 0)
        inner_u, inner_d = m.upper_lip[25:][::-1, 1], m.lower_lip[:25, 1]
        gaps.append(float(np.max(inner_d - inner_u)))
        assert (m.interior is None) == (jaw == 0.0)
    assert all(b > a + 5 for a, b in zip(gaps, gaps[1:]))


def test_lips_together_keep_mouth_closed_while_jaw_opens(poses):
    open_ = mouth_shapes(params(poses["open_vowel"]), 0)
    bilabial = mouth_shapes(params(poses["bilabial"]), 0)
    assert open_.interior is not None
    closed_gap = 0.0 if bilabial.interior is None else float(np.ptp(bilabial.interior[:, 1]))
    assert closed_gap < 2.0 < float(np.ptp(open_.interior[:, 1])) / 10


def test_smile_lifts_corners_and_frown_drops_them(poses):
    rest = mouth_shapes(params({}), 0).corners[:, 1]
    smile = mouth_shapes(params(poses["smile"]), 0).corners[:, 1]
    frown = mouth_shapes(params(poses["frown"]), 0).corners[:, 1]
    assert np.all(smile < rest - 15) and np.all(frown > rest + 15)  # y grows downwards
    assert np.allclose(rest, MOUTH_Y)


def test_purse_narrows_the_mouth():
    rest = mouth_shapes(params({}), 0).corners[:, 0]
    purse = mouth_shapes(params({f"CTRL_{s}_mouth_purse{d}.ty": 0.9 for s in "LR" for d in "UD"}), 0).corners[:, 0]
    assert np.ptp(purse) < 0.8 * np.ptp(rest)


def test_blink_closes_from_above_and_squint_from_below(poses):
    rest = eye_shapes(params({}), 0, 0)
    blink = eye_shapes(params(poses["blink"]), 0, 0)
    squint = eye_shapes(params(poses["squint"]), 0, 0)
    assert not rest.closed and blink.closed and not squint.closed
    assert blink.opening is None
    assert np.allclose(blink.upper[:, 1], rest.lower[:, 1])  # the upper lid came down onto the lower lid
    assert squint.lower[8, 1] < rest.lower[8, 1] - 10  # lower lid rises
    assert squint.upper[8, 1] > rest.upper[8, 1] and squint.upper[8, 1] < EYE_Y  # upper lid only a little
    assert squint.squint_line is not None and rest.squint_line is None


def test_wide_eyes_open_further(poses):
    rest = eye_shapes(params({}), 0, 1)
    wide = eye_shapes(params(poses["wide"]), 0, 1)
    assert wide.upper[8, 1] < rest.upper[8, 1] - 8


def test_gaze_moves_both_irises_the_same_way(poses):
    right = face_shapes(params(poses["look_right"]), 0)
    left = face_shapes(params(poses["look_left"]), 0)
    for side in (0, 1):
        assert right.eyes[side].iris_xy[0] > left.eyes[side].iris_xy[0] + 30


def test_sided_control_moves_only_its_side():
    p = params({"CTRL_L_brow_raiseOut.ty": 1.0})
    rest = params({})
    moved = face_shapes(p, 0).brows
    still = face_shapes(rest, 0).brows
    assert np.all(moved[0][:, 0] > 500) and np.max(still[0][:, 1] - moved[0][:, 1]) > 30
    assert np.allclose(moved[1], still[1])


@pytest.mark.parametrize("to_fps,expected", [(60, 90), (30, 45), (24, 36), (120, 180)])
def test_resample_frames_length_and_endpoints(to_fps, expected):
    frames = np.linspace(0, 1, 90, dtype=np.float32)[:, None] * np.ones((1, 174), np.float32)
    out = resample_frames(frames, 60, to_fps)
    assert out.shape == (expected, 174)
    assert out[0, 0] == 0.0
    assert np.all(np.diff(out[:, 0]) >= 0)  # linear interpolation keeps a ramp monotonic
    if to_fps == 30:
        assert np.allclose(out[:, 0], frames[::2, 0])


def test_every_control_name_the_face_reads_exists():
    """FaceParams looks every control up by name: a rest frame with all controls set must work."""
    full = np.tile(rig().range_max.astype(np.float32), (2, 1))
    p = FaceParams.from_frames(full)
    shapes = face_shapes(p, 1)
    assert np.all(np.isfinite(shapes.head)) and np.all(np.isfinite(shapes.mouth.upper_lip))


def test_rounded_mouth_is_a_ring():
    """Purse + funnel with a little jaw: the hole is narrower than the lips around it."""
    values = {"CTRL_C_jaw.ty": 0.25, **{f"CTRL_{s}_mouth_{c}.ty": 0.8 for s in "LR"
                                        for c in ("purseU", "purseD", "funnelU", "funnelD")}}
    m = mouth_shapes(params(values), 0)
    flat = mouth_shapes(params({"CTRL_C_jaw.ty": 0.25}), 0)
    assert m.interior is not None and flat.interior is not None
    ring = np.ptp(m.interior[:, 0]) / np.ptp(m.upper_lip[:, 0])
    assert ring < 0.75 and np.ptp(flat.interior[:, 0]) / np.ptp(flat.upper_lip[:, 0]) > 0.95


def test_out_of_range_values_are_clipped_to_the_rig_range():
    wild = params({"CTRL_C_jaw.ty": 7.0, "CTRL_L_eye_blink.ty": -5.0})
    sane = params({"CTRL_C_jaw.ty": 1.0, "CTRL_L_eye_blink.ty": -1.0})
    assert wild.jaw_open[0] == sane.jaw_open[0] and wild.blink[0, 0] == -1.0
