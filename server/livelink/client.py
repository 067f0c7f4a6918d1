"""A small blocking Live Link client (tests, benchmarks, and the reference for other clients).

    with LiveLinkClient.connect("127.0.0.1", port, "my-tool") as client:
        request_id = client.submit("Hero", pcm_s16le_bytes, emotion="happy:0.6", paced=False)
        line = client.collect_line(request_id)     # LineResult: frames (T, 174) float32

:meth:`recv` sends a HEARTBEAT whenever ``heartbeat_interval_s`` passed since the client
last sent something, so a client that keeps receiving is never timed out by the server.
"""
from __future__ import annotations

import itertools
import select
import socket
import time
from dataclasses import dataclass, field

import numpy as np

from server.errors import ServiceError
from server.livelink import codec as c


@dataclass
class LineResult:
    """Everything received for one line. frames: ``(T, C)`` float32 in static control order."""

    start: c.LineStart
    end: c.LineEnd | None = None
    static: c.SubjectStatic | None = None
    frame_messages: list[c.Frame] = field(default_factory=list)
    received_at_s: list[float] = field(default_factory=list)  # Unix time each FRAME arrived

    @property
    def frames(self) -> np.ndarray:
        if not self.frame_messages:
            return np.zeros((0, len(self.static.controls) if self.static else 0), np.float32)
        return np.stack([f.values for f in self.frame_messages])


