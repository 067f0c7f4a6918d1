"""Two replicas on loopback behind one client: round-robin, drain, a replica killed or frozen mid-run.

Unary calls spread over both replicas and go on without an error when one drains or dies
(client-side health checking + the retry policy of server/grpc/channel.py); a stream on the
replica that dies ends UNAVAILABLE at once, and on a frozen one after the keepalive ping. The
address forms (IPv4 and IPv6 lists, dns:///) and `emoface animate --server LIST` are exercised.
In-process servers are stopped abruptly (``grpc_server.stop(0)``); the slow tests SIGKILL or
SIGSTOP real `emoface serve` processes. Every wait is bounded.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.request

import grpc
import pytest

from emoface_testing import EMOFACE, emoface, encode_audio, speechlike
from server.grpc import app, channel
from server.grpc.client import FaceAnimationClient, ServiceError

AUDIO = encode_audio(speechlike(0.5), 16000)
CALL_TIMEOUT_S = 10.0  # deadline of every call, streams included: nothing waits longer
PROMPT_S = 5.0  # a stream on a killed replica ends UNAVAILABLE within this (typically 0.01-0.1 s), so
# well before its deadline; generous because the machine running the tests may be starved of CPU


def _streams_started(server) -> float:
    return server.metrics.registry.get_sample_value("emoface_requests_total", {"method": "StreamAnimate"}) or 0.0


def _paced_silence(chunks: int = 200, chunk_s: float = 0.05):
    """Real-time paced 16 kHz s16le silence (10 s by default): a stream that stays open."""
    for _ in range(chunks):
        time.sleep(chunk_s)
        yield b"\0\0" * int(16000 * chunk_s)


class UnaryLoop:
    """Animate calls in a loop on a thread until stopped; records every failure."""

    def __init__(self, client: FaceAnimationClient):
        self.client, self.errors, self.done = client, [], 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                assert self.client.animate(AUDIO).num_frames == 30
                self.done += 1
            except Exception as exc:  # every failure is a test failure, reported below
                self.errors.append(exc)

    def __enter__(self) -> UnaryLoop:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(2 * CALL_TIMEOUT_S)
        assert not self._thread.is_alive(), "a unary call hung"


def _two_replicas(serve):
    (a, address_a), (b, address_b) = serve(), serve()
    return (a, b), f"{address_a},{address_b}"


def test_unary_calls_spread_over_both_replicas(serve):
    servers, address = _two_replicas(serve)
    with FaceAnimationClient(address, timeout_s=CALL_TIMEOUT_S) as client:
        for _ in range(12):  # not interleaved with GetInfo: alternating picks would send each method to one replica
            assert client.animate(AUDIO).num_frames == 30
        for _ in range(12):
            client.info()
    for method in ("Animate", "GetInfo"):
        served = [s.metrics.count(method, "OK") for s in servers]
        assert min(served) >= 3, (method, served)  # 12 each (GetInfo: one more, the limits read by animate)


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def _until_both_serve(client: FaceAnimationClient, servers) -> None:
    """GetInfo until round robin reaches every replica twice (a second subchannel may connect later)."""
    for _ in range(40):
        client.info()
        if all(server.metrics.count("GetInfo", "OK") >= 2 for server in servers):
            return
    raise AssertionError(f"GetInfo served {[server.metrics.count('GetInfo', 'OK') for server in servers]} "
                         "times after 40 calls: round robin never reached every replica")


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback on this machine")
def test_ipv6_list_and_dns_target(serve):
    started = [serve(host="::1") for _ in range(2)]  # the fixture names them 127.0.0.1:PORT; they bind ::1
    addresses = ",".join(f"[::1]:{address.rsplit(':', 1)[1]}" for _, address in started)
    with FaceAnimationClient(addresses, timeout_s=CALL_TIMEOUT_S) as client:
        _until_both_serve(client, [server for server, _ in started])
    server, address = serve()
    with FaceAnimationClient(f"dns:///localhost:{address.rsplit(':', 1)[1]}", timeout_s=CALL_TIMEOUT_S) as client:
        assert client.animate(AUDIO).num_frames == 30


def test_cli_with_a_list_of_replicas(serve, tmp_path):
    (a, b), address = _two_replicas(serve)
    wav = tmp_path / "line.wav"
    wav.write_bytes(AUDIO)
    proc = emoface("animate", wav, "--server", address, "-o", tmp_path / "o.json", "--seed", "3")
    assert proc.returncode == 0, proc.stderr
    assert a.metrics.count("Animate", "OK") + b.metrics.count("Animate", "OK") == 1


def test_a_draining_replica_gets_no_calls_and_none_fail(serve):
    (a, b), address = _two_replicas(serve)
    with FaceAnimationClient(address, timeout_s=CALL_TIMEOUT_S) as client, UnaryLoop(client) as loop:
        time.sleep(0.5)
        assert a.stop(grace_s=1.0).wait(10)  # health NOT_SERVING, new calls UNAVAILABLE, then gone
        before = b.metrics.count("Animate", "OK")
        time.sleep(0.5)
    assert loop.errors == [] and loop.done > 0
    assert b.metrics.count("Animate", "OK") > before


def test_killed_replica_ends_its_stream_unavailable_and_unary_calls_go_on(serve):
    servers, address = _two_replicas(serve)
    with FaceAnimationClient(address, timeout_s=CALL_TIMEOUT_S) as client, UnaryLoop(client) as loop:
        stream = client.stream(_paced_silence())
        next(iter(stream))  # the stream is open and answering
        (victim,) = [s for s in servers if _streams_started(s) == 1]
        (survivor,) = [s for s in servers if s is not victim]
        before = survivor.metrics.count("Animate", "OK")
        killed_at = time.monotonic()
        victim.grpc_server.stop(0)  # abrupt: calls in progress cancelled, connections closed
        with pytest.raises(ServiceError) as err:
            for _ in stream:
                pass
        ended_after_s = time.monotonic() - killed_at
        time.sleep(1.0)
    assert err.value.code == grpc.StatusCode.UNAVAILABLE and ended_after_s < PROMPT_S, (err.value, ended_after_s)
    # the loop is one thread: at most the one call in progress on the victim is cut (CANCELLED, as a
    # hard stop cancels it; the SIGKILL test below closes connections instead); every later call is served
    assert [e.code for e in loop.errors] in ([], [grpc.StatusCode.CANCELLED]), loop.errors[:3]
    assert survivor.metrics.count("Animate", "OK") > before


def _start_serve(checkpoint, tmp_path, name: str) -> tuple[subprocess.Popen, str, int]:
    """A real `emoface serve --port 0 --metrics-port 0` process; (process, address, metrics port) once it listens."""
    env = {**os.environ, "EMOFACE_GRACE_S": "1"}
    with open(tmp_path / f"{name}.log", "w") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen([*EMOFACE, "serve", "--port", "0", "--metrics-port", "0", "--checkpoint",
                                 str(checkpoint), "--stream-capacity", "4"],  # not measured: load-independent
                                stdout=subprocess.PIPE, stderr=log, text=True, env=env)
    line = proc.stdout.readline()
    match = re.search(r"listening on (\S+:\d+).*metrics :(\d+)", line)
    assert match, f"no start-up line: {line!r}: {(tmp_path / f'{name}.log').read_text()}"
    return proc, match.group(1), int(match.group(2))


def _open_streams(metrics_port: int) -> int:
    """Calls in progress on a serve process, read from its /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as reply:
        text = reply.read().decode()
    return int(float(re.search(r"^emoface_requests_in_flight (\S+)$", text, re.M).group(1)))


