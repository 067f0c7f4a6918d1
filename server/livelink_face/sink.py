"""A Live Link hub sink that sends every frame as one Live Link Face UDP datagram.

``on_frame`` maps the 174 controls to the 61 curves, encodes the packet and queues it; a
worker thread resolves the address and sends, so the hub's sender threads never wait on
DNS or the network. Name-resolution and socket errors are logged once per kind (then at
debug level) and never raised into the hub; when the queue is full the oldest packet is
dropped (a late frame is worth less than a current one). Counters: :meth:`stats`.

Frame times: frame *i* of a line stands for ``start_time_s + i / fps`` and is sent as a
time of day in frames at the subject's rate (local time by default, like the app's system
clock timecode; ``utc=True`` for UTC), so consecutive frames of a line differ by exactly 1.
"""
from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from server.livelink_face.mapping import ArkitMapper
from server.livelink_face.packet import CURVE_COUNT, FrameTime, encode_packet

log = logging.getLogger(__name__)

_STOP = object()


@dataclass
class _Subject:
    """What the sink knows of one subject: its mapper, rate and current line."""

    mapper: ArkitMapper
    fps: float
    line_id: int | None = None
    base_frames: float = 0.0  # time of day of the line's frame 0, in frames


@dataclass
class SinkStats:
    """queued: packets accepted; sent: datagrams sent; dropped: packets lost to a full queue,
    an unresolvable host or a socket error; errors: failed resolutions and sends."""

    queued: int = 0
    sent: int = 0
    dropped: int = 0
    errors: int = 0
    reported: set = field(default_factory=set)  # error kinds already logged at warning level


