"""`emoface serve` as a real subprocess: start-up, the SDK and `emoface animate --server`, SIGTERM."""
from __future__ import annotations

import os
import re
import signal
import subprocess

import numpy as np
import pytest

from emoface_testing import EMOFACE, emoface, encode_audio, speechlike
from server.grpc.client import FaceAnimationClient
from server.runtime.formats import read


@pytest.fixture
def served(tiny_checkpoint, tmp_path):
    """An `emoface serve` process (config file + token from the environment); yields (address, token file)."""
    config = tmp_path / "serve.toml"
    config.write_text(f'port = 0\ncheckpoint = "{tiny_checkpoint}"\ntoken_env = "EMOFACE_TEST_TOKEN"\n'
                      'grace_s = 20\n')
    token_file = tmp_path / "token"
    token_file.write_text("s3cret-token\n")
    env = {**os.environ, "EMOFACE_TEST_TOKEN": "s3cret-token", "EMOFACE_LOG_FORMAT": "json"}
    proc = subprocess.Popen([*EMOFACE, "-v", "serve", "--config", str(config)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        match = re.search(r"listening on (\S+:\d+)", line)
        assert match, f"no start-up line: {line!r} {proc.stderr.read() if proc.poll() is not None else ''}"
        yield proc, match.group(1), token_file
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


@pytest.mark.slow
def test_serve_sdk_cli_and_sigterm(served, tiny_checkpoint, tmp_path):
    proc, address, token_file = served
    wav = tmp_path / "line.wav"
    wav.write_bytes(encode_audio(speechlike(1.0, 44100, seed=8), 44100))
    with FaceAnimationClient(address, token="s3cret-token") as client:
        assert client.info()["model_id"].startswith("tiny-test")
    remote = emoface("animate", wav, "-o", tmp_path / "remote.json", "--server", address, "--token-file", token_file,
                     "--emotion", "happy:0.5", "--seed", 4)
    assert remote.returncode == 0, remote.stderr
    local = emoface("animate", wav, "-o", tmp_path / "local.json", "--checkpoint", tiny_checkpoint, "--emotion",
                    "happy:0.5", "--seed", 4)
    assert local.returncode == 0, local.stderr
    a, b = read(tmp_path / "remote.json"), read(tmp_path / "local.json")
    assert np.array_equal(a.frames, b.frames) and a.controls == b.controls and a.options == b.options
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    stderr = proc.stderr.read()
    assert "SIGTERM" in stderr and "stopped after" in stderr
    assert '"method": "Animate", "code": "OK"' in stderr  # structured JSON log lines


def test_serve_refuses_network_bind_without_tls_or_insecure():
    # a process: had the check failed, the server would run (and block) until the timeout killed it
    result = emoface("serve", "--host", "0.0.0.0", "--port", 0, subprocess=True, timeout_s=120)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--insecure" in lines[0] and "TLS" in lines[0]