@pytest.mark.slow
def test_sigkilled_serve_process_ends_its_stream_and_unary_calls_go_on(tiny_checkpoint, tmp_path):
    procs = []
    try:
        for name in ("a", "b"):
            procs.append(_start_serve(tiny_checkpoint, tmp_path, name))
        address = ",".join(a for _, a, _ in procs)
        with FaceAnimationClient(address, timeout_s=CALL_TIMEOUT_S) as client:
            streams = [client.stream(_paced_silence()) for _ in range(2)]
            for s in streams:
                next(iter(s))
            on_each = [_open_streams(metrics_port) for _, _, metrics_port in procs]
            assert sum(on_each) == 2, on_each
            victim = 0 if on_each[0] else 1  # a replica holding at least one of the streams
            with UnaryLoop(client) as loop:
                outcomes, ended_after_s, done_at_kill = _kill_and_watch(procs[victim][0], streams, loop)
        expected = ["open"] * on_each[1 - victim] + [str(grpc.StatusCode.UNAVAILABLE)] * on_each[victim]
        assert sorted(map(str, outcomes)) == sorted(expected), outcomes
        assert ended_after_s < PROMPT_S
        assert loop.errors == [], loop.errors[:3]
        assert loop.done > done_at_kill
    finally:
        for proc, _, _ in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)


