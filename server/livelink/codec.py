"""Encode and decode the messages of the EmoFace Live Link wire protocol 1.0.

See ``docs/livelink_protocol.md``. A message is ``u32 length`` + ``u8 type`` + payload,
little-endian; ``length`` counts the type byte plus the payload. :func:`encode` turns one
message dataclass into its bytes; :class:`Decoder` takes byte chunks of any size and
returns complete messages. Every malformed input raises :class:`ProtocolError` (never
another exception), whose ``kind`` names the problem.
"""
from __future__ import annotations

import logging
import struct

import numpy as np

# The message types and constants live in server.livelink.messages; importing them from here
# (``codec.Hello``, ``codec.ErrorCode``...) is supported.
from server.livelink.messages import *  # noqa: F403
from server.livelink.messages import (BAD_MAGIC, BAD_UTF8, MAGIC, MAX_MESSAGE_BYTES, OVERSIZED, TRAILING_BYTES,
                                      TRUNCATED, UNENCODABLE, ZERO_LENGTH, Bye, Error, Frame, Heartbeat, Hello,
                                      LineEnd, LineStart, Message, MessageType, ProtocolError, ServerHello,
                                      SubjectStatic, SubmitLine, Subscribe, UnknownMessage, Unsubscribe)

log = logging.getLogger(__name__)

_HEADER = struct.Struct("<IB")


# ---------------------------------------------------------------- field layouts
# Each layout is a list of (field name, field kind). Kinds: u8 u16 u32 f64 str bytes magic strs f32s.
_LAYOUTS: dict[type, tuple[MessageType, tuple[tuple[str, str], ...]]] = {
    Hello: (MessageType.HELLO, (("", "magic"), ("major", "u16"), ("minor", "u16"), ("client_name", "str"),
                                ("token", "str"))),
    Subscribe: (MessageType.SUBSCRIBE, (("subjects", "strs"),)),
    Unsubscribe: (MessageType.UNSUBSCRIBE, (("subjects", "strs"),)),
    SubmitLine: (MessageType.SUBMIT_LINE, (("request_id", "u32"), ("subject", "str"), ("encoding", "u8"),
                                           ("sample_rate_hz", "u32"), ("channels", "u16"), ("flags", "u8"),
                                           ("emotion", "str"), ("options_json", "str"), ("audio", "bytes"))),
    Heartbeat: (MessageType.HEARTBEAT, (("sender_time_s", "f64"),)),
    Bye: (MessageType.BYE, ()),
    ServerHello: (MessageType.SERVER_HELLO, (("", "magic"), ("major", "u16"), ("minor", "u16"),
                                             ("server_name", "str"), ("model_id", "str"), ("server_time_s", "f64"))),
    SubjectStatic: (MessageType.SUBJECT_STATIC, (("subject", "str"), ("fps_numerator", "u32"),
                                                 ("fps_denominator", "u32"), ("controls", "strs"))),
    LineStart: (MessageType.LINE_START, (("subject", "str"), ("line_id", "u32"), ("request_id", "u32"),
                                         ("start_time_s", "f64"), ("frame_count", "u32"))),
    Frame: (MessageType.FRAME, (("subject", "str"), ("line_id", "u32"), ("frame_index", "u32"), ("time_s", "f64"),
                                ("values", "f32s"))),
    LineEnd: (MessageType.LINE_END, (("subject", "str"), ("line_id", "u32"), ("frames_sent", "u32"),
                                     ("status", "u8"), ("message", "str"))),
    Error: (MessageType.ERROR, (("request_id", "u32"), ("code", "u16"), ("message", "str"))),
}
_BY_TYPE: dict[int, type] = {int(t): cls for cls, (t, _) in _LAYOUTS.items()}
_INTS = {"u8": struct.Struct("<B"), "u16": struct.Struct("<H"), "u32": struct.Struct("<I")}
_F64 = struct.Struct("<d")


def message_type(message: Message) -> int:
    """The wire type code of ``message``."""
    if isinstance(message, UnknownMessage):
        return message.type
    return int(_LAYOUTS[type(message)][0])


