"""The test helper ``emoface()`` runs the command in the test process: what a test sees (exit code, stdout,
stderr) is what the process gives, and nothing the command changes outlives the call."""
from __future__ import annotations

import logging
import os

import torch

from emoface_testing import emoface, encode_audio, speechlike


def test_in_process_and_subprocess_agree(tmp_path, tiny_checkpoint):
    for argv in (["animate", "missing.wav", "-o", "o.json"],  # exit 2 from main's return value
                 ["animate", "in.wav"],  # exit 2 from argparse's SystemExit, usage on stderr
                 ["info", "--checkpoint", tiny_checkpoint, "--json"]):
        inside, outside = emoface(*argv, cwd=tmp_path), emoface(*argv, cwd=tmp_path, subprocess=True)
        assert (inside.returncode, inside.stdout, inside.stderr) == (outside.returncode, outside.stdout,
                                                                     outside.stderr), argv


def test_the_call_leaves_no_state_behind(tmp_path, tiny_checkpoint, monkeypatch):
    monkeypatch.setenv("EMOFACE_HELPER_PROBE", "outside")
    (tmp_path / "line.wav").write_bytes(encode_audio(speechlike(0.5), 16000))
    (tmp_path / "m.csv").write_text("id,audio\nline,line.wav\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / ".line.json.x1.tmp").write_text("left by a killed bake")
    root = logging.getLogger()
    before = (root.handlers[:], root.level, dict(os.environ), os.getcwd(), torch.get_num_threads())
    env = {**os.environ, "EMOFACE_HELPER_PROBE": "inside"}
    animated = emoface("animate", "line.wav", "-o", "out.json", "--threads", 1, "--checkpoint", tiny_checkpoint,
                       cwd=tmp_path, env=env)
    assert animated.returncode == 0 and (tmp_path / "out.json").is_file(), animated.stderr  # in cwd
    assert (root.handlers, root.level, dict(os.environ), os.getcwd(), torch.get_num_threads()) == before
    baked = emoface("-v", "bake", "m.csv", "-o", "out", "--checkpoint", tiny_checkpoint, cwd=tmp_path, env=env)
    assert baked.returncode == 0 and "INFO" in baked.stderr and "removed 1 temporary files" in baked.stderr
    assert (root.handlers, root.level, dict(os.environ), os.getcwd(), torch.get_num_threads()) == before
