"""The Live Link TCP server on loopback: handshake, lines, errors, fan-out, gRPC subjects."""
from __future__ import annotations

import socket
import threading
import time

import numpy as np
import pytest

from model.emotion import EmotionTrack
from model.errors import InputError
from model.rig import rig
from server.errors import ServiceError
from server.grpc.client import FaceAnimationClient
from server.livelink import codec as c
from server.livelink.client import LiveLinkClient
from server.runtime.options import RequestOptions


def _connect(server, name="test", **kw) -> LiveLinkClient:
    return LiveLinkClient.connect("127.0.0.1", server.livelink_port, name, **kw)


def test_submitter_and_subscriber_get_the_whole_line_equal_to_the_pipeline(ll_serve, pipeline, pcm16):
    server = ll_serve()
    pcm, audio = pcm16(1.0, seed=1)
    with _connect(server, "watcher") as watcher, _connect(server, "submitter") as submitter:
        assert submitter.server_hello.model_id == pipeline.model_id
        watcher.subscribe(["Hero"])
        time.sleep(0.1)  # the SUBSCRIBE is handled before the line starts
        request_id = submitter.submit("Hero", pcm, emotion="happy:0.6", options_json='{"seed": 3}', request_id=77)
        mine = submitter.collect_line(request_id)
        theirs = watcher.collect_line(line_id=mine.start.line_id)
    expected = pipeline.animate(audio, EmotionTrack.parse("happy:0.6"), RequestOptions(seed=3)).full()
    for line in (mine, theirs):
        assert line.static.controls == rig().ue_names
        assert (line.static.fps_numerator, line.static.fps_denominator) == (60, 1)
        assert line.start.request_id == 77 and line.start.frame_count == len(expected) == 60
        assert [f.frame_index for f in line.frame_messages] == list(range(60))
        assert [f.time_s for f in line.frame_messages] == [i / 60 for i in range(60)]
        assert line.end.status == c.LineStatus.COMPLETE and line.end.frames_sent == 60
        np.testing.assert_allclose(line.frames, expected, atol=1e-6, rtol=0)


def test_paced_line_takes_about_its_duration(ll_serve, pcm16):
    server = ll_serve()
    pcm, _ = pcm16(1.0)
    with _connect(server) as client:
        t0 = time.time()
        line = client.collect_line(client.submit("Hero", pcm, paced=True))
    assert time.time() - t0 >= 0.8 * 1.0
    assert line.start.start_time_s >= t0 and len(line.frame_messages) == 60
    late_s = [arrived - (line.start.start_time_s + f.time_s) for f, arrived in
              zip(line.frame_messages, line.received_at_s)]
    assert min(late_s) > -0.05  # frames are not sent ahead of their schedule


def test_two_subjects_play_at_once(ll_serve, pcm16):
    server = ll_serve()
    pcm, _ = pcm16(1.0)
    with _connect(server) as a, _connect(server) as b:
        ra = a.submit("NPC_A", pcm, paced=True)
        rb = b.submit("NPC_B", pcm, paced=True)
        line_a, line_b = a.collect_line(ra), b.collect_line(rb)
    assert line_a.end.frames_sent == line_b.end.frames_sent == 60
    # each line's frame 0 was scheduled before the other's last frame: they overlapped instead of queueing
    assert line_b.start.start_time_s < line_a.start.start_time_s + 59 / 60
    assert line_a.start.start_time_s < line_b.start.start_time_s + 59 / 60


