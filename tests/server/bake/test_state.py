"""Bake state without a model: content hash, markers, output digests and leftovers (fast; used by mutmut)."""
import hashlib
import json
from pathlib import Path

import pytest

from model.emotion import EmotionTrack
from server.bake.state import (file_sha256, is_current, line_hash, marker_path, output_digests, output_paths,
                               remove_stale_temp_files, write_atomic, write_marker)

FORMATS = ("json", "npz")
HAPPY = EmotionTrack.parse("happy")


def _hash(audio=b"RIFFaudio", track=HAPPY, options=None, model="m@1", formats=FORMATS):
    return line_hash(audio, track, options or {"seed": 1}, model, formats)


def test_line_hash_changes_with_every_input_and_not_with_format_order():
    base = _hash()
    assert base == _hash() and len(base) == 64 and int(base, 16) >= 0
    assert base == _hash(formats=("npz", "json"))
    changed = [_hash(audio=b"RIFFaudiO"), _hash(track=EmotionTrack.parse("happy:0.9")), _hash(options={"seed": 2}),
               _hash(model="m@2"), _hash(formats=("json",))]
    assert len({base, *changed}) == 6


def test_line_hash_is_sha256_of_the_documented_fields():
    """Version "1", the audio's sha256, then the sorted JSON of emotion, options, model and sorted formats."""
    h = hashlib.sha256(b"1")
    h.update(hashlib.sha256(b"RIFFaudio").digest())
    h.update(json.dumps({"emotion": HAPPY.to_obj(), "options": {"seed": 1}, "model": "m@1",
                         "formats": ["json", "npz"]}, sort_keys=True).encode())
    assert _hash() == h.hexdigest()


def test_paths():
    out = Path("/o")
    assert output_paths(out, "a.b", FORMATS) == {"json": out / "a.b.json", "npz": out / "a.b.npz"}
    assert marker_path(out, "a.b") == out / ".bake" / "a.b.json"


def _finished(tmp_path, outputs=None, content_hash="h1"):
    outputs = outputs or {"json": b"{}", "npz": b"PK\x03\x04"}
    for fmt, path in output_paths(tmp_path, "x", tuple(outputs)).items():
        write_atomic(path, outputs[fmt])
    record = {"hash": content_hash, "frames": 3, "outputs": output_digests(outputs)}
    write_marker(tmp_path, "x", record)
    return record


def test_is_current_accepts_an_untouched_line_and_returns_its_marker(tmp_path):
    record = _finished(tmp_path)
    assert is_current(tmp_path, "x", "h1", FORMATS) == record
    assert is_current(tmp_path, "x", "h1", ("npz", "json")) == record


@pytest.mark.parametrize("damage", ["delete", "truncate", "edit", "swap", "dir"])
def test_is_current_rejects_a_damaged_output(tmp_path, damage):
    _finished(tmp_path)
    path = tmp_path / "x.npz"
    if damage == "delete":
        path.unlink()
    elif damage == "truncate":
        path.write_bytes(b"PK")
    elif damage == "edit":
        path.write_bytes(b"PK\x03\x05")
    elif damage == "swap":
        path.write_bytes((tmp_path / "x.json").read_bytes())
    else:
        path.unlink()
        path.mkdir()
    assert is_current(tmp_path, "x", "h1", FORMATS) is None
    assert file_sha256(path) is None if damage in ("delete", "dir") else file_sha256(path) is not None


@pytest.mark.parametrize("marker", [None, "", "{", "[]", '{"hash": "h2"}', '{"hash": "h1"}',
                                    '{"hash": "h1", "outputs": {"json": "0"}}',
                                    '{"hash": "h1", "outputs": []}'])
def test_is_current_rejects_a_missing_stale_or_malformed_marker(tmp_path, marker):
    _finished(tmp_path)
    if marker is None:
        marker_path(tmp_path, "x").unlink()
    else:
        marker_path(tmp_path, "x").write_text(marker)
    assert is_current(tmp_path, "x", "h1", FORMATS) is None


def test_is_current_rejects_other_formats_than_recorded(tmp_path):
    _finished(tmp_path)
    write_atomic(tmp_path / "x.csv", b"a\n")
    assert is_current(tmp_path, "x", "h1", ("json",)) is None
    assert is_current(tmp_path, "x", "h1", ("json", "npz", "csv")) is None


def test_output_digests_and_file_sha256_agree(tmp_path):
    digests = output_digests({"json": b"abc", "txt": b""})
    assert digests == {"json": hashlib.sha256(b"abc").hexdigest(), "txt": hashlib.sha256(b"").hexdigest()}
    write_atomic(tmp_path / "f.json", b"abc")
    assert file_sha256(tmp_path / "f.json") == digests["json"]
    assert file_sha256(tmp_path / "missing") is None


def test_write_marker_is_json_and_leaves_no_temp_files(tmp_path):
    write_marker(tmp_path, "x", {"hash": "h", "n": 1})
    assert json.loads(marker_path(tmp_path, "x").read_text()) == {"hash": "h", "n": 1}
    assert sorted(p.name for p in tmp_path.rglob("*")) == [".bake", "x.json"]


def test_remove_stale_temp_files_counts_and_keeps_the_rest(tmp_path):
    _finished(tmp_path)
    leftovers = [tmp_path / ".x.json.abc.tmp", tmp_path / ".bake" / ".x.json.def.tmp", tmp_path / ".y.npz.1.tmp"]
    for p in leftovers:
        p.write_bytes(b"partial")
    (tmp_path / "keep.tmp").write_bytes(b"not ours")  # no leading dot: not a bake temp file
    assert remove_stale_temp_files(tmp_path) == 3
    assert not any(p.exists() for p in leftovers) and (tmp_path / "keep.tmp").exists()
    assert is_current(tmp_path, "x", "h1", FORMATS) is not None
    assert remove_stale_temp_files(tmp_path) == 0
    assert remove_stale_temp_files(tmp_path / "nowhere") == 0
