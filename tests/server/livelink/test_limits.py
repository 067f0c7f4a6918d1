"""Issue 14 on Live Link: limits before HELLO, per message and per connection, on a real server on loopback."""
from __future__ import annotations

import logging
import socket
import struct
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from server.livelink import codec as c
from server.livelink.client import LiveLinkClient
from server.livelink.hub import SubjectHub
from server.livelink.tcp_server import LiveLinkOptions, LiveLinkServer
from server.runtime import limits


def _read_all(sock: socket.socket, timeout_s: float = 10.0) -> list[c.Message]:
    sock.settimeout(timeout_s)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    decoder = c.Decoder()
    decoder.feed(received)
    return decoder.messages()


def _errors(messages) -> list[tuple[str, str]]:
    return [(c.ErrorCode(m.code).name, m.message) for m in messages if isinstance(m, c.Error)]


def _recv_until_error(client: LiveLinkClient, timeout_s: float = 10.0) -> c.Error:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        m = client.recv(1.0)
        if isinstance(m, c.Error):
            return m
    raise AssertionError("no ERROR")


# ---------------------------------------------------------------- 2. drip clients
def test_hello_deadline_is_absolute_for_a_client_that_drips(make_server):
    server = make_server(hello_deadline_s=1.0, idle_timeout_s=5.0)
    hello = c.encode(c.Hello(1, 0, "drip", ""))
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        t0 = time.monotonic()
        for byte in hello[:-1]:  # one byte every 0.2 s: each would reset an idle timer
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break
            time.sleep(0.2)
            if time.monotonic() - t0 > 3.0:
                break
        messages = _read_all(sock, 5.0)
    assert time.monotonic() - t0 < 4.0
    assert [code for code, _ in _errors(messages)] == ["PROTOCOL"] and "HELLO" in _errors(messages)[0][1]


def test_connections_per_peer_are_capped(make_server):
    server = make_server(max_clients_per_peer=2)
    with LiveLinkClient.connect("127.0.0.1", server.port, "a"), LiveLinkClient.connect("127.0.0.1", server.port, "b"):
        with pytest.raises(Exception, match="RESOURCE_EXHAUSTED.*max_clients_per_peer"):
            LiveLinkClient.connect("127.0.0.1", server.port, "c")
    time.sleep(0.5)
    with LiveLinkClient.connect("127.0.0.1", server.port, "d"):  # a closed connection frees its place
        pass


# ---------------------------------------------------------------- 3. memory before authentication
def test_a_large_message_before_hello_is_refused_on_its_length(make_server):
    server = make_server()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(struct.pack("<I", 60 * 1024 * 1024) + bytes([c.MessageType.HELLO]) + b"x" * 1000)
        messages = _read_all(sock)
    assert [code for code, _ in _errors(messages)] == ["PROTOCOL"]
    assert str(limits.LIVELINK_PRE_HELLO_MESSAGE_BYTES) in _errors(messages)[0][1]


def test_a_large_subscribe_is_refused_on_its_length(make_server):
    server = make_server()
    with LiveLinkClient.connect("127.0.0.1", server.port, "big") as client:
        client.sock.sendall(struct.pack("<I", 20 * 1024 * 1024) + bytes([c.MessageType.SUBSCRIBE]) + b"\0" * 100)
        error = _recv_until_error(client)
    assert c.ErrorCode(error.code).name == "PROTOCOL" and "exceeds" in error.message


def test_subscriptions_per_connection_are_capped(make_server):
    server = make_server(max_subscriptions=8)
    with LiveLinkClient.connect("127.0.0.1", server.port, "subs") as client:
        client.send(c.Subscribe(tuple(f"s{i}" for i in range(9))))
        error = _recv_until_error(client)
        assert c.ErrorCode(error.code).name == "RESOURCE_EXHAUSTED" and "at most 8" in error.message
        client.send(c.Subscribe(("ok",)))  # the connection stays open
        client.send(c.Heartbeat(0.0))


# ---------------------------------------------------------------- 6. smaller ones
def test_long_subject_and_deep_json_are_invalid_argument_without_traceback(make_server, pcm16, caplog):
    server = make_server()
    pcm, _ = pcm16(0.5)
    with caplog.at_level(logging.INFO), LiveLinkClient.connect("127.0.0.1", server.port, "odd") as client:
        client.send(c.SubmitLine(request_id=7, subject="x" * 2000, audio=pcm))
        error = _recv_until_error(client)
        assert (c.ErrorCode(error.code).name, error.request_id) == ("INVALID_ARGUMENT", 7)
        assert "1024 bytes" in error.message
        client.send(c.SubmitLine(request_id=8, subject="Hero", audio=pcm, options_json="[" * 30000))
        error = _recv_until_error(client)
        assert (c.ErrorCode(error.code).name, error.request_id) == ("INVALID_ARGUMENT", 8)
        client.send(c.SubmitLine(request_id=9, subject="Hero", audio=pcm, emotion="[" * 30000))
        error = _recv_until_error(client)
        assert (c.ErrorCode(error.code).name, error.request_id) == ("INVALID_ARGUMENT", 9)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_no_heartbeat_before_server_hello(make_server):
    server = make_server(heartbeat_interval_s=0.1, hello_deadline_s=1.0)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        time.sleep(0.6)
        sock.sendall(c.encode(c.Hello(1, 0, "late", "")))
        time.sleep(0.3)
        sock.sendall(c.encode(c.Bye()))
        messages = _read_all(sock)
    assert isinstance(messages[0], c.ServerHello), messages[:3]


def test_lines_waiting_for_the_model_are_capped_per_connection(pipeline, pcm16):
    import threading

    executor = ThreadPoolExecutor(1)
    release = threading.Event()
    executor.submit(release.wait, 30)  # the only model worker is busy: submitted lines wait
    hub = SubjectHub()
    server = LiveLinkServer(LiveLinkOptions(max_pending_lines=2), pipeline, hub, executor.submit)
    server.start()
    pcm, _ = pcm16(0.5)
    try:
        with LiveLinkClient.connect("127.0.0.1", server.port, "many") as client:
            for i in (1, 2, 3):
                client.send(c.SubmitLine(request_id=i, subject=f"s{i}", audio=pcm))
            error = _recv_until_error(client)
            assert (c.ErrorCode(error.code).name, error.request_id) == ("RESOURCE_EXHAUSTED", 3)
            assert "max_pending_lines" in error.message
            release.set()
            assert client.collect_line(1, timeout_s=30).end.frames_sent > 0
            client.collect_line(2, timeout_s=30)
            client.send(c.SubmitLine(request_id=4, subject="s4", audio=pcm))  # room again
            assert client.collect_line(4, timeout_s=30).end.frames_sent > 0
    finally:
        release.set()
        server.stop()
        hub.close()
        executor.shutdown()


def test_refused_hellos_are_logged_sparingly(pipeline, caplog):
    executor = ThreadPoolExecutor(1)
    hub = SubjectHub()
    server = LiveLinkServer(LiveLinkOptions(), pipeline, hub, executor.submit, authorise=lambda token: False)
    server.start()
    try:
        with caplog.at_level(logging.WARNING, logger="server.livelink.connection"):
            for _ in range(40):
                with pytest.raises(Exception, match="UNAUTHENTICATED"):
                    LiveLinkClient.connect("127.0.0.1", server.port, "bad", token="wrong")
        refused = [r for r in caplog.records if "refused HELLO" in r.getMessage()]
        assert 1 <= len(refused) <= limits.REFUSED_LOG_BURST
    finally:
        server.stop()
        hub.close()
        executor.shutdown()
