import numpy as np
import pytest

from model.errors import InputError
from model.rig import GROUPS, rig


def test_schema_has_174_unique_controls_in_order():
    r = rig()
    assert len(r) == 174
    assert len(set(r.names)) == 174 and len(set(r.ue_names)) == 174
    assert r.names[4] == "CTRL_C_jaw-translateY" and r.ue_names[4] == "CTRL_C_jaw.ty"


def test_lookup_by_dataset_unreal_and_newer_rig_names():
    r = rig()
    assert r.index("CTRL_C_jaw.ty") == r.index("CTRL_C_jaw-translateY")
    assert r.index("CTRL_C_tongue_move.tx") == r.index("CTRL_C_tongue.tx")
    assert r.index("CTRL_C_tongue_wideNarrow.ty") == r.index("CTRL_C_tongue_narrowWide.ty")
    assert r.index("ctrl_c_tongue_tipmove.ty") == r.index("CTRL_C_tongue_tip.ty")
    with pytest.raises(InputError, match="unknown control"):
        r.index("CTRL_C_nope.ty")


def test_groups_partition_the_controls():
    r = rig()
    all_idx = np.concatenate([r.group_indices(g) for g in GROUPS])
    assert sorted(all_idx.tolist()) == list(range(174))
    assert all(r.controls[i].group == "mouth" for i in r.group_indices("mouth"))
    with pytest.raises(InputError):
        r.group_indices("elbow")


def test_mirror_is_an_involution_that_swaps_sides():
    r = rig()
    x = np.random.default_rng(0).normal(size=(3, 174))
    assert np.array_equal(r.mirror(r.mirror(x)), x)
    left = r.index("CTRL_L_brow_down.ty")
    right = r.index("CTRL_R_brow_down.ty")
    assert r.mirror(x)[0, left] == x[0, right]
    for c in r.controls:
        if c.mirror_index is not None:
            assert {c.side, r.controls[c.mirror_index].side} == {"L", "R"}


def test_clamp_respects_every_range():
    r = rig()
    x = np.full((2, 174), 5.0)
    x[1] = -5.0
    y = r.clamp(x)
    assert np.array_equal(y[0], r.range_max) and np.array_equal(y[1], r.range_min)
    assert r.range_min[r.index("CTRL_C_jaw.ty")] == 0.0


def test_select_mixes_names_and_groups():
    r = rig()
    idx = r.select(["jaw", "CTRL_L_eye_blink.ty"])
    assert r.index("CTRL_L_eye_blink.ty") in idx and r.index("CTRL_C_jaw.ty") in idx
    assert list(idx) == sorted(set(idx))
    assert set(r.flagged("blink")) == {r.index("CTRL_L_eye_blink.ty"), r.index("CTRL_R_eye_blink.ty")}
