"""Mapping invariants: coverage, sides, ranges, mirror symmetry, subsets."""
import numpy as np
import pytest

from model.rig import rig
from server.livelink_face.mapping import (BLENDSHAPE_RULES, EYE_YAW_MAX_RAD, NOT_REPRESENTABLE, POSE_RULES, ArkitMapper,
                                          check_table, to_arkit, unused_controls)
from server.livelink_face.packet import ARKIT_BLENDSHAPES, CURVE_NAMES

K = {name: k for k, name in enumerate(CURVE_NAMES)}


def _frame(**controls: float) -> np.ndarray:
    x = np.zeros(len(rig()), dtype=np.float32)
    for name, value in controls.items():
        x[rig().index(name)] = value
    return x


def _only(curves: np.ndarray) -> dict[str, float]:
    return {CURVE_NAMES[k]: round(float(v), 6) for k, v in enumerate(curves) if v != 0}


def test_every_curve_is_mapped_or_explained():
    check_table()
    for curve in CURVE_NAMES:
        assert (curve in BLENDSHAPE_RULES) + (curve in POSE_RULES) + (curve in NOT_REPRESENTABLE) == 1, curve
    assert all(len(reason) > 20 for reason in NOT_REPRESENTABLE.values())
    assert sum(c in BLENDSHAPE_RULES for c in ARKIT_BLENDSHAPES) >= 50


def test_rest_pose_maps_to_all_zero():
    assert not to_arkit(np.zeros((3, 174))).any()


def test_jaw_open():
    assert _only(to_arkit(_frame(**{"CTRL_C_jaw.ty": 0.4}))) == {"jawOpen": 0.4}


def test_left_blink_is_the_subjects_left():
    out = to_arkit(_frame(**{"CTRL_L_eye_blink.ty": 0.9}))
    assert out[K["eyeBlinkLeft"]] == pytest.approx(0.9) and out[K["eyeBlinkRight"]] == 0
    wide = to_arkit(_frame(**{"CTRL_R_eye_blink.ty": -0.5}))
    assert _only(wide) == {"eyeWideRight": 0.5}


def test_lip_corner_pull_is_a_smile_on_that_side():
    out = to_arkit(_frame(**{"CTRL_L_mouth_cornerPull.ty": 0.7}))
    assert _only(out) == {"mouthSmileLeft": 0.7}
    both = to_arkit(_frame(**{"CTRL_L_mouth_cornerPull.ty": 0.7, "CTRL_R_mouth_cornerPull.ty": 0.7}))
    assert both[K["mouthSmileLeft"]] == both[K["mouthSmileRight"]] > 0.69


def test_gaze_to_the_characters_left_is_out_for_left_eye_and_in_for_right_eye():
    out = to_arkit(_frame(**{"CTRL_C_eye.tx": 0.3, "CTRL_C_eye.ty": -0.2}))
    assert _only(out) == pytest.approx({
        "eyeLookOutLeft": 0.3, "eyeLookInRight": 0.3, "eyeLookDownLeft": 0.2, "eyeLookDownRight": 0.2,
        "leftEyeYaw": round(0.3 * EYE_YAW_MAX_RAD, 6), "rightEyeYaw": round(0.3 * EYE_YAW_MAX_RAD, 6),
        "leftEyePitch": round(-0.2 * POSE_RULES["leftEyePitch"][1], 6),
        "rightEyePitch": round(-0.2 * POSE_RULES["rightEyePitch"][1], 6)}, abs=1e-6)


def test_values_stay_in_range_for_any_rig_pose():
    rng = np.random.default_rng(0)
    frames = rng.uniform(rig().range_min, rig().range_max, (500, 174)).astype(np.float32)
    frames[::7] *= 5  # beyond the rig's ranges too
    out = to_arkit(frames)
    blend = [K[c] for c in ARKIT_BLENDSHAPES]
    assert out[:, blend].min() >= 0 and out[:, blend].max() <= 1
    for curve, (_, scale) in POSE_RULES.items():
        assert np.abs(out[:, K[curve]]).max() <= np.float32(scale)
    for curve in NOT_REPRESENTABLE:
        assert not out[:, K[curve]].any()
    assert out[:, K["jawOpen"]].std() > 0.1  # not a constant


def _swap_sides(names):
    def swap(n):
        for a, b in (("Left", "Right"), ("left", "right")):
            n = n.replace(a, "\0").replace(b, a).replace("\0", b)
        return n
    return [names.index(swap(n)) for n in names]


def test_mirror_symmetry():
    """Mirroring the face (left <-> right controls) swaps every Left/Right curve."""
    rng = np.random.default_rng(1)
    frames = rng.uniform(rig().range_min, rig().range_max, (200, 174)).astype(np.float32)
    frames[:, [c.index for c in rig().controls if c.axis == "tx"]] = 0  # sideways moves flip sign, not side
    names = list(CURVE_NAMES)
    mirrored = to_arkit(rig().mirror(frames))
    assert np.allclose(mirrored, to_arkit(frames)[:, _swap_sides(names)], atol=1e-6)


def test_subset_layout_equals_full_layout_with_zeros():
    names = ("CTRL_C_jaw.ty", "CTRL_R_mouth_cornerDepress.ty", "CTRL_L_brow_raiseIn-translateY")
    rng = np.random.default_rng(2)
    sub = rng.uniform(0, 1, (10, 3)).astype(np.float32)
    full = np.zeros((10, 174), dtype=np.float32)
    full[:, rig().indices(names)] = sub
    assert np.array_equal(ArkitMapper(names).apply(sub), to_arkit(full))


def test_detail_lost_is_listed():
    lost = unused_controls()
    assert "CTRL_C_tongue_inOut.ty" in lost and "CTRL_C_jaw.ty" not in lost
    assert 0 < len(lost) < 174
