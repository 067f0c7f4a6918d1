"""Files the commands write (animate, plot, bake, preview) get mode 0666 minus the umask, as any tool's."""
from __future__ import annotations

import os
import stat

import pytest

from emoface_testing import emoface, encode_audio, speechlike


@pytest.fixture
def umask_022():
    old = os.umask(0o022)  # the process umask: the commands run in this process
    yield
    os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.slow
def test_outputs_follow_the_umask(tmp_path, tiny_checkpoint, umask_022):
    wav = tmp_path / "line.wav"
    wav.write_bytes(encode_audio(speechlike(1.0), 16000))
    anim = tmp_path / "out" / "line.json"
    assert emoface("animate", wav, "--checkpoint", tiny_checkpoint, "--seed", 1, "-o", anim).returncode == 0
    assert emoface("plot", anim, "-o", tmp_path / "out" / "curves.png").returncode == 0
    (tmp_path / "m.csv").write_text("id,audio\nline,line.wav\n")
    baked = emoface("bake", tmp_path / "m.csv", "-o", tmp_path / "baked", "--checkpoint", tiny_checkpoint)
    assert baked.returncode == 0, baked.stderr
    preview = emoface("preview", anim, "--audio", wav, "--size", 64, "-o", tmp_path / "out" / "line.mp4")
    assert preview.returncode == 0, preview.stderr
    written = [anim, tmp_path / "out" / "curves.png", tmp_path / "baked" / "line.json",
               tmp_path / "baked" / "bake_report.json", tmp_path / "out" / "line.mp4"]
    assert {p.name: oct(_mode(p)) for p in written} == {p.name: oct(0o644) for p in written}
