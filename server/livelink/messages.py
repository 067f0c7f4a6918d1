"""The messages of the EmoFace Live Link wire protocol 1.0 (``docs/livelink_protocol.md``).

One frozen dataclass per message type, with the spec's field names, plus the protocol's
constants and enumerations. :mod:`server.livelink.codec` turns them into bytes and back.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Union

import numpy as np

from server.runtime import limits

__all__ = ["MAGIC", "VERSION_MAJOR", "VERSION_MINOR", "MAX_MESSAGE_BYTES", "UNKNOWN_FRAME_COUNT", "FLAG_PACED",
           "FLAG_INTERRUPT", "MessageType", "PcmEncoding", "LineStatus", "ErrorCode", "CLOSING_CODES", "TRUNCATED",
           "OVERSIZED", "ZERO_LENGTH", "TRAILING_BYTES", "BAD_MAGIC", "BAD_UTF8", "UNENCODABLE", "ProtocolError",
           "Hello", "Subscribe", "Unsubscribe", "SubmitLine", "Heartbeat", "Bye", "ServerHello", "SubjectStatic",
           "LineStart", "Frame", "LineEnd", "Error", "UnknownMessage", "Message"]

MAGIC = b"EFLL"
VERSION_MAJOR, VERSION_MINOR = 1, 0
MAX_MESSAGE_BYTES = limits.LIVELINK_MESSAGE_BYTES  # largest accepted ``length`` (type byte + payload)
UNKNOWN_FRAME_COUNT = 0xFFFFFFFF  # LINE_START.frame_count of a line of unknown length
FLAG_PACED, FLAG_INTERRUPT = 1, 2


class MessageType(IntEnum):
    HELLO = 0x01
    SUBSCRIBE = 0x02
    UNSUBSCRIBE = 0x03
    SUBMIT_LINE = 0x04
    HEARTBEAT = 0x05
    BYE = 0x06
    SERVER_HELLO = 0x81
    SUBJECT_STATIC = 0x82
    LINE_START = 0x83
    FRAME = 0x84
    LINE_END = 0x85
    ERROR = 0x86


class PcmEncoding(IntEnum):
    S16LE = 1
    F32LE = 2


class LineStatus(IntEnum):
    COMPLETE = 0
    CANCELLED = 1
    FAILED = 2


class ErrorCode(IntEnum):
    PROTOCOL = 1  # the connection is closed after it
    UNSUPPORTED_VERSION = 2  # closed
    UNAUTHENTICATED = 3  # closed
    INVALID_ARGUMENT = 4  # stays open
    RESOURCE_EXHAUSTED = 5  # stays open
    INTERNAL = 6  # stays open


CLOSING_CODES = frozenset({ErrorCode.PROTOCOL, ErrorCode.UNSUPPORTED_VERSION, ErrorCode.UNAUTHENTICATED})

# ProtocolError kinds
TRUNCATED, OVERSIZED, ZERO_LENGTH, TRAILING_BYTES = "truncated", "oversized", "zero_length", "trailing_bytes"
BAD_MAGIC, BAD_UTF8, UNENCODABLE = "bad_magic", "bad_utf8", "unencodable"


class ProtocolError(Exception):
    """Malformed, oversized or truncated protocol bytes (or a message that cannot be encoded).

    kind: one of ``truncated``, ``oversized``, ``zero_length``, ``trailing_bytes``,
    ``bad_magic``, ``bad_utf8``, ``unencodable``.
    """

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


# ---------------------------------------------------------------- messages
@dataclass(frozen=True)
class Hello:
    major: int = VERSION_MAJOR
    minor: int = VERSION_MINOR
    client_name: str = ""
    token: str = ""  # "" = none


@dataclass(frozen=True)
class Subscribe:
    subjects: tuple[str, ...] = ()  # empty = every subject, including future ones


@dataclass(frozen=True)
class Unsubscribe:
    subjects: tuple[str, ...] = ()  # empty = every subject


@dataclass(frozen=True)
class SubmitLine:
    """audio: interleaved PCM bytes; encoding: a :class:`PcmEncoding` value; flags: FLAG_* bits."""

    request_id: int = 0
    subject: str = ""
    encoding: int = PcmEncoding.S16LE
    sample_rate_hz: int = 16000
    channels: int = 1
    flags: int = 0
    emotion: str = ""
    options_json: str = ""
    audio: bytes = b""


@dataclass(frozen=True)
class Heartbeat:
    sender_time_s: float = 0.0  # Unix time of the sender


@dataclass(frozen=True)
class Bye:
    pass


@dataclass(frozen=True)
class ServerHello:
    major: int = VERSION_MAJOR
    minor: int = VERSION_MINOR
    server_name: str = ""
    model_id: str = ""
    server_time_s: float = 0.0


@dataclass(frozen=True)
class SubjectStatic:
    subject: str = ""
    fps_numerator: int = 60
    fps_denominator: int = 1
    controls: tuple[str, ...] = ()


@dataclass(frozen=True)
class LineStart:
    subject: str = ""
    line_id: int = 0
    request_id: int = 0
    start_time_s: float = 0.0  # Unix time of frame 0
    frame_count: int = 0  # UNKNOWN_FRAME_COUNT = not known in advance


@dataclass(frozen=True, eq=False)
class Frame:
    """values: ``(count,)`` float32, the subject's controls in static order."""

    subject: str = ""
    line_id: int = 0
    frame_index: int = 0
    time_s: float = 0.0  # relative to the line's start_time_s
    values: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Frame):
            return NotImplemented
        return ((self.subject, self.line_id, self.frame_index, self.time_s)
                == (other.subject, other.line_id, other.frame_index, other.time_s)
                and np.asarray(self.values, "<f4").tobytes() == np.asarray(other.values, "<f4").tobytes())


@dataclass(frozen=True)
class LineEnd:
    subject: str = ""
    line_id: int = 0
    frames_sent: int = 0
    status: int = LineStatus.COMPLETE
    message: str = ""


@dataclass(frozen=True)
class Error:
    request_id: int = 0  # 0 = not about a request
    code: int = ErrorCode.INTERNAL
    message: str = ""


@dataclass(frozen=True)
class UnknownMessage:
    """A message of a type this version does not know (skipped by receivers)."""

    type: int = 0
    payload_bytes: int = 0


Message = Union[Hello, Subscribe, Unsubscribe, SubmitLine, Heartbeat, Bye, ServerHello, SubjectStatic, LineStart,
                Frame, LineEnd, Error, UnknownMessage]
