"""The Live Link TCP server: accepts clients and runs their lines on the shared model workers.

``LiveLinkServer(options, pipeline, hub, submit_work, authorise)`` binds at construction
(port 0 = any free port; ``.port`` is the bound one), ``start()`` accepts clients on a
thread, ``stop()`` says BYE to every client and closes. Model work goes through
``submit_work(fn) -> Future`` (in ``emoface serve``, the
:class:`~server.runtime.work_pool.WorkPool` the gRPC service uses too), so Live Link and
gRPC requests share the same model lock and worker count. ``authorise(token) -> bool``
decides whether a HELLO token may connect (None: authentication off).
"""
from __future__ import annotations

import logging
import socket
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Callable

import numpy as np

from model.errors import InputError
from server.livelink import codec as c
from server.livelink.connection import Connection
from server.livelink.hub import LineFrames, SubjectHub
from server.livelink.requests import LineRequest
from server.runtime import cancellation, limits

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiveLinkOptions:
    """Settings of the Live Link TCP server.

    host, port: address to listen on (port 0 = any free port).
    idle_timeout_s: close a client that sends nothing for this long (it should HEARTBEAT every second).
    heartbeat_interval_s: send a HEARTBEAT after this long with nothing else to send.
    max_outgoing_bytes: bytes queued for one client before it counts as not reading and is dropped.
    max_clients: connections at once; more get ERROR RESOURCE_EXHAUSTED and are closed.
    max_clients_per_peer: connections at once from one IP address; more are refused the same way.
    hello_deadline_s: a connection whose HELLO is not accepted this long after it was accepted gets
        ERROR PROTOCOL and is closed, however slowly it sends (absolute, not reset by bytes).
    pre_hello_message_bytes: largest message before HELLO is accepted (larger: ERROR PROTOCOL).
    control_message_bytes: largest message of any type but SUBMIT_LINE (larger: ERROR PROTOCOL).
    max_subscriptions: subject names one connection may subscribe to (more: ERROR RESOURCE_EXHAUSTED).
    max_pending_lines: lines of one connection whose audio waits for the model (more: ERROR
        RESOURCE_EXHAUSTED), which bounds the audio one connection makes the server hold.
    max_clip_s: longest line in seconds of audio (longer: ERROR RESOURCE_EXHAUSTED).
    close_flush_s: time given to send what is queued when a connection closes.
    send_buffer_bytes: the kernel send buffer of each client socket (fixed, so a client that
        does not read is detected by ``max_outgoing_bytes`` instead of filling megabytes of
        auto-tuned kernel buffer; None = the system's auto-tuning).
    server_name: SERVER_HELLO.server_name.
    """

    host: str = "127.0.0.1"
    port: int = 0
    idle_timeout_s: float = limits.LIVELINK_IDLE_TIMEOUT_S
    heartbeat_interval_s: float = 1.0
    max_outgoing_bytes: int = limits.LIVELINK_MAX_OUTGOING_BYTES
    max_clients: int = limits.LIVELINK_MAX_CLIENTS
    max_clients_per_peer: int = limits.LIVELINK_CONNECTIONS_PER_PEER
    hello_deadline_s: float = limits.LIVELINK_HELLO_DEADLINE_S
    pre_hello_message_bytes: int = limits.LIVELINK_PRE_HELLO_MESSAGE_BYTES
    control_message_bytes: int = limits.LIVELINK_CONTROL_MESSAGE_BYTES
    max_subscriptions: int = limits.LIVELINK_SUBSCRIPTIONS
    max_pending_lines: int = limits.LIVELINK_PENDING_LINES
    max_clip_s: float = limits.MAX_CLIP_S
    close_flush_s: float = 2.0
    send_buffer_bytes: int | None = 256 * 1024
    server_name: str = "emoface serve"


