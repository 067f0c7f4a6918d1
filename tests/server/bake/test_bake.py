"""`emoface bake`: manifests, outputs, skip/rebake, failures, reproducibility, kill and resume, Ray."""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from emoface_testing import EMOFACE, emoface, encode_audio, speechlike
from server.bake.manifest import ManifestError, default_seed, read_manifest
from server.bake.runner import BakeConfig, run_bake
from server.runtime.formats import FORMATS, read


def _make_lines(folder: Path, n: int, seconds=(0.6, 1.4)) -> list[dict]:
    rows = []
    rng = np.random.default_rng(0)
    for k in range(n):
        rate = [16000, 22050, 44100][k % 3]
        (folder / f"a{k}.wav").write_bytes(encode_audio(speechlike(float(rng.uniform(*seconds)), rate, seed=k), rate))
        rows.append({"id": f"line_{k:03d}", "audio": f"a{k}.wav", "emotion": ["happy:0.5", "sad", "angry:0.8"][k % 3]})
    return rows


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _bake(tmp_path, manifest, ckpt, **kw):
    cfg = BakeConfig(manifest, tmp_path / "out", checkpoint=str(ckpt), **kw)
    return run_bake(cfg, stream=open(os.devnull, "w"))


def test_manifest_csv_and_jsonl_parse_with_defaults(tmp_path):
    (tmp_path / "t.json").write_text(json.dumps([{"time": 0, "emotion": "fear"}]))
    (tmp_path / "m.csv").write_text('id,audio,emotion,seed,options\n'
                                    'a1,x.wav,,,\n'
                                    'a2,sub/y.wav,happy:0.4,7,"{""gaze"": {""enabled"": false}}"\n'
                                    'a3,z.wav,t.json,,\n')
    lines = read_manifest(tmp_path / "m.csv")
    assert [ln.line_id for ln in lines] == ["a1", "a2", "a3"]
    assert lines[0].emotion_spec == "neutral" and lines[0].options.seed == default_seed("a1")
    assert lines[1].options.seed == 7 and lines[1].options.postfx.gaze.enabled is False
    assert lines[1].audio == tmp_path / "sub/y.wav" and lines[2].track.keys[0].label == "fear"
    jl = _write_jsonl(tmp_path / "m.jsonl", [{"id": "b", "audio": "b.wav", "options": {"seed": 3}}])
    assert read_manifest(jl)[0].options.seed == 3


@pytest.mark.parametrize("body,message", [
    ("id,audio\n../evil,a.wav\n", "must be 1-128"),
    ("id,audio\na,x.wav\na,y.wav\n", "duplicate id"),
    ("id,audio,emotion\na,x.wav,joyful\n", "unknown emotion"),
    ("id,audio,colour\na,x.wav,red\n", "unknown field"),
    ("name,file\na,x.wav\n", "header row"),
    ("id,audio,seed\na,x.wav,abc\n", "seed must be an integer"),
    ("id,audio,options\na,x.wav,{bad\n", "options must be a JSON object"),
    ("id,audio\n", "no lines"),
])
def test_manifest_errors_name_the_line(tmp_path, body, message):
    (tmp_path / "m.csv").write_text(body)
    with pytest.raises(ManifestError, match=message):
        read_manifest(tmp_path / "m.csv")


def test_every_format_written_and_read_back_and_report(tmp_path, tiny_checkpoint):
    rows = _make_lines(tmp_path, 3)
    summary = _bake(tmp_path, _write_jsonl(tmp_path / "m.jsonl", rows), tiny_checkpoint, formats=FORMATS)
    assert summary.count("done") == 3
    for row in rows:
        frames = {fmt: read(tmp_path / "out" / f"{row['id']}.{fmt}").full() for fmt in FORMATS}
        assert all(np.allclose(frames["json"], f, atol=1e-5) for f in frames.values())
    report = json.loads((tmp_path / "out" / "bake_report.json").read_text())
    assert report["finished"] and report["summary"]["done"] == 3
    rec = report["lines"]["line_000"]
    assert rec["frames"] > 0 and rec["audio_s"] > 0 and rec["time_s"] > 0 and rec["error"] is None
    assert not list((tmp_path / "out").rglob("*.tmp"))


def test_skip_unchanged_and_rebake_on_change(tmp_path, tiny_checkpoint):
    rows = _make_lines(tmp_path, 3)
    manifest = _write_jsonl(tmp_path / "m.jsonl", rows)
    assert _bake(tmp_path, manifest, tiny_checkpoint).count("done") == 3
    first = (tmp_path / "out" / "line_001.json").read_bytes()
    again = _bake(tmp_path, manifest, tiny_checkpoint)
    assert again.count("skipped") == 3 and again.count("done") == 0
    rows[0]["emotion"] = "surprise"  # emotion change
    (tmp_path / "a1.wav").write_bytes(encode_audio(speechlike(1.0, 16000, seed=99), 16000))  # audio change
    changed = _bake(tmp_path, _write_jsonl(manifest, rows), tiny_checkpoint)
    assert {k for k, r in changed.records.items() if r["status"] == "done"} == {"line_000", "line_001"}
    assert (tmp_path / "out" / "line_001.json").read_bytes() != first
    rows[2]["options"] = {"blink": {"enabled": False}}  # option change
    assert _bake(tmp_path, _write_jsonl(manifest, rows), tiny_checkpoint).count("done") == 1
    assert _bake(tmp_path, manifest, tiny_checkpoint, force=True).count("done") == 3


