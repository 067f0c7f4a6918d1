"""Missing audio is a manifest problem (reported before anything is baked), and the progress line counts
lines the way the final summary does."""
from __future__ import annotations

import io
import json

import pytest

from emoface_testing import emoface, encode_audio, speechlike
from server.bake.manifest import ManifestError
from server.bake.runner import BakeConfig, run_bake


def _manifest(tmp_path, rows):
    path = tmp_path / "m.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _audio(tmp_path, name, seconds=0.5):
    (tmp_path / name).write_bytes(encode_audio(speechlike(seconds), 16000))
    return name


def test_missing_audio_fails_the_manifest_before_baking(tmp_path, tiny_checkpoint):
    rows = [{"id": "ok", "audio": _audio(tmp_path, "ok.wav")}, {"id": "gone", "audio": "gone.wav"},
            {"id": "also_gone", "audio": "sub/x.flac"}]
    with pytest.raises(ManifestError, match=r"2 bad line\(s\): line 2: audio file not found: .*gone\.wav; "
                                            r"line 3: audio file not found: .*x\.flac"):
        run_bake(BakeConfig(_manifest(tmp_path, rows), tmp_path / "out", checkpoint=str(tiny_checkpoint)),
                 io.StringIO())
    assert not (tmp_path / "out" / "ok.json").exists()


def test_cli_exits_2_with_one_line_and_bakes_nothing(tmp_path, tiny_checkpoint):
    rows = [{"id": "ok", "audio": _audio(tmp_path, "ok.wav")}, {"id": "gone", "audio": "gone.wav"}]
    proc = emoface("bake", _manifest(tmp_path, rows), "-o", tmp_path / "out", "--checkpoint", tiny_checkpoint)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and "line 2: audio file not found" in lines[0], proc.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.json"))


def test_progress_line_counts_like_the_summary(tmp_path, tiny_checkpoint):
    (tmp_path / "bad.wav").write_bytes(b"RIFF garbage")
    rows = [{"id": "a", "audio": _audio(tmp_path, "a.wav")}, {"id": "b", "audio": _audio(tmp_path, "b.wav", 0.7)},
            {"id": "bad", "audio": "bad.wav"}]
    cfg = BakeConfig(_manifest(tmp_path, rows), tmp_path / "out", checkpoint=str(tiny_checkpoint))
    run_bake(cfg, io.StringIO())
    rows.append({"id": "c", "audio": _audio(tmp_path, "c.wav")})
    stream = io.StringIO()
    summary = run_bake(BakeConfig(_manifest(tmp_path, rows), tmp_path / "out", checkpoint=str(tiny_checkpoint)),
                       stream)
    last = stream.getvalue().strip().splitlines()[-1]
    assert summary.text().startswith("bake: 1 baked, 2 skipped (unchanged), 1 failed of 4 lines")
    assert last.startswith("bake: 4/4 lines (1 baked, 2 skipped, 1 failed), "), last
