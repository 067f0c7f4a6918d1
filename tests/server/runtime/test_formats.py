import numpy as np
import pytest

from model.rig import rig
from server.runtime.animation import Animation
from server.runtime.formats import FORMATS, FormatError, read, write


def _anim(controls=None):
    names = controls or rig().names
    frames = np.random.default_rng(0).uniform(-1, 1, size=(25, len(names))).astype(np.float32)
    return Animation(frames, names, 60, {"seed": 3}, {"model_id": "m@1"}, {"keys": []}, (4, 17))


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_round_trips(tmp_path, fmt):
    anim = _anim()
    back = read(write(anim, tmp_path / f"a.{fmt}"))
    assert back.controls == anim.controls and back.fps == 60
    assert np.allclose(back.frames, anim.frames, atol=1e-6)
    if fmt in ("json", "npz"):
        assert back.options == {"seed": 3} and back.provenance["model_id"] == "m@1" and back.blinks == (4, 17)


def test_txt_is_the_emoface_dataset_layout(tmp_path):
    path = write(_anim(), tmp_path / "take.txt")
    lines = path.read_text().splitlines()
    assert len(lines) == 25
    values = lines[0].split(",")
    assert len(values) == 174 and all(len(v.split(".")[1]) == 6 for v in values)


def test_subset_output_and_txt_fills_missing_controls(tmp_path):
    sub = _anim().subset(["jaw"])
    assert sub.controls == tuple(rig().names[i] for i in rig().group_indices("jaw"))
    back = read(write(sub, tmp_path / "s.txt"))
    assert back.frames.shape == (25, 174)
    assert np.allclose(back.column("CTRL_C_jaw.ty"), sub.column("CTRL_C_jaw.ty"), atol=1e-6)
    assert np.all(back.column("CTRL_L_brow_down.ty") == 0)


def test_bad_paths_and_files(tmp_path):
    with pytest.raises(FormatError, match="unknown animation format"):
        write(_anim(), tmp_path / "a.fbx")
    (tmp_path / "bad.csv").write_text("CTRL_nope.ty\n1\n")
    with pytest.raises(Exception, match="unknown control"):
        read(tmp_path / "bad.csv")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(FormatError):
        read(tmp_path / "bad.json")


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path):
    write(_anim(), tmp_path / "a.json")
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
