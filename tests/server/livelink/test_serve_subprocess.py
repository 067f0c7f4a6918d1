"""`emoface serve --livelink-port 0` as a real subprocess: a line over Live Link, then SIGTERM."""
from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from emoface_testing import EMOFACE, emoface, encode_audio, speechlike
from model.emotion import EmotionTrack
from server.livelink import codec as c
from server.livelink.client import LiveLinkClient
from server.runtime.formats import read
from server.runtime.options import RequestOptions


@pytest.mark.slow
def test_serve_with_livelink_port(tiny_checkpoint, pcm16, tmp_path):
    proc = subprocess.Popen([*EMOFACE, "serve", "--port", "0", "--livelink-port", "0", "--checkpoint",
                             str(tiny_checkpoint), "--grace-s", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        first, second = proc.stdout.readline(), proc.stdout.readline()
        assert "listening on" in first, proc.stderr.read() if proc.poll() is not None else first
        match = re.search(r"Live Link on (\S+):(\d+)", second)
        assert match, second
        pcm, _ = pcm16(0.5)
        with LiveLinkClient.connect(match.group(1), int(match.group(2)), "subprocess-test") as client:
            assert client.server_hello.model_id.startswith("tiny-test")
            line = client.collect_line(client.submit("Hero", pcm, emotion="angry:0.4"))
            assert line.end.status == c.LineStatus.COMPLETE and line.end.frames_sent == 30 == len(line.frame_messages)
            # `emoface animate --server ... --livelink-subject` plays on a subject this client watches
            client.subscribe(["FromCli"])
            wav = tmp_path / "line.wav"
            wav.write_bytes(encode_audio(speechlike(0.5, 22050, seed=3), 22050))
            grpc_address = re.search(r"listening on (\S+:\d+)", first).group(1)
            cli = emoface("animate", wav, "-o", tmp_path / "out.json", "--server", grpc_address, "--livelink-subject",
                          "FromCli", "--seed", 1)
            assert cli.returncode == 0, cli.stderr
            played = client.collect_line(request_id=0)
            baked = read(tmp_path / "out.json")
            assert played.start.subject == "FromCli" and played.end.frames_sent == baked.num_frames
            np.testing.assert_allclose(played.frames, baked.full(), atol=1e-6, rtol=0)
            proc.send_signal(signal.SIGTERM)
            tail = []
            while (message := client.recv(15)) is not None:
                tail.append(message)
            assert isinstance(tail[-1], c.Bye)  # the server said goodbye before closing
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def test_reference_client_cli_writes_the_frames(ll_serve, pipeline, pcm16, tmp_path):
    server = ll_serve()
    pcm, audio = pcm16(0.5, seed=6)
    raw = tmp_path / "line.raw"
    raw.write_bytes(pcm)
    out = tmp_path / "frames.json"
    result = subprocess.run([sys.executable, "-m", "server.livelink.client", f"127.0.0.1:{server.livelink_port}",
                             str(raw), "-o", str(out), "--raw-s16le", "16000:1", "--emotion", "sad:0.7",
                             "--options-json", '{"seed": 2}'], capture_output=True, text=True, timeout=120,
                            cwd=Path(__file__).resolve().parents[3])
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    expected = pipeline.animate(audio, EmotionTrack.parse("sad:0.7"), RequestOptions(seed=2)).full()
    assert data["line"]["status"] == 0 and data["line"]["frames_sent"] == len(expected) == 30
    np.testing.assert_allclose(np.array(data["frames"], np.float32), expected, atol=1e-6, rtol=0)
