"""Connection handling: clients that stop reading, idle time-out, heartbeats, shutdown."""
from __future__ import annotations

import socket
import time

import pytest

from server.livelink import codec as c
from server.livelink.client import LiveLinkClient


def _wait(predicate, timeout_s=10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_a_client_that_stops_reading_is_dropped_without_stalling_others(make_server, pcm16):
    server = make_server(max_outgoing_bytes=1024 * 1024)  # more than one 20 s line (~0.9 MB of frames)
    lazy = socket.socket()
    lazy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    lazy.connect(("127.0.0.1", server.port))
    lazy.sendall(c.encode(c.Hello(1, 0, "lazy", "")) + c.encode(c.Subscribe(())))
    pcm, _ = pcm16(20.0)
    with LiveLinkClient.connect("127.0.0.1", server.port, "busy") as busy:
        assert _wait(lambda: server.client_count == 2)
        for _ in range(2):  # the lazy client's queue overflows during the second line
            line = busy.collect_line(busy.submit("Hero", pcm), timeout_s=60)
            assert line.end.frames_sent == 1200 and len(line.frame_messages) == 1200
        assert _wait(lambda: server.client_count == 1), "the client that does not read is still connected"
    lazy.close()


def test_silent_clients_are_closed_and_idle_servers_send_heartbeats(make_server):
    server = make_server(idle_timeout_s=1.0, heartbeat_interval_s=0.2)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(c.encode(c.Hello(1, 0, "quiet", "")))
        t0 = time.monotonic()
        received = b""
        while chunk := sock.recv(4096):
            received += chunk
        elapsed_s = time.monotonic() - t0
    messages = c.decode_all(received)
    assert isinstance(messages[0], c.ServerHello) and isinstance(messages[-1], c.Bye)
    assert sum(isinstance(m, c.Heartbeat) for m in messages) >= 3
    assert elapsed_s >= 0.9


def test_no_hello_is_closed_after_the_idle_time_out(make_server):
    server = make_server(idle_timeout_s=0.5)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        assert sock.recv(4096) is not None  # returns (b"" or a BYE) once the server closes
        assert _wait(lambda: server.client_count == 0)


def test_stop_says_bye_to_connected_clients(make_server):
    server = make_server()
    client = LiveLinkClient.connect("127.0.0.1", server.port, "c")
    server.stop()
    messages = []
    while (m := client.recv(5)) is not None:
        messages.append(m)
    assert isinstance(messages[-1], c.Bye)
    client.close()


def test_max_clients(make_server):
    server = make_server(max_clients=1)
    with LiveLinkClient.connect("127.0.0.1", server.port, "first"):
        with pytest.raises(Exception, match="RESOURCE_EXHAUSTED"):
            LiveLinkClient.connect("127.0.0.1", server.port, "second")