# ---------------------------------------------------------------- encoding
def encode(message: Message) -> bytes:
    """One complete message: ``u32 length`` + ``u8 type`` + payload."""
    if type(message) not in _LAYOUTS:
        raise ProtocolError(UNENCODABLE, f"cannot encode {type(message).__name__}")
    kind, layout = _LAYOUTS[type(message)]
    parts = [b""]
    for name, fkind in layout:
        parts.append(_encode_field(name, fkind, getattr(message, name) if name else None))
    payload_len = sum(len(p) for p in parts)
    if payload_len + 1 > MAX_MESSAGE_BYTES:
        raise ProtocolError(OVERSIZED, f"{kind.name} of {payload_len + 1} bytes exceeds {MAX_MESSAGE_BYTES}")
    parts[0] = _HEADER.pack(payload_len + 1, kind)
    return b"".join(parts)


def _encode_field(name: str, kind: str, value) -> bytes:
    try:
        if kind == "magic":
            return MAGIC
        if kind in _INTS:
            return _INTS[kind].pack(int(value))
        if kind == "f64":
            return _F64.pack(float(value))
        if kind == "str":
            return _encode_str(name, value)
        if kind == "bytes":
            data = bytes(value)
            return _INTS["u32"].pack(len(data)) + data
        if kind == "strs":
            items = tuple(value)
            return _INTS["u16"].pack(_count(name, len(items))) + b"".join(_encode_str(name, s) for s in items)
        values = np.ascontiguousarray(value, dtype="<f4").reshape(-1)  # f32s
        return _INTS["u16"].pack(_count(name, len(values))) + values.tobytes()
    except (struct.error, TypeError, ValueError, OverflowError, AttributeError) as exc:
        raise ProtocolError(UNENCODABLE, f"field {name}: cannot encode {value!r:.60}: {exc}") from None


def _encode_str(name: str, text: str) -> bytes:
    data = text.encode("utf-8")
    if len(data) > 0xFFFF:
        raise ProtocolError(UNENCODABLE, f"field {name}: string of {len(data)} UTF-8 bytes exceeds 65535")
    return _INTS["u16"].pack(len(data)) + data


def _count(name: str, n: int) -> int:
    if n > 0xFFFF:
        raise ProtocolError(UNENCODABLE, f"field {name}: {n} items exceed the u16 count limit 65535")
    return n


# ---------------------------------------------------------------- decoding
def decode_payload(type_code: int, payload: bytes | memoryview) -> Message:
    """The message of ``type_code`` whose payload (after the type byte) is exactly ``payload``."""
    cls = _BY_TYPE.get(type_code)
    if cls is None:
        return UnknownMessage(type_code, len(payload))
    kind, layout = _LAYOUTS[cls]
    reader = _Reader(memoryview(payload), kind.name)
    values = {}
    for name, fkind in layout:
        value = reader.read(name, fkind)
        if name:
            values[name] = value
    if reader.remaining:
        raise ProtocolError(TRAILING_BYTES, f"{kind.name} payload leaves {reader.remaining} byte(s) over "
                                            f"(length says {len(payload) + 1}, fields end at {reader.offset + 1})")
    return cls(**values)