class LiveLinkFaceSink:
    """Implements :class:`server.livelink.hub.FrameSink` by sending Live Link Face packets.

    host, port: where Unreal listens (the Live Link Face source's port, 11111 by default).
    subject_filter: only this hub subject is sent (None: every subject, each under its own name).
    device_id: the device id field of every packet.
    max_queued_packets: packets waiting for the worker thread before the oldest is dropped.
    rest_on_end: after a line ends (complete, cancelled or failed) send one all-zero frame so
        the face does not freeze mid-word.
    utc: frame times as UTC time of day instead of local time of day.
    """

    def __init__(self, host: str, port: int, subject_filter: str | None = None, device_id: str = "EmoFaceBridge",
                 *, max_queued_packets: int = 256, rest_on_end: bool = True, utc: bool = False):
        self.host, self.port = host, int(port)
        self.subject_filter = subject_filter
        self.device_id = device_id
        self.rest_on_end = rest_on_end
        self.utc = utc
        self._queue: queue.Queue = queue.Queue(maxsize=max(1, max_queued_packets))
        self._lock = threading.Lock()
        self._subjects: dict[str, _Subject] = {}
        self._mappers: dict[tuple[str, ...], ArkitMapper] = {}
        self._stats = SinkStats()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=f"livelink-face-{host}:{port}", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------ FrameSink
    def on_static(self, subject: str, controls: tuple[str, ...], fps: float) -> None:
        if not self._wanted(subject):
            return
        key = tuple(controls)
        with self._lock:
            mapper = self._mappers.get(key)
            if mapper is None:
                mapper = self._mappers[key] = ArkitMapper(key)
            self._subjects[subject] = _Subject(mapper, float(fps))

    def on_line_start(self, subject: str, line_id: int, start_time_s: float, frame_count: int | None) -> None:
        state = self._subject(subject)
        if state is None:
            return
        state.line_id = line_id
        state.base_frames = self._day_frames(start_time_s, state.fps)

    def on_frame(self, subject: str, line_id: int, frame_index: int, time_s: float, values: np.ndarray) -> None:
        state = self._subject(subject)
        if state is None:
            return
        if state.line_id != line_id:  # a frame without its LINE_START: anchor the line at its time now
            state.line_id = line_id
            state.base_frames = self._day_frames(time.time() - time_s, state.fps)
        self._send(subject, state, frame_index, state.mapper.apply(values))

    def on_line_end(self, subject: str, line_id: int, frames_sent: int, status: str, message: str) -> None:
        state = self._subject(subject)
        if state is None or state.line_id != line_id:
            return
        if self.rest_on_end:
            self._send(subject, state, frames_sent, np.zeros(CURVE_COUNT, dtype=np.float32))
        state.line_id = None

    def close(self) -> None:
        """Send what is queued (up to 2 s), then stop the worker and close the socket."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self.flush(2.0)
        self._put(_STOP, force=True)
        self._thread.join(2.0)

    # ------------------------------------------------------------ helpers
    def flush(self, timeout_s: float | None = None) -> bool:
        """Wait until every queued packet is sent or dropped; False on time-out."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while self._queue.unfinished_tasks:
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.002)
        return True

    def stats(self) -> dict[str, int]:
        """Counters: queued, sent, dropped, errors."""
        with self._lock:
            s = self._stats
            return {"queued": s.queued, "sent": s.sent, "dropped": s.dropped, "errors": s.errors}

    def _wanted(self, subject: str) -> bool:
        return self.subject_filter is None or subject == self.subject_filter

    def _subject(self, subject: str) -> _Subject | None:
        if not self._wanted(subject):
            return None
        with self._lock:
            return self._subjects.get(subject)

    def _day_frames(self, epoch_s: float, fps: float) -> float:
        offset_s = 0.0 if self.utc else float(time.localtime(epoch_s).tm_gmtoff)
        ft = FrameTime.time_of_day(epoch_s, fps, offset_s)
        return ft.frame + ft.sub_frame

    def _send(self, subject: str, state: _Subject, frame_index: int, curves: np.ndarray) -> None:
        frame_time = FrameTime.from_frames(state.base_frames + frame_index, state.fps)
        try:
            packet = encode_packet(self.device_id, subject, frame_time, curves)
        except ValueError as exc:  # e.g. a subject name too long for Unreal: report once, never raise
            self._report("encode", f"cannot encode a Live Link Face packet for {subject!r}: {exc}")
            return
        self._put(packet)

    def _put(self, item, force: bool = False) -> None:
        while True:
            try:
                self._queue.put_nowait(item)
                break
            except queue.Full:
                try:
                    self._queue.get_nowait()
                    self._queue.task_done()
                    with self._lock:
                        self._stats.dropped += 1
                except queue.Empty:
                    pass
                if not force:
                    self._report("full", "Live Link Face send queue full; dropping the oldest packets")
        if item is not _STOP:
            with self._lock:
                self._stats.queued += 1

    def _report(self, kind: str, message: str) -> None:
        with self._lock:
            first = kind not in self._stats.reported
            self._stats.reported.add(kind)
            if kind != "full":
                self._stats.errors += 1
        log.log(logging.WARNING if first else logging.DEBUG, "%s", message)

    # ------------------------------------------------------------ worker thread
    def _run(self) -> None:
        sock: socket.socket | None = None
        address = None
        retry_at = 0.0
        try:
            while True:
                item = self._queue.get()
                try:
                    if item is _STOP:
                        return
                    if address is None and time.monotonic() >= retry_at:
                        sock, address = self._open(sock)
                        retry_at = time.monotonic() + 2.0
                    if address is None:
                        with self._lock:
                            self._stats.dropped += 1
                        continue
                    self._send_one(sock, address, item)
                finally:
                    self._queue.task_done()
        finally:
            if sock is not None:
                sock.close()

    def _open(self, old: socket.socket | None):
        try:
            family, kind, proto, _, address = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_DGRAM)[0]
        except (OSError, UnicodeError) as exc:
            self._report("resolve", f"cannot resolve Live Link Face target {self.host}:{self.port}: {exc}")
            return old, None
        if old is not None:
            old.close()
        try:
            sock = socket.socket(family, kind, proto)
        except OSError as exc:
            self._report("socket", f"cannot open a UDP socket for {self.host}:{self.port}: {exc}")
            return None, None
        sock.settimeout(1.0)
        log.info("Live Link Face packets go to %s (resolved %s)", f"{self.host}:{self.port}", address[0])
        return sock, address

    def _send_one(self, sock: socket.socket, address, packet: bytes) -> None:
        try:
            sock.sendto(packet, address)
        except OSError as exc:  # unreachable network, refused (ICMP), buffer full...
            self._report(f"send-{exc.errno}", f"sending a Live Link Face packet to {self.host}:{self.port} "
                                              f"failed: {exc}")
            with self._lock:
                self._stats.dropped += 1
            return
        with self._lock:
            self._stats.sent += 1


__all__ = ["LiveLinkFaceSink"]
