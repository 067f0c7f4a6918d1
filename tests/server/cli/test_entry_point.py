"""The installed ``emoface`` console script as a real process: it is the ``server.cli.main:main`` entry point,
and its exit code and output are ``main``'s. The other CLI tests run ``main`` in the test process
(``emoface_testing.emoface``); this is where the script itself is tested."""
from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from importlib.metadata import entry_points
from pathlib import Path


def _installed_script() -> Path:
    """The script pip installed for the interpreter running the tests (its scripts directory: a venv's
    bin/, a system or user prefix's bin/), wherever that environment lives."""
    script = Path(sysconfig.get_path("scripts")) / ("emoface.exe" if sys.platform == "win32" else "emoface")
    assert script.is_file(), f"no {script}: install the project into this interpreter (pip install -e .)"
    return script


def test_console_script_is_main():
    [entry] = entry_points(group="console_scripts", name="emoface")
    assert entry.value == "server.cli.main:main"


def test_installed_script_prints_and_exits_like_main(tmp_path, tiny_checkpoint):
    script = _installed_script()
    info = subprocess.run([script, "info", "--checkpoint", tiny_checkpoint, "--json"], capture_output=True,
                          text=True, timeout=300)
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["model_id"].startswith("tiny-test@")
    bad = subprocess.run([script, "animate", tmp_path / "missing.wav", "-o", tmp_path / "o.json"],
                         capture_output=True, text=True, timeout=300)
    lines = bad.stderr.strip().splitlines()
    assert bad.returncode == 2 and len(lines) == 1 and "not found" in lines[0], bad.stderr
