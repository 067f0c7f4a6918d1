"""The client checks the server's limits before sending: the same clear InputError (CLI exit 2) for a clip
that is too long or a request too large, instead of a transport error about message sizes."""
from __future__ import annotations

import pytest

from emoface_testing import emoface, encode_audio, speechlike
from model.errors import InputError
from server.grpc.client import FaceAnimationClient


def test_too_long_clip_refused_before_sending(serve):
    server, address = serve(max_clip_s=2.0)
    with FaceAnimationClient(address) as client, pytest.raises(InputError, match=r"audio is 3.0 s long; the limit "
                                                                                 r"is 2 s"):
        client.animate(encode_audio(speechlike(3.0, 8000), 8000))
    with FaceAnimationClient(address) as client, pytest.raises(InputError, match="audio is 2.5 s long"):
        client.animate(b"\0\0" * 40000, pcm=("s16le", 16000, 1))
    assert server.metrics.count("Animate", "INVALID_ARGUMENT") == 0  # never reached the server


def test_too_large_request_refused_before_sending(serve):
    _, address = serve(max_message_bytes=256 * 1024, max_clip_s=3600.0)
    with FaceAnimationClient(address) as client, pytest.raises(InputError, match=r"MiB \(max_message_bytes\); "
                                                                                 r"stream it instead"):
        client.animate(encode_audio(speechlike(10.0), 16000))  # 320 kB
    with FaceAnimationClient(address) as client:
        assert client.animate(encode_audio(speechlike(1.0), 16000)).num_frames == 60


def test_cli_through_a_server_exits_2_with_the_limit(tmp_path, serve):
    _, address = serve(max_clip_s=2.0)
    wav = tmp_path / "long.wav"
    wav.write_bytes(encode_audio(speechlike(3.0, 8000), 8000))
    proc = emoface("animate", wav, "--server", address, "-o", tmp_path / "o.json")
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and lines == ["emoface animate: error: audio is 3.0 s long; the limit is 2 s"]
