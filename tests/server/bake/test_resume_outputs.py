"""Bake resume when an output file is missing, truncated or foreign: the line is baked again and reported as baked."""
import json
import os
import shutil

import numpy as np
import pytest

from emoface_testing import encode_audio, speechlike
from server.bake.runner import BakeConfig, run_bake
from server.runtime.formats import read

FORMATS = ("json", "npz")


def _setup(tmp_path):
    rows = []
    for k in range(3):
        (tmp_path / f"a{k}.wav").write_bytes(encode_audio(speechlike(0.5 + 0.1 * k, 16000, seed=k), 16000))
        rows.append({"id": f"line_{k}", "audio": f"a{k}.wav", "emotion": ["happy", "sad", "fear"][k]})
    manifest = tmp_path / "m.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return manifest


def _bake(manifest, out, ckpt):
    with open(os.devnull, "w") as sink:
        return run_bake(BakeConfig(manifest, out, formats=FORMATS, checkpoint=str(ckpt)), stream=sink)


def _truncate(path, other):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _foreign(path, other):
    shutil.copyfile(other, path)  # another line's valid output of the same format


def _garbage(path, other):
    path.write_bytes(b"not an animation")


def _delete(path, other):
    path.unlink()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("damage", [_delete, _truncate, _foreign, _garbage])
def test_damaged_output_is_baked_again_and_reported_as_baked(tmp_path, tiny_checkpoint, damage, fmt):
    manifest, out = _setup(tmp_path), tmp_path / "out"
    assert _bake(manifest, out, tiny_checkpoint).count("done") == 3
    good = {f: (out / f"line_1.{f}").read_bytes() for f in FORMATS}
    damage(out / f"line_1.{fmt}", out / f"line_2.{fmt}")

    resumed = _bake(manifest, out, tiny_checkpoint)

    assert {k: r["status"] for k, r in resumed.records.items()} == {"line_0": "skipped", "line_1": "done",
                                                                     "line_2": "skipped"}
    assert "1 baked, 2 skipped" in resumed.text()
    report = json.loads((out / "bake_report.json").read_text())
    assert report["summary"]["done"] == 1 and report["lines"]["line_1"]["status"] == "done"
    assert (out / f"line_1.{fmt}").read_bytes() == good[fmt]  # seeded: the same bytes as the first bake
    assert read(out / f"line_1.{fmt}").num_frames == read(out / "line_1.json").num_frames > 0
    assert _bake(manifest, out, tiny_checkpoint).count("skipped") == 3  # and now it is current again


def test_damaged_marker_rebakes_the_line(tmp_path, tiny_checkpoint):
    manifest, out = _setup(tmp_path), tmp_path / "out"
    _bake(manifest, out, tiny_checkpoint)
    (out / ".bake" / "line_0.json").write_text('{"hash": ')  # killed while writing by hand, or edited
    (out / ".bake" / "line_2.json").unlink()
    resumed = _bake(manifest, out, tiny_checkpoint)
    assert {k for k, r in resumed.records.items() if r["status"] == "done"} == {"line_0", "line_2"}


def test_an_output_added_for_a_new_format_is_baked(tmp_path, tiny_checkpoint):
    """Asking for one more format changes the content hash: every line is baked again, none is skipped."""
    manifest, out = _setup(tmp_path), tmp_path / "out"
    with open(os.devnull, "w") as sink:
        run_bake(BakeConfig(manifest, out, formats=("json",), checkpoint=str(tiny_checkpoint)), stream=sink)
    again = _bake(manifest, out, tiny_checkpoint)
    assert again.count("done") == 3
    for k in range(3):
        assert np.allclose(read(out / f"line_{k}.npz").frames, read(out / f"line_{k}.json").frames, atol=1e-5)