def _kill_and_watch(proc, streams, loop, open_after_s: float = PROMPT_S):
    """SIGKILL ``proc`` while the loop runs; (each stream's outcome: its status code, or "open" when it
    still delivers frames ``open_after_s`` after the kill; seconds until the last stream ended; calls done)."""
    time.sleep(0.3)
    killed_at = time.monotonic()
    proc.send_signal(signal.SIGKILL)
    outcomes, ended_after_s = [], 0.0
    for s in streams:
        try:
            for _ in s:  # frames received before the kill come first, then the status
                if time.monotonic() - killed_at > open_after_s:
                    outcomes.append("open")
                    break
            else:
                outcomes.append("ended")
        except ServiceError as exc:
            outcomes.append(exc.code)
            ended_after_s = time.monotonic() - killed_at
    done_at_kill = loop.done
    time.sleep(1.0)
    for s in streams:
        s.cancel()
    return outcomes, ended_after_s, done_at_kill


def test_connection_age_recycles_connections_without_cutting_calls(serve, monkeypatch):
    """Servers end connections after MAX_CONNECTION_AGE_S so dns:/// clients re-resolve and find new
    replicas; a stream running past the age completes, and calls after it go on (a new connection)."""
    monkeypatch.setattr(app, "MAX_CONNECTION_AGE_S", 0.5)
    _, address = serve()
    with FaceAnimationClient(address, timeout_s=CALL_TIMEOUT_S) as client, UnaryLoop(client) as loop:
        stream = client.stream(_paced_silence(chunks=30))  # 1.5 s: three times the connection age
        assert sum(len(b.frames) for b in stream) == 90
        time.sleep(0.5)
    assert loop.errors == [] and loop.done > 0


@pytest.mark.slow
def test_stream_on_a_frozen_replica_ends_unavailable_by_keepalive(tiny_checkpoint, tmp_path, monkeypatch):
    """A replica that stops answering without closing its connection (SIGSTOP stands in for a node that
    vanished) ends the stream UNAVAILABLE after the keepalive ping goes unanswered, not at the deadline."""
    monkeypatch.setattr(channel, "KEEPALIVE_S", 1.0)  # the mechanism, on a test's time scale
    monkeypatch.setattr(channel, "KEEPALIVE_TIMEOUT_S", 1.0)
    proc, address, _ = _start_serve(tiny_checkpoint, tmp_path, "frozen")
    try:
        with FaceAnimationClient(address, timeout_s=60) as client:
            stream = client.stream(_paced_silence(chunks=1200))
            next(iter(stream))
            proc.send_signal(signal.SIGSTOP)
            frozen_at = time.monotonic()
            with pytest.raises(ServiceError) as err:
                for _ in stream:
                    pass
        assert err.value.code == grpc.StatusCode.UNAVAILABLE and time.monotonic() - frozen_at < 15.0, err.value
    finally:
        proc.send_signal(signal.SIGCONT)
        proc.kill()
        proc.wait(10)


def test_two_replicas_serve_twice_the_streams_of_one(serve):
    """Each replica keeps 2 streams; through one client, two replicas keep 4 and refuse the fifth at once."""
    (a, address_a), (b, address_b) = serve(stream_capacity=2), serve(stream_capacity=2)
    address = f"{address_a},{address_b}"
    with FaceAnimationClient(address, timeout_s=CALL_TIMEOUT_S) as client:
        _until_both_serve(client, [a, b])  # both subchannels connected and healthy before the streams are placed
        streams = [client.stream(_paced_silence(40)) for _ in range(4)]
        for s in streams:
            s.wait_header()
        assert (a.pool.streams, b.pool.streams) == (2, 2)
        with pytest.raises(ServiceError) as refused:
            client.stream(_paced_silence(4)).wait_header()
        assert refused.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED and "capacity" in str(refused.value)
        for s in streams:
            s.cancel()
