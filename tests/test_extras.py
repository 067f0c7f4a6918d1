"""The base install is what animate, info and serve import; preview, plotting, blink measurement, training
and Hugging Face encoders come with extras, and a command that needs a missing one says which to install."""
from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from emoface_testing import encode_audio, speechlike

REPO = Path(__file__).resolve().parents[1]
OPTIONAL = ("matplotlib", "imageio_ffmpeg", "PIL", "sklearn", "scipy", "transformers", "skimage", "av", "ray")


def _without_optional(argv: list[str]) -> tuple[int, str]:
    """Run ``emoface ARGV`` in a fresh interpreter where no optional package can be imported."""
    code = (f"import sys\nfor name in {OPTIONAL!r}:\n    sys.modules[name] = None  # import raises ImportError\n"
            "from server.cli.main import main\nsys.exit(main(sys.argv[1:]))\n")
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=300)
    return done.returncode, done.stderr


def test_base_dependencies_leave_the_optional_packages_to_extras():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    base = " ".join(project["dependencies"]).lower()
    for name in ("matplotlib", "imageio-ffmpeg", "scikit-learn", "scipy", "transformers", "pillow"):
        assert name not in base
    extras = project["optional-dependencies"]
    assert "emoface-bridge[preview,hf,blink,train,ray]" in extras["dev"]  # CI still installs everything
    # the default speech gate (silero) is in the base install: results never depend on the extras installed
    assert "silero-vad" in base and "onnxruntime" in base
    assert any(d.startswith("matplotlib") for d in extras["preview"])


@pytest.mark.slow
def test_animate_and_info_run_without_any_optional_package(tmp_path, tiny_checkpoint):
    wav = tmp_path / "line.wav"
    wav.write_bytes(encode_audio(speechlike(1.0, 22050), 22050))
    rc, err = _without_optional(["animate", str(wav), "--checkpoint", str(tiny_checkpoint), "-o",
                                 str(tmp_path / "o.json")])
    assert rc == 0, err
    assert json.loads((tmp_path / "o.json").read_text())["fps"] == 60
    assert _without_optional(["info", "--checkpoint", str(tiny_checkpoint)])[0] == 0


def test_serve_modules_import_without_any_optional_package():
    code = (f"import sys\nfor name in {OPTIONAL!r}:\n    sys.modules[name] = None\n"
            "import server.grpc.app, server.cli.serve, server.livelink.tcp_server, server.livelink_face.sink\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_a_command_needing_an_extra_names_it(tmp_path, tiny_checkpoint):
    wav = tmp_path / "line.wav"
    wav.write_bytes(encode_audio(speechlike(1.0), 16000))
    assert _without_optional(["animate", str(wav), "--checkpoint", str(tiny_checkpoint), "-o",
                              str(tmp_path / "a.json")])[0] == 0
    for argv in (["plot", str(tmp_path / "a.json"), "-o", str(tmp_path / "a.png")],
                 ["preview", str(tmp_path / "a.json"), "-o", str(tmp_path / "a.mp4")]):
        rc, err = _without_optional(argv)
        lines = err.strip().splitlines()
        assert rc == 2 and len(lines) == 1 and "pip install 'emoface-bridge[preview]'" in lines[0], err