class LiveLinkClient:
    """One connection to a Live Link server (blocking; not thread-safe)."""

    def __init__(self, sock: socket.socket, server_hello: c.ServerHello, decoder: c.Decoder,
                 heartbeat_interval_s: float = 1.0):
        self.sock, self.server_hello, self._decoder = sock, server_hello, decoder
        self.heartbeat_interval_s = heartbeat_interval_s
        self.statics: dict[str, c.SubjectStatic] = {}
        self._last_sent = time.monotonic()
        self._ids = itertools.count(1)

    @classmethod
    def connect(cls, host: str, port: int, client_name: str = "emoface-python", token: str = "",
                timeout_s: float = 10.0, major: int = c.VERSION_MAJOR) -> LiveLinkClient:
        """Connect and handshake; raises ServiceError if the server answers ERROR."""
        sock = socket.create_connection((host, port), timeout=timeout_s)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(c.encode(c.Hello(major, c.VERSION_MINOR, client_name, token)))
        client = cls(sock, c.ServerHello(), c.Decoder())
        first = client.recv(timeout_s)
        if isinstance(first, c.Error):
            sock.close()
            raise ServiceError(c.ErrorCode(first.code).name, first.message)
        if not isinstance(first, c.ServerHello):
            sock.close()
            raise ServiceError("PROTOCOL", f"expected SERVER_HELLO, got {first!r:.80}")
        client.server_hello = first
        return client

    def __enter__(self) -> LiveLinkClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------ sending
    def send(self, message: c.Message) -> None:
        self.sock.sendall(c.encode(message))
        self._last_sent = time.monotonic()

    def subscribe(self, subjects: tuple[str, ...] | list[str] = ()) -> None:
        self.send(c.Subscribe(tuple(subjects)))

    def unsubscribe(self, subjects: tuple[str, ...] | list[str] = ()) -> None:
        self.send(c.Unsubscribe(tuple(subjects)))

    def submit(self, subject: str, audio: bytes, emotion: str = "", options_json: str = "", paced: bool = False,
               interrupt: bool = False, encoding: int = c.PcmEncoding.S16LE, sample_rate_hz: int = 16000,
               channels: int = 1, request_id: int | None = None) -> int:
        """Send SUBMIT_LINE (``audio``: interleaved PCM bytes); returns the request id used."""
        request_id = next(self._ids) if request_id is None else request_id
        flags = (c.FLAG_PACED if paced else 0) | (c.FLAG_INTERRUPT if interrupt else 0)
        self.send(c.SubmitLine(request_id, subject, encoding, sample_rate_hz, channels, flags, emotion,
                               options_json, audio))
        return request_id

    def close(self) -> None:
        """Say BYE and close."""
        try:
            self.send(c.Bye())
        except OSError:
            pass
        self.sock.close()

    # ------------------------------------------------------------ receiving
    def recv(self, timeout_s: float = 10.0) -> c.Message | None:
        """The next message (HEARTBEATs and unknown types included); None on time-out or when the server closed.

        Raises :class:`~server.livelink.codec.ProtocolError` on malformed bytes.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            message = self._decoder.next()
            if message is not None:
                if isinstance(message, c.SubjectStatic):
                    self.statics[message.subject] = message
                return message
            now = time.monotonic()
            if now - self._last_sent >= self.heartbeat_interval_s:
                self.send(c.Heartbeat(time.time()))
            wait_s = min(deadline - now, self.heartbeat_interval_s)
            if wait_s <= 0:
                return None
            if not select.select([self.sock], [], [], wait_s)[0]:
                continue
            data = self.sock.recv(256 * 1024)
            if not data:
                self._decoder.check_finished()
                return None
            self._decoder.feed(data)

    def collect_line(self, request_id: int | None = None, line_id: int | None = None,
                     timeout_s: float = 60.0) -> LineResult:
        """Receive until the LINE_END of the line with ``request_id`` (or ``line_id``); ERRORs for it raise.

        Messages of other lines and subjects are dropped. Raises ServiceError on an ERROR
        about this request and TimeoutError if the line does not end in time.
        """
        deadline = time.monotonic() + timeout_s
        line: LineResult | None = None
        while (remaining := deadline - time.monotonic()) > 0:
            message = self.recv(remaining)
            if message is None:
                break
            if isinstance(message, c.Error) and (message.request_id == request_id or message.code in c.CLOSING_CODES):
                raise ServiceError(c.ErrorCode(message.code).name, message.message)
            if line is None and isinstance(message, c.LineStart) and (
                    message.line_id == line_id if line_id is not None else message.request_id == request_id):
                line = LineResult(message, static=self.statics.get(message.subject))
            elif line is not None and getattr(message, "line_id", None) == line.start.line_id:
                if isinstance(message, c.Frame):
                    line.frame_messages.append(message)
                    line.received_at_s.append(time.time())
                elif isinstance(message, c.LineEnd):
                    line.end = message
                    return line
        raise TimeoutError(f"line (request {request_id}, line {line_id}) did not end within {timeout_s:g} s")


def main(argv: list[str] | None = None) -> int:
    """``python -m server.livelink.client HOST:PORT AUDIO -o OUT.json``: submit one line, save its frames.

    AUDIO is a WAV/FLAC/OGG file (sent as 16 kHz mono s16le, as a plugin would) or, with
    ``--raw-s16le RATE:CHANNELS``, raw PCM bytes sent unchanged. OUT.json holds ``controls``,
    ``line`` (LINE_START/LINE_END fields) and ``frames`` (lists of float32 values). Reference
    output for other clients (the C++ loopback test compares its values with these).
    """
    import argparse
    import json
    from pathlib import Path

    p = argparse.ArgumentParser(prog="python -m server.livelink.client", description=main.__doc__.splitlines()[0])
    p.add_argument("address", help="HOST:PORT of the Live Link server")
    p.add_argument("audio", type=Path)
    p.add_argument("-o", "--output", type=Path, required=True)
    p.add_argument("--subject", default="Reference")
    p.add_argument("--emotion", default="")
    p.add_argument("--options-json", default="")
    p.add_argument("--token", default="")
    p.add_argument("--paced", action="store_true")
    p.add_argument("--raw-s16le", metavar="RATE:CHANNELS", help="AUDIO is raw s16le PCM at this rate/channels")
    args = p.parse_args(argv)
    if args.raw_s16le:
        rate, _, channels = args.raw_s16le.partition(":")
        pcm, rate_hz, n_channels = args.audio.read_bytes(), int(rate), int(channels or 1)
    else:
        from server.runtime.audio_io import decode_file

        samples = decode_file(args.audio)
        pcm, rate_hz, n_channels = (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes(), 16000, 1
    host, _, port = args.address.rpartition(":")
    with LiveLinkClient.connect(host, int(port), "emoface-reference", args.token) as client:
        request_id = client.submit(args.subject, pcm, emotion=args.emotion, options_json=args.options_json,
                                   paced=args.paced, sample_rate_hz=rate_hz, channels=n_channels)
        line = client.collect_line(request_id, timeout_s=600)
    out = {"controls": list(line.static.controls), "line": {
        "subject": line.start.subject, "line_id": line.start.line_id, "request_id": line.start.request_id,
        "frame_count": line.start.frame_count, "frames_sent": line.end.frames_sent, "status": line.end.status},
        "frames": [[float(v) for v in f.values] for f in line.frame_messages]}
    args.output.write_text(json.dumps(out), encoding="utf-8")
    print(f"wrote {len(out['frames'])} frames of {len(out['controls'])} controls to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