def test_interrupt_cancels_the_playing_line(ll_serve, pcm16):
    server = ll_serve()
    long_pcm, _ = pcm16(3.0)
    short_pcm, _ = pcm16(0.5, seed=2)
    with _connect(server) as client:
        first = client.submit("Hero", long_pcm, paced=True)
        started = client.recv(10)
        while not isinstance(started, c.LineStart):
            started = client.recv(10)
        second = client.submit("Hero", short_pcm, paced=False, interrupt=True)
        ends = {}
        while len(ends) < 2:
            msg = client.recv(10)
            assert msg is not None
            if isinstance(msg, c.LineEnd):
                ends[msg.line_id] = msg
            if isinstance(msg, c.LineStart):
                assert msg.request_id == second
    first_end = ends[started.line_id]
    assert started.request_id == first and first_end.status == c.LineStatus.CANCELLED
    assert first_end.frames_sent < 180
    assert [e.status for e in ends.values()][-1] == c.LineStatus.COMPLETE


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(emotion="hapy"), "unknown emotion"),
    (dict(emotion='{"keys": [}'), "JSON"),
    (dict(options_json='{"smoothing": {"bogus": 1}}'), "bogus"),
    (dict(options_json='[1]'), "object"),
    (dict(emotion='{"keys": [{"time": 0, "emotion": 5}]}'), "emotion"),
    (dict(sample_rate_hz=1000), "sample rate"),
    (dict(encoding=9), "pcm_encoding"),
    (dict(subject=""), "subject"),
])
def test_bad_requests_get_invalid_argument_and_the_connection_stays_usable(ll_serve, kwargs, fragment, pcm16):
    server = ll_serve()
    pcm, _ = pcm16(0.3)
    with _connect(server) as client:
        subject = kwargs.pop("subject", "Hero")
        request_id = client.submit(subject, pcm, request_id=5, **kwargs)
        msg = client.recv(10)
        while isinstance(msg, c.Heartbeat):
            msg = client.recv(10)
        assert isinstance(msg, c.Error) and msg.code == c.ErrorCode.INVALID_ARGUMENT and msg.request_id == request_id
        assert fragment in msg.message
        line = client.collect_line(client.submit("Hero", pcm))
        assert line.end.status == c.LineStatus.COMPLETE


def test_odd_byte_count_and_too_long_clip(ll_serve, pcm16):
    server = ll_serve(max_clip_s=1.0)
    pcm, _ = pcm16(2.0)
    with _connect(server) as client:
        with pytest.raises(ServiceError, match="INVALID_ARGUMENT.*multiple"):
            client.collect_line(client.submit("Hero", pcm[:1001]))
        with pytest.raises(ServiceError, match="RESOURCE_EXHAUSTED"):
            client.collect_line(client.submit("Hero", pcm))


def _raw_session(server, data: bytes) -> list[c.Message]:
    """Send raw bytes on a fresh connection; everything received until the server closes."""
    with socket.create_connection(("127.0.0.1", server.livelink_port), timeout=10) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return c.decode_all(received)


def test_garbage_gets_protocol_error_and_close_and_the_server_stays_healthy(ll_serve, pcm16):
    server = ll_serve()
    hello = c.encode(c.Hello(1, 0, "x", ""))
    replies = _raw_session(server, hello + b"\x00\x00\x00\x00garbage")
    assert isinstance(replies[0], c.ServerHello)
    assert [(m.code, m.request_id) for m in replies if isinstance(m, c.Error)] == [(c.ErrorCode.PROTOCOL, 0)]
    replies = _raw_session(server, c.encode(c.Subscribe(())))
    assert isinstance(replies[-1], c.Error) and replies[-1].code == c.ErrorCode.PROTOCOL
    assert "HELLO" in replies[-1].message
    replies = _raw_session(server, hello + c.encode(c.Frame("x", 1, 0, 0.0, np.zeros(3, np.float32))))
    assert replies[-1].code == c.ErrorCode.PROTOCOL
    pcm, _ = pcm16(0.3)
    with _connect(server) as client:
        assert client.collect_line(client.submit("Hero", pcm)).end.frames_sent == 18


def test_version_and_token_are_checked(ll_serve, tmp_path, pcm16):
    token_file = tmp_path / "tokens"
    token_file.write_text("good-token\nreader info\n")
    server = ll_serve(token_file=token_file)
    with pytest.raises(ServiceError, match="UNSUPPORTED_VERSION"):
        _connect(server, token="good-token", major=2)
    for token in ("", "wrong", "reader"):
        with pytest.raises(ServiceError, match="UNAUTHENTICATED"):
            _connect(server, token=token)
    with _connect(server, token="good-token") as client:
        assert client.server_hello.major == 1


