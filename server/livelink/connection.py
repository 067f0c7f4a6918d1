"""One Live Link client connection: handshake, requests, and the frame sink that feeds it.

A reader thread decodes what the client sends and answers it; a writer thread drains a
bounded outgoing queue and sends a HEARTBEAT after ``heartbeat_interval_s`` with nothing
else to send. Hub threads only append to that queue, so a client that stops reading can
never stall the hub or other clients: once its queue holds ``max_outgoing_bytes`` the
connection is dropped.
"""
from __future__ import annotations

import logging
import select
import socket
import threading
import time
from collections import deque
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from model.errors import InputError
from server.livelink import codec as c
from server.livelink.hub import CANCELLED, COMPLETE, FAILED, HubFullError, LineFrames
from server.runtime import limits
from server.livelink.requests import ClipTooLongError, parse_submit

if TYPE_CHECKING:
    from server.livelink.tcp_server import LiveLinkServer

log = logging.getLogger(__name__)
_STATUS = {COMPLETE: c.LineStatus.COMPLETE, CANCELLED: c.LineStatus.CANCELLED, FAILED: c.LineStatus.FAILED}
_SERVER_TO_CLIENT = frozenset({c.ServerHello, c.SubjectStatic, c.LineStart, c.Frame, c.LineEnd, c.Error})
_POLL_S = 0.25  # reader wake-up interval (idle time-out and shutdown checks)
_RECV_BYTES = 256 * 1024