class _Reader:
    """Reads typed fields from one payload; every overrun is a ``truncated`` ProtocolError."""

    def __init__(self, data: memoryview, what: str):
        self.data, self.what, self.offset = data, what, 0

    @property
    def remaining(self) -> int:
        return len(self.data) - self.offset

    def take(self, n: int, name: str) -> memoryview:
        if n > self.remaining:
            raise ProtocolError(TRUNCATED, f"{self.what} truncated: field {name or 'magic'} needs {n} byte(s) at "
                                           f"offset {self.offset + 1}, {self.remaining} left in the message")
        chunk = self.data[self.offset:self.offset + n]
        self.offset += n
        return chunk

    def read(self, name: str, kind: str):
        if kind in _INTS:
            s = _INTS[kind]
            return s.unpack(self.take(s.size, name))[0]
        if kind == "f64":
            return _F64.unpack(self.take(8, name))[0]
        if kind == "str":
            return self.text(name)
        if kind == "bytes":
            n = _INTS["u32"].unpack(self.take(4, name))[0]
            return bytes(self.take(n, name))
        if kind == "strs":
            n = _INTS["u16"].unpack(self.take(2, name))[0]
            return tuple(self.text(f"{name}[{i}]") for i in range(n))
        if kind == "f32s":
            n = _INTS["u16"].unpack(self.take(2, name))[0]
            return np.frombuffer(self.take(4 * n, name), dtype="<f4").astype(np.float32)
        magic = bytes(self.take(4, "magic"))
        if magic != MAGIC:
            raise ProtocolError(BAD_MAGIC, f"{self.what}: bad magic {magic!r}, expected {MAGIC!r}")
        return None

    def text(self, name: str) -> str:
        n = _INTS["u16"].unpack(self.take(2, name))[0]
        raw = self.take(n, name)
        try:
            return str(raw, "utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError(BAD_UTF8, f"{self.what}: field {name} is not valid UTF-8 ({exc.reason} at byte "
                                          f"{exc.start})") from None


class Decoder:
    """Incremental decoder: :meth:`feed` any chunks, :meth:`next` pulls complete messages.

    A length of 0 or above ``max_message_bytes`` fails as soon as its 4 bytes arrive; one above
    ``max_small_bytes`` fails as soon as its type byte arrives, unless the type is in ``large_types``.
    Both limits may be changed between messages (a server raises them once HELLO is accepted).
    After a failure the decoder stays failed (``error`` holds the first ProtocolError).
    """

    def __init__(self, max_message_bytes: int = MAX_MESSAGE_BYTES, max_small_bytes: int | None = None,
                 large_types: frozenset[int] = frozenset()):
        self.max_message_bytes = max_message_bytes
        self.max_small_bytes, self.large_types = max_small_bytes, large_types
        self._buffer = bytearray()
        self._offset = 0
        self.error: ProtocolError | None = None

    @property
    def buffered(self) -> int:
        """Bytes received but not yet part of a returned message."""
        return len(self._buffer) - self._offset

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        if self._offset and self._offset * 2 >= len(self._buffer):
            del self._buffer[:self._offset]
            self._offset = 0
        self._buffer += data

    def next(self) -> Message | None:
        """The next complete message, or None if more bytes are needed; raises ProtocolError."""
        if self.error is not None:
            raise self.error
        try:
            return self._next()
        except ProtocolError as exc:
            self.error = exc
            raise

    def _next(self) -> Message | None:
        if self.buffered < 4:
            return None
        length = int.from_bytes(self._buffer[self._offset:self._offset + 4], "little")
        if length == 0:
            raise ProtocolError(ZERO_LENGTH, "message length 0 (it must count at least the type byte)")
        if length > self.max_message_bytes:
            raise ProtocolError(OVERSIZED, f"message length {length} exceeds the limit {self.max_message_bytes}")
        start = self._offset + 4
        small = self.max_small_bytes
        if small is not None and length > small and self.buffered > 4 and self._buffer[start] not in self.large_types:
            raise ProtocolError(OVERSIZED, f"message type 0x{self._buffer[start]:02x} of length {length} exceeds "
                                           f"the limit {small} for its type")
        if self.buffered < 4 + length:
            return None
        type_code = self._buffer[start]
        payload = bytes(self._buffer[start + 1:start + length])
        self._offset = start + length
        message = decode_payload(type_code, payload)
        if isinstance(message, UnknownMessage):
            log.debug("skipping a message of unknown type 0x%02x (%d payload bytes)", type_code, len(payload))
        return message

    def messages(self) -> list[Message]:
        """Every complete message buffered now."""
        out = []
        while (message := self.next()) is not None:
            out.append(message)
        return out

    def check_finished(self) -> None:
        """At the end of a stream: raise a ``truncated`` ProtocolError if a partial message is buffered."""
        if self.error is None and self.buffered:
            self.error = ProtocolError(TRUNCATED, f"stream ended inside a message ({self.buffered} byte(s) buffered)")
        if self.error is not None:
            raise self.error


def decode_all(data: bytes) -> list[Message]:
    """Every message of a complete byte stream; a trailing partial message is a ``truncated`` error."""
    decoder = Decoder()
    decoder.feed(data)
    out = decoder.messages()
    decoder.check_finished()
    return out
