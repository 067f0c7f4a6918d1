"""Bounded-time fuzzing of both protocols on one real service (gRPC + Live Link) on loopback.

Mutated and oversized messages for a few seconds; afterwards the service must answer normally,
its memory must not have grown beyond a bound, and every answer must have been a documented
status (no INTERNAL, no UNKNOWN, no ERROR-level log line).
"""
from __future__ import annotations

import logging
import os
import socket
import struct
import time

import grpc
import numpy as np
import pytest

from emoface_testing import speechlike
from server.grpc.api import face_animation_pb2 as pb
from server.livelink import codec as c
from server.livelink.client import LiveLinkClient

FUZZ_S = 4.0  # wall time per protocol
RSS_GROWTH_MAX_BYTES = 300 * 1024 * 1024
GRPC_DOCUMENTED = {grpc.StatusCode.OK, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.RESOURCE_EXHAUSTED,
                   grpc.StatusCode.DEADLINE_EXCEEDED}
LIVELINK_DOCUMENTED = {c.ErrorCode.PROTOCOL, c.ErrorCode.UNSUPPORTED_VERSION, c.ErrorCode.INVALID_ARGUMENT,
                       c.ErrorCode.RESOURCE_EXHAUSTED}
PCM16K = pb.PcmFormat(encoding=pb.PCM_ENCODING_S16LE, sample_rate_hz=16000, channels=1)


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _mutate(data: bytes, rng: np.random.Generator) -> bytes:
    b = bytearray(data)
    kind = rng.integers(6)
    if kind == 0 and b:  # flip bits
        for i in rng.integers(0, len(b), size=1 + len(b) // 50):
            b[i] ^= 1 << int(rng.integers(8))
    elif kind == 1:  # truncate
        b = b[:rng.integers(0, len(b) + 1)]
    elif kind == 2:  # random bytes in the middle
        at = int(rng.integers(0, len(b) + 1))
        b[at:at] = rng.bytes(int(rng.integers(1, 64)))
    elif kind == 3 and b:  # a byte set to 0xff (huge varints, bad tags)
        b[int(rng.integers(len(b)))] = 0xFF
    elif kind == 4:  # append an oversized field of a random tag
        b += bytes([int(rng.integers(1, 16)) << 3 | 2]) + b"\xff\xff\xff\x7f"
    return bytes(b)  # kind 5: unchanged


def _grpc_requests(pcm: bytes, rng: np.random.Generator) -> tuple[str, bytes]:
    n = int(rng.choice([1, 50, 5000, 100_000]))
    keys = [pb.EmotionKey(time_s=i * 0.001, label="happy") for i in range(n)]
    choices = [
        ("GetInfo", pb.GetInfoRequest().SerializeToString()),
        ("Animate", pb.AnimateRequest(audio=pcm, pcm=PCM16K).SerializeToString()),
        ("Animate", pb.AnimateRequest(audio=pcm, pcm=PCM16K,
                                      emotion=pb.Emotion(track=pb.EmotionTrack(keys=keys))).SerializeToString()),
        ("Animate", pb.AnimateRequest(audio=pcm[:100]).SerializeToString()),
    ]
    return choices[int(rng.integers(len(choices)))]


def _fuzz_grpc(address: str, pcm: bytes, rng: np.random.Generator, codes: list) -> None:
    with grpc.insecure_channel(address) as ch:
        deadline = time.monotonic() + FUZZ_S
        while time.monotonic() < deadline:
            if rng.random() < 0.2:  # a stream of mutated messages
                header = pb.StreamAnimateRequest(header=pb.StreamHeader(pcm=PCM16K)).SerializeToString()
                chunk = pb.StreamAnimateRequest(chunk=pb.AudioChunk(data=pcm)).SerializeToString()
                msgs = [_mutate(m, rng) if rng.random() < 0.5 else m for m in (header, chunk, chunk)]
                call = ch.stream_stream("/emoface.v1.FaceAnimation/StreamAnimate")
                try:
                    list(call(iter(msgs), timeout=20))
                    codes.append(grpc.StatusCode.OK)
                except grpc.RpcError as exc:
                    codes.append(exc.code())
                continue
            method, data = _grpc_requests(pcm, rng)
            try:
                ch.unary_unary(f"/emoface.v1.FaceAnimation/{method}")(_mutate(data, rng), timeout=20)
                codes.append(grpc.StatusCode.OK)
            except grpc.RpcError as exc:
                codes.append(exc.code())


def _fuzz_livelink(port: int, pcm: bytes, rng: np.random.Generator, errors: list) -> None:
    deadline = time.monotonic() + FUZZ_S
    while time.monotonic() < deadline:
        hello = c.encode(c.Hello(1, 0, "fuzz", ""))
        messages = [c.encode(c.SubmitLine(request_id=1, subject="s" * int(rng.choice([1, 2000])), audio=pcm,
                                          options_json="[" * int(rng.choice([0, 30000])))),
                    c.encode(c.Subscribe(tuple(f"x{i}" for i in range(int(rng.choice([1, 300])))))),
                    struct.pack("<I", int(rng.integers(1, 2**32))) + bytes([int(rng.integers(256))]),
                    c.encode(c.Heartbeat(0.0))]
        payload = (hello if rng.random() < 0.8 else _mutate(hello, rng)) + b"".join(
            _mutate(m, rng) if rng.random() < 0.5 else m for m in messages)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            try:
                sock.sendall(payload)
                sock.shutdown(socket.SHUT_WR)
                received = b""
                sock.settimeout(2.0)
                while chunk := sock.recv(65536):
                    received += chunk
            except OSError:
                continue
        decoder = c.Decoder()
        decoder.feed(received)
        try:
            errors.extend(m.code for m in decoder.messages() if isinstance(m, c.Error))
        except c.ProtocolError:
            pass  # a reply cut off where the server closed


@pytest.mark.slow
def test_fuzz_both_protocols_server_stays_healthy_and_bounded(ll_serve, caplog):
    server = ll_serve(max_clip_s=5.0)
    pcm = (speechlike(0.3, 16000, seed=5) * 32767).astype("<i2").tobytes()
    rng = np.random.default_rng(14)
    rss_before = _rss_bytes()
    codes: list = []
    errors: list = []
    with caplog.at_level(logging.WARNING):
        _fuzz_grpc(server.grpc_address, pcm, rng, codes)
        _fuzz_livelink(server.livelink_port, pcm, rng, errors)
    assert len(codes) > 20 and set(codes) <= GRPC_DOCUMENTED, set(codes) - GRPC_DOCUMENTED
    assert errors and {c.ErrorCode(e) for e in errors} <= LIVELINK_DOCUMENTED, set(errors)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], \
        [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR][:3]
    assert _rss_bytes() - rss_before < RSS_GROWTH_MAX_BYTES
    with grpc.insecure_channel(server.grpc_address) as ch:  # still healthy on both protocols
        animate = ch.unary_unary("/emoface.v1.FaceAnimation/Animate",
                                 response_deserializer=pb.AnimateResponse.FromString)
        reply = animate(pb.AnimateRequest(audio=pcm, pcm=PCM16K).SerializeToString(), timeout=30)
        assert reply.num_frames > 0
    with LiveLinkClient.connect("127.0.0.1", server.livelink_port, "after") as client:
        line = client.collect_line(client.submit("Hero", pcm), timeout_s=30)
        assert line.end.frames_sent > 0