def test_unknown_messages_are_skipped_and_bye_closes(ll_serve, pcm16):
    server = ll_serve()
    data = c.encode(c.Hello()) + b"\x04\x00\x00\x00\x40abc" + c.encode(c.Heartbeat(1.0)) + c.encode(c.Bye())
    replies = _raw_session(server, data)
    assert isinstance(replies[0], c.ServerHello)
    assert not [m for m in replies if isinstance(m, c.Error)]


def test_grpc_requests_reach_livelink_subscribers(ll_serve, pipeline, pcm16):
    server = ll_serve()
    pcm, audio = pcm16(0.5, seed=4)
    with _connect(server) as watcher, FaceAnimationClient(server.grpc_address) as grpc_client:
        watcher.subscribe(())  # every subject
        time.sleep(0.1)
        anim = grpc_client.animate(pcm, EmotionTrack.parse("sad"), RequestOptions(seed=1), pcm=("s16le", 16000, 1),
                                   livelink_subject="FromGrpc")
        line = watcher.collect_line(request_id=0)
        assert line.start.subject == "FromGrpc" and line.end.status == c.LineStatus.COMPLETE
        np.testing.assert_allclose(line.frames, anim.full(), atol=1e-6, rtol=0)
        stream = grpc_client.stream([pcm[:8000], pcm[8000:]], EmotionTrack.parse("sad"), RequestOptions(seed=1),
                                    livelink_subject="Streamed")
        streamed = stream.collect()
        line = watcher.collect_line(request_id=0)
    assert line.start.subject == "Streamed" and line.start.frame_count == c.UNKNOWN_FRAME_COUNT
    assert line.end.status == c.LineStatus.COMPLETE and line.end.frames_sent == streamed.num_frames
    np.testing.assert_allclose(line.frames, streamed.full(), atol=1e-6, rtol=0)


def test_grpc_subject_without_livelink_is_invalid_argument(ll_serve, pcm16):
    server = ll_serve(livelink_port=None)
    pcm, _ = pcm16(0.3)
    with FaceAnimationClient(server.grpc_address) as grpc_client:
        with pytest.raises(InputError, match="Live Link is off"):  # the client's form of INVALID_ARGUMENT
            grpc_client.animate(pcm, pcm=("s16le", 16000, 1), livelink_subject="Hero")


def test_cancelled_grpc_stream_cancels_its_livelink_line(ll_serve, pcm16):
    server = ll_serve()
    pcm, _ = pcm16(2.0, seed=5)
    gate = threading.Event()

    def chunks():
        yield pcm[:32000]  # 1 s of audio: enough for frames
        gate.wait(20)  # then hang until the caller cancels

    with _connect(server) as watcher, FaceAnimationClient(server.grpc_address) as grpc_client:
        watcher.subscribe(["Live"])
        time.sleep(0.1)
        stream = grpc_client.stream(chunks(), livelink_subject="Live")
        start = watcher.recv(10)
        while not isinstance(start, c.LineStart):
            start = watcher.recv(10)
        assert start.frame_count == c.UNKNOWN_FRAME_COUNT
        stream.cancel()
        gate.set()
        end = watcher.recv(10)
        while not isinstance(end, c.LineEnd):
            end = watcher.recv(10)
    assert end.line_id == start.line_id and end.status == c.LineStatus.CANCELLED
    assert "gRPC" in end.message


def test_an_internal_error_is_reported_and_the_connection_stays_open(ll_serve, pcm16, monkeypatch):
    from server.livelink import connection

    real = connection.parse_submit
    calls = []

    def flaky(msg, max_clip_s):  # fault injection: the first request hits a bug
        calls.append(msg.request_id)
        if len(calls) == 1:
            raise RuntimeError("injected bug")
        return real(msg, max_clip_s)

    monkeypatch.setattr(connection, "parse_submit", flaky)
    server = ll_serve()
    pcm, _ = pcm16(0.3)
    with _connect(server) as client:
        with pytest.raises(ServiceError, match="INTERNAL"):
            client.collect_line(client.submit("Hero", pcm, request_id=41))
        assert client.collect_line(client.submit("Hero", pcm, request_id=42)).end.frames_sent == 18