class LiveLinkServer:
    """Listens for Live Link clients (see the module docstring)."""

    def __init__(self, options: LiveLinkOptions, pipeline, hub: SubjectHub,
                 submit_work: Callable[..., Future], authorise: Callable[[str], bool] | None = None):
        self.config, self.pipeline, self.hub = options, pipeline, hub
        self.submit_work = submit_work
        self._authorise = authorise
        try:
            family = socket.AF_INET6 if ":" in options.host else socket.AF_INET
            self._listener = socket.create_server((options.host, options.port), family=family, backlog=64)
        except OSError as exc:
            raise InputError(f"cannot bind Live Link on {options.host}:{options.port}: {exc.strerror or exc}") from None
        self._listener.settimeout(0.25)
        self.port: int = self._listener.getsockname()[1]
        self._connections: set[Connection] = set()
        self.refusals = limits.LogLimiter()  # a flood of refused connections logs a few lines only
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="livelink-accept", daemon=True)

    def start(self) -> None:
        self._thread.start()
        log.info("Live Link listening on %s:%d", self.config.host, self.port)

    def stop(self, timeout_s: float = 2.0) -> None:
        """Stop accepting, send BYE to every client and close the connections."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)
        self._listener.close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            conn.send(c.Bye())
            conn.close_after_flush()
        for conn in connections:
            conn.join(timeout_s)

    @property
    def client_count(self) -> int:
        with self._lock:
            return len(self._connections)

    def authorised(self, token: str) -> bool:
        """Whether a HELLO token may use Live Link (always, when authentication is off)."""
        return self._authorise is None or self._authorise(token)

    def forget(self, conn: Connection) -> None:
        with self._lock:
            self._connections.discard(conn)

    def run_line(self, request: LineRequest, frames: LineFrames, on_done: Callable[[], None] = lambda: None) -> None:
        """Animate a submitted line on the model workers and hand its frames to the hub's buffer.

        on_done: called once the model work is over (the line's audio is no longer held).
        """

        def job():
            if frames.cancelled:  # interrupted while queued: skip the model
                return np.zeros((0, len(self.hub.controls)), np.float32)
            with cancellation.scope(lambda: not frames.cancelled):  # interrupted: stop at the next model piece
                return self.pipeline.animate(request.audio_16k, request.emotion, request.options).full()

        def done(future: Future) -> None:
            on_done()
            try:
                frames.push(future.result())
                frames.finish()
            except cancellation.WorkCancelled:
                return  # the line was interrupted or cancelled; its end was reported then
            except InputError as exc:
                frames.fail(str(exc))
            except Exception as exc:  # reported to the client as LINE_END FAILED
                log.exception("Live Link line for %r failed", request.subject)
                frames.fail(f"internal error: {type(exc).__name__}")

        try:
            self.submit_work(job).add_done_callback(done)
        except RuntimeError as exc:  # the worker pool is shut down
            on_done()
            frames.fail(f"server shutting down ({exc})")

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                sock, address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError as exc:
                if not self._stop.is_set():
                    log.error("Live Link accept failed: %s", exc)
                return
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.config.send_buffer_bytes:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.config.send_buffer_bytes)
            peer = f"{address[0]}:{address[1]}"
            conn = Connection(sock, peer, self)
            with self._lock:
                same_peer = sum(1 for other in self._connections if other.peer_ip == address[0])
                if len(self._connections) >= self.config.max_clients:
                    refusal = f"server has {self.config.max_clients} Live Link clients (max_clients)"
                elif same_peer >= self.config.max_clients_per_peer:
                    refusal = (f"{address[0]} has {self.config.max_clients_per_peer} Live Link connections "
                               "open (max_clients_per_peer)")
                else:
                    refusal = None
                    self._connections.add(conn)
            if refusal:
                if self.refusals.allow():
                    log.warning("Live Link: refusing %s: %s", peer, refusal)
                conn.send(c.Error(0, c.ErrorCode.RESOURCE_EXHAUSTED, refusal))
                conn.close_after_flush()
            conn.start()