def test_a_bad_line_fails_alone(tmp_path, tiny_checkpoint):
    rows = _make_lines(tmp_path, 2)
    (tmp_path / "bad.wav").write_bytes(b"RIFF garbage")
    rows += [{"id": "corrupt", "audio": "bad.wav"}]
    summary = _bake(tmp_path, _write_jsonl(tmp_path / "m.jsonl", rows), tiny_checkpoint)
    assert summary.count("done") == 2 and summary.count("failed") == 1
    assert "cannot decode" in summary.records["corrupt"]["error"]
    assert not (tmp_path / "out" / "corrupt.json").exists()


@pytest.mark.slow
def test_cli_exit_codes(tmp_path, tiny_checkpoint):
    rows = _make_lines(tmp_path, 1)
    ok = emoface("bake", _write_jsonl(tmp_path / "m.jsonl", rows), "-o", tmp_path / "o", "--checkpoint",
                 tiny_checkpoint)
    assert ok.returncode == 0, ok.stderr
    assert "1 baked, 0 skipped" in ok.stdout
    (tmp_path / "bad.wav").write_bytes(b"RIFF garbage")
    rows.append({"id": "bad", "audio": "bad.wav"})
    failed = emoface("bake", _write_jsonl(tmp_path / "m.jsonl", rows), "-o", tmp_path / "o", "--checkpoint",
                     tiny_checkpoint)
    assert failed.returncode == 1 and "failed bad" in failed.stderr
    usage = emoface("bake", tmp_path / "nope.csv", "-o", tmp_path / "o")
    assert usage.returncode == 2 and "manifest not found" in usage.stderr


def test_seeded_output_identical_across_runs_and_worker_counts(tmp_path, tiny_checkpoint):
    rows = _make_lines(tmp_path, 4)
    manifest = _write_jsonl(tmp_path / "m.jsonl", rows)
    one = run_bake(BakeConfig(manifest, tmp_path / "one", checkpoint=str(tiny_checkpoint)), open(os.devnull, "w"))
    two = run_bake(BakeConfig(manifest, tmp_path / "two", workers=2, checkpoint=str(tiny_checkpoint)),
                   open(os.devnull, "w"))
    assert one.count("done") == two.count("done") == 4
    for row in rows:
        a = read(tmp_path / "one" / f"{row['id']}.json")
        b = read(tmp_path / "two" / f"{row['id']}.json")
        assert np.array_equal(a.frames, b.frames) and a.options["seed"] == default_seed(row["id"])


@pytest.mark.slow
def test_killed_bake_resumes_with_every_line_once(tmp_path, tiny_checkpoint):
    rows = _make_lines(tmp_path, 24, seconds=(2.0, 3.0))
    manifest = _write_jsonl(tmp_path / "m.jsonl", rows)
    out = tmp_path / "out"
    args = ["bake", str(manifest), "-o", str(out), "--format", "json", "--format", "npz", "--checkpoint",
            str(tiny_checkpoint)]
    proc = subprocess.Popen([*EMOFACE, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # to be killed
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and len(list((out / ".bake").glob("*.json"))) < 5:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    done_before = {p.stem for p in (out / ".bake").glob("*.json")}
    assert 5 <= len(done_before) < 24, "the bake was not interrupted mid-way"
    resumed = emoface(*args)
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads((out / "bake_report.json").read_text())["lines"]
    assert {k for k, r in report.items() if r["status"] == "skipped"} == done_before
    assert {k for k, r in report.items() if r["status"] == "done"} == {r["id"] for r in rows} - done_before
    assert not list(out.rglob("*.tmp"))
    for row in rows:
        assert read(out / f"{row['id']}.npz").num_frames == read(out / f"{row['id']}.json").num_frames > 0


@pytest.mark.slow
def test_local_ray_bake_matches_local(tmp_path, tiny_checkpoint):
    pytest.importorskip("ray")
    rows = _make_lines(tmp_path, 4)
    manifest = _write_jsonl(tmp_path / "m.jsonl", rows)
    # a process of its own: Ray stays started in the process that starts it
    proc = emoface("bake", manifest, "-o", tmp_path / "ray", "--ray", "local", "--workers", 2, "--checkpoint",
                   tiny_checkpoint, subprocess=True, timeout_s=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    local = run_bake(BakeConfig(manifest, tmp_path / "local", checkpoint=str(tiny_checkpoint)), open(os.devnull, "w"))
    assert local.count("done") == 4
    for row in rows:
        assert np.array_equal(read(tmp_path / "ray" / f"{row['id']}.json").frames,
                              read(tmp_path / "local" / f"{row['id']}.json").frames)
