"""What each command imports: `info` and `--help` never load torch; animating a clip with the Whisper
model never loads transformers, sympy or scipy.signal (seconds of start-up each)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("torch", "transformers", "sympy", "scipy.signal", "sklearn", "matplotlib")


def _imports_of(argv: list[str]) -> tuple[dict, list[str]]:
    """Run ``emoface ARGV`` in a fresh interpreter; (its exit code and stdout, the heavy modules it imported)."""
    code = ("import contextlib, io, json, sys\nfrom server.cli.main import main\nout = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n    try:\n        rc = main(sys.argv[1:])\n"
            "    except SystemExit as exc:\n        rc = exc.code\n"
            f"print(json.dumps([rc, out.getvalue(), [m for m in {HEAVY!r} if m in sys.modules]]))\n")
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rc, out, heavy = json.loads(done.stdout.splitlines()[-1])
    return {"rc": rc, "stdout": out}, heavy


@pytest.mark.parametrize("argv", [["--help"], ["animate", "--help"], ["serve", "--help"], ["bake", "--help"],
                                  ["preview", "--help"], ["info", "--help"]])
def test_help_imports_no_heavy_module(argv):
    result, heavy = _imports_of(argv)
    assert result["rc"] == 0 and "usage: emoface" in result["stdout"]
    assert heavy == []


def test_info_reads_the_checkpoint_without_torch(tiny_checkpoint):
    result, heavy = _imports_of(["info", "--checkpoint", str(tiny_checkpoint), "--json"])
    info = json.loads(result["stdout"])
    assert info["model_id"].startswith("tiny-test@") and len(info["controls"]) == 174
    assert heavy == []


def test_animate_loads_torch_but_not_transformers_or_scipy_signal(tmp_path, tiny_checkpoint):
    from emoface_testing import encode_audio, speechlike

    wav = tmp_path / "line.wav"
    wav.write_bytes(encode_audio(speechlike(1.0, 22050), 22050))
    result, heavy = _imports_of(["animate", str(wav), "--checkpoint", str(tiny_checkpoint), "-o",
                                 str(tmp_path / "o.json")])
    assert result["rc"] == 0
    assert heavy == ["torch"]
