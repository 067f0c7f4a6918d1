"""`emoface serve --livelink-port 0` as a real subprocess: a line over Live Link, then SIGTERM."""
from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

from server.livelink import codec as c
from server.livelink.client import LiveLinkClient

EMOFACE = str(Path(sys.executable).with_name("emoface"))


def test_serve_with_livelink_port(tiny_checkpoint, pcm16):
    proc = subprocess.Popen([EMOFACE, "serve", "--port", "0", "--livelink-port", "0", "--checkpoint",
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
