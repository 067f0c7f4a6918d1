"""``python -m training.teacher``: alignment file in, animation file out (real subprocess)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from model.emotion import EmotionTrack
from server.runtime.formats import read
from training.phones import save_alignment
from training.teacher import animate_phones

ROOT = Path(__file__).resolve().parents[3]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "training.teacher", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_renders_an_alignment_to_a_file(tmp_path, make_utterance):
    utt = make_utterance("HH AH L OW W ER L D")
    alignment = tmp_path / "hello.json"
    save_alignment(utt.spans, alignment)
    out = tmp_path / "hello.npz"
    result = run_cli(str(alignment), "-o", str(out), "--emotion", "sad:0.5", "--seed", "3",
                     "--num-frames", str(utt.num_frames))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    anim = read(out)
    expected = animate_phones(utt.spans, EmotionTrack.parse("sad:0.5"), utt.num_frames, seed=3)
    np.testing.assert_allclose(anim.full(), expected, atol=1e-6)


def test_bad_input_exits_2_with_one_line(tmp_path):
    result = run_cli(str(tmp_path / "missing.json"), "-o", str(tmp_path / "x.csv"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "not found" in result.stderr