class Connection:
    """Serves one client socket; also the hub's :class:`~server.livelink.hub.FrameSink` for it."""

    def __init__(self, sock: socket.socket, peer: str, server: LiveLinkServer):
        self.sock, self.peer, self.server = sock, peer, server
        self.peer_ip = peer.rsplit(":", 1)[0]  # connections per address are capped
        self.config = server.config
        self._out: deque[bytes] = deque()
        self._out_bytes = 0
        self._cond = threading.Condition()
        self._closing = False  # no more messages: flush, then close
        self._dead = False  # socket shut down
        self._subscribe_all = False
        self._subjects: set[str] = set()
        self._excluded: set[str] = set()  # unsubscribed while subscribed to all
        self._statics: dict[str, c.SubjectStatic] = {}  # latest static data per subject (from the hub)
        self._static_sent: dict[str, c.SubjectStatic] = {}
        self._line_starts: dict[str, c.LineStart] = {}  # the hub's current line per subject
        self._announced: dict[str, int] = {}  # subject -> line id whose LINE_START this client got
        self._sub_lock = threading.Lock()
        self._pending_lines = 0  # submitted lines whose model work is not done
        self._greeted = threading.Event()  # SERVER_HELLO queued: heartbeats may follow
        self.accepted_s = time.monotonic()
        self._writer = threading.Thread(target=self._write_loop, name=f"livelink-write-{peer}", daemon=True)
        self._reader = threading.Thread(target=self._read_loop, name=f"livelink-read-{peer}", daemon=True)

    def start(self) -> None:
        self._writer.start()
        self._reader.start()

    def join(self, timeout_s: float) -> None:
        """Wait for the connection to finish closing."""
        self._reader.join(timeout_s)

    # ------------------------------------------------------------ outgoing
    def send(self, message: c.Message) -> None:
        """Queue a message (never blocks); drop the client if its queue is over the limit."""
        data = c.encode(message)
        with self._cond:
            if self._closing or self._dead:
                return
            if self._out_bytes + len(data) > self.config.max_outgoing_bytes:
                overflow = True
            else:
                overflow = False
                self._out.append(data)
                self._out_bytes += len(data)
                self._cond.notify()
        if overflow:
            log.warning("Live Link client %s is not reading (%d bytes queued): disconnecting", self.peer,
                        self._out_bytes)
            self.abort()

    def close_after_flush(self) -> None:
        """Send what is queued, then close."""
        with self._cond:
            self._closing = True
            self._cond.notify()

    def abort(self) -> None:
        """Close at once (unblocks both threads)."""
        with self._cond:
            self._dead = True
            self._cond.notify()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _write_loop(self) -> None:
        interval_s = self.config.heartbeat_interval_s
        try:
            while True:
                with self._cond:
                    self._cond.wait_for(lambda: self._out or self._closing or self._dead, timeout=interval_s)
                    if self._dead:
                        return
                    batch = list(self._out)
                    self._out.clear()
                    closing = self._closing
                if batch:
                    data = b"".join(batch)
                    self.sock.sendall(data)
                    with self._cond:
                        self._out_bytes -= len(data)  # counted until sent, so a stuck send counts too
                elif closing:
                    return
                elif self._greeted.is_set():  # nothing before SERVER_HELLO
                    self.sock.sendall(c.encode(c.Heartbeat(time.time())))
        except OSError as exc:
            log.debug("Live Link client %s: send failed: %s", self.peer, exc)
        finally:
            self.abort()

    # ------------------------------------------------------------ incoming
    def _read_loop(self) -> None:
        # Before HELLO is accepted a message may be small only; afterwards only SUBMIT_LINE may be large.
        decoder = c.Decoder(self.config.pre_hello_message_bytes)
        last_heard = time.monotonic()
        hello_done = False
        try:
            while not self._closing and not self._dead:
                if not hello_done and time.monotonic() - self.accepted_s > self.config.hello_deadline_s:
                    log.info("Live Link client %s: no HELLO within %.0f s: closing", self.peer,
                             self.config.hello_deadline_s)
                    self._fail(c.ErrorCode.PROTOCOL, f"no HELLO accepted within {self.config.hello_deadline_s:g} s "
                                                     "of connecting (hello_deadline_s)")
                    break
                if not select.select([self.sock], [], [], _POLL_S)[0]:
                    if time.monotonic() - last_heard > self.config.idle_timeout_s:
                        log.info("Live Link client %s silent for %.0f s: closing", self.peer,
                                 self.config.idle_timeout_s)
                        self.send(c.Bye())
                        break
                    continue
                data = self.sock.recv(_RECV_BYTES)
                if not data:
                    break
                last_heard = time.monotonic()
                decoder.feed(data)
                while not self._closing and (message := decoder.next()) is not None:
                    try:
                        was_done, hello_done = hello_done, self._handle(message, hello_done)
                        if hello_done and not was_done:
                            decoder.max_message_bytes = c.MAX_MESSAGE_BYTES
                            decoder.max_small_bytes = self.config.control_message_bytes
                            decoder.large_types = frozenset({c.MessageType.SUBMIT_LINE})
                    except Exception:  # a bug: report INTERNAL, keep the connection (the spec's code 6)
                        log.exception("Live Link client %s: internal error handling %s", self.peer,
                                      type(message).__name__)
                        self._fail(c.ErrorCode.INTERNAL, "internal server error", getattr(message, "request_id", 0))
        except c.ProtocolError as exc:
            log.info("Live Link client %s: protocol error: %s", self.peer, exc)
            self._fail(c.ErrorCode.PROTOCOL, str(exc))
        except OSError as exc:
            log.debug("Live Link client %s: receive failed: %s", self.peer, exc)
        finally:
            self.close_after_flush()
            self.server.hub.remove_sink(self)
            self._writer.join(self.config.close_flush_s)
            self.abort()
            self.sock.close()
            self.server.forget(self)

    def _fail(self, code: c.ErrorCode, message: str, request_id: int = 0) -> None:
        self.send(c.Error(request_id, code, message))
        if code in c.CLOSING_CODES:
            self.close_after_flush()

    def _handle(self, message: c.Message, hello_done: bool) -> bool:
        """Answer one message; returns whether the handshake is done."""
        if isinstance(message, c.UnknownMessage):
            log.info("Live Link client %s: skipping unknown message type 0x%02x", self.peer, message.type)
            return hello_done
        if not hello_done:
            if not isinstance(message, c.Hello):
                self._fail(c.ErrorCode.PROTOCOL, f"expected HELLO first, got {type(message).__name__.upper()}")
                return False
            return self._hello(message)
        if isinstance(message, c.Hello):
            self._fail(c.ErrorCode.PROTOCOL, "HELLO sent twice")
        elif type(message) in _SERVER_TO_CLIENT:
            self._fail(c.ErrorCode.PROTOCOL, f"{type(message).__name__.upper()} is a server-to-client message")
        elif isinstance(message, c.Subscribe):
            self._subscribe_checked(message.subjects)
        elif isinstance(message, c.Unsubscribe):
            self.unsubscribe(message.subjects)
        elif isinstance(message, c.SubmitLine):
            self._submit(message)
        elif isinstance(message, c.Bye):
            self.close_after_flush()
        return True  # HEARTBEAT: nothing to do (it reset the idle timer)

    def _hello(self, hello: c.Hello) -> bool:
        if hello.major != c.VERSION_MAJOR:
            self._fail(c.ErrorCode.UNSUPPORTED_VERSION, f"client speaks {hello.major}.{hello.minor}; this server "
                                                        f"speaks {c.VERSION_MAJOR}.{c.VERSION_MINOR}")
            return False
        if not self.server.authorised(hello.token):
            if self.server.refusals.allow():
                log.warning("Live Link client %s: refused HELLO (missing or invalid token)", self.peer)
            self._fail(c.ErrorCode.UNAUTHENTICATED, "missing or invalid token (HELLO.token must be a token of the "
                                                    "service with scope 'animate')")
            return False
        self.client_name = hello.client_name
        self.send(c.ServerHello(c.VERSION_MAJOR, c.VERSION_MINOR, self.config.server_name,
                                self.server.pipeline.model_id, time.time()))
        self._greeted.set()
        self.server.hub.add_sink(self)
        log.info("Live Link client %s (%s) connected", self.peer, hello.client_name or "unnamed")
        return True

    def _submit(self, msg: c.SubmitLine) -> None:
        with self._sub_lock:
            busy = self._pending_lines >= self.config.max_pending_lines
        if busy:
            return self._fail(c.ErrorCode.RESOURCE_EXHAUSTED, f"{self.config.max_pending_lines} lines of this "
                              "connection are waiting for the model (max_pending_lines); wait for a LINE_START",
                              msg.request_id)
        try:
            request = parse_submit(msg, self.config.max_clip_s)
        except ClipTooLongError as exc:
            return self._fail(c.ErrorCode.RESOURCE_EXHAUSTED, str(exc), msg.request_id)
        except InputError as exc:
            return self._fail(c.ErrorCode.INVALID_ARGUMENT, str(exc), msg.request_id)
        if not self._subscribe_checked((request.subject,), msg.request_id):
            return None
        frames = LineFrames()
        try:
            self.server.hub.submit(request.subject, frames, request.paced, request.interrupt, request.request_id)
        except HubFullError as exc:
            return self._fail(c.ErrorCode.RESOURCE_EXHAUSTED, str(exc), msg.request_id)
        except InputError as exc:
            return self._fail(c.ErrorCode.INVALID_ARGUMENT, str(exc), msg.request_id)
        with self._sub_lock:
            self._pending_lines += 1
        self.server.run_line(request, frames, self._line_done)

    def _line_done(self) -> None:
        with self._sub_lock:
            self._pending_lines -= 1

    # ------------------------------------------------------------ subscriptions
    def _subscribe_checked(self, subjects: tuple[str, ...], request_id: int = 0) -> bool:
        """Subscribe within the limits (subject name length, names per connection); else ERROR, stays open."""
        too_long = [s for s in subjects if len(s.encode("utf-8")) > limits.LIVELINK_SUBJECT_BYTES]
        if too_long:
            self._fail(c.ErrorCode.INVALID_ARGUMENT, f"a subject name is longer than {limits.LIVELINK_SUBJECT_BYTES} "
                                                     "bytes of UTF-8", request_id)
            return False
        with self._sub_lock:
            count = len(self._subjects | set(subjects))
        if count > self.config.max_subscriptions:
            self._fail(c.ErrorCode.RESOURCE_EXHAUSTED, f"a connection may subscribe to at most "
                                                       f"{self.config.max_subscriptions} subjects (subscribe to "
                                                       "all with an empty SUBSCRIBE)", request_id)
            return False
        self.subscribe(subjects)
        return True

    def subscribe(self, subjects: tuple[str, ...]) -> None:
        with self._sub_lock:
            if not subjects:
                self._subscribe_all = True
                self._excluded.clear()
            self._subjects.update(subjects)
            self._excluded.difference_update(subjects)

    def unsubscribe(self, subjects: tuple[str, ...]) -> None:
        with self._sub_lock:
            if not subjects:
                self._subscribe_all = False
                self._subjects.clear()
                self._excluded.clear()
            else:
                self._subjects.difference_update(subjects)
                if self._subscribe_all:
                    self._excluded.update(subjects)
            for subject in subjects or tuple(self._announced):
                self._announced.pop(subject, None)

    def subscribed(self, subject: str) -> bool:
        return subject in self._subjects or (self._subscribe_all and subject not in self._excluded)

    # ------------------------------------------------------------ FrameSink (called by hub threads)
    def on_static(self, subject: str, controls: tuple[str, ...], fps: float) -> None:
        rate = Fraction(fps).limit_denominator(1001)
        self._statics[subject] = c.SubjectStatic(subject, rate.numerator, rate.denominator, tuple(controls))

    def on_line_start(self, subject: str, line_id: int, start_time_s: float, frame_count: int | None) -> None:
        count = c.UNKNOWN_FRAME_COUNT if frame_count is None else frame_count
        self._line_starts[subject] = c.LineStart(subject, line_id, self.server.hub.request_id(line_id),
                                                 start_time_s, count)
        if self.subscribed(subject):
            self._announce(subject, line_id)

    def on_frame(self, subject: str, line_id: int, frame_index: int, time_s: float, values: np.ndarray) -> None:
        if not self.subscribed(subject):
            return
        if self._announced.get(subject) != line_id:
            self._announce(subject, line_id)  # subscribed mid-line
        self.send(c.Frame(subject, line_id, frame_index, time_s, values))

    def on_line_end(self, subject: str, line_id: int, frames_sent: int, status: str, message: str) -> None:
        if self._announced.get(subject) == line_id:
            del self._announced[subject]
            self.send(c.LineEnd(subject, line_id, frames_sent, _STATUS[status], message))

    def close(self) -> None:
        self.close_after_flush()

    def _announce(self, subject: str, line_id: int) -> None:
        static = self._statics.get(subject)
        if static is not None and self._static_sent.get(subject) != static:
            self._static_sent[subject] = static
            self.send(static)
        start = self._line_starts.get(subject)
        if start is not None and start.line_id == line_id:
            self._announced[subject] = line_id
            self.send(start)
