"""The Live Link Face UDP packet (version 6), the one Unreal's Apple ARKit face support decodes.

Every multi-byte field is big-endian (network byte order), with no padding::

    offset  size  field
    0       1     packet version, uint8 = 6
    1       4     device id length D, uint32 (bytes of UTF-8, no terminator)
    5       D     device id, UTF-8
    5+D     4     subject name length S, uint32
    9+D     S     subject name, UTF-8
    9+D+S   4     frame number, int32            -- qualified frame time:
    13+D+S  4     sub-frame, float32 in [0, 1)   --   (frame + sub-frame) frames
    17+D+S  4     frame rate numerator, int32    --   at numerator/denominator
    21+D+S  4     frame rate denominator, int32  --   frames per second
    25+D+S  1     curve count, uint8 = 61
    26+D+S  244   61 float32: the 52 ARKit blendshapes in :data:`ARKIT_BLENDSHAPES`
                  order, then :data:`POSE_CURVES` (head yaw/pitch/roll, left eye
                  yaw/pitch/roll, right eye yaw/pitch/roll)

A packet is ``270 + D + S`` bytes. Unreal ignores datagrams of at most 264 bytes and reads
into a buffer sized for names of up to 256 two-byte characters each, so names are limited
to :data:`MAX_NAME_BYTES` here. The frame time is what the Live Link Face app sends from
its timecode source: a time of day counted in frames at the capture rate.
"""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from model.errors import InputError

PACKET_VERSION = 6
DEFAULT_PORT = 11111
MAX_NAME_BYTES = 255
UNREAL_MIN_PACKET_BYTES = 264  # Unreal drops datagrams of this size or smaller
SECONDS_PER_DAY = 86400

ARKIT_BLENDSHAPES: tuple[str, ...] = (
    "eyeBlinkLeft", "eyeLookDownLeft", "eyeLookInLeft", "eyeLookOutLeft", "eyeLookUpLeft",
    "eyeSquintLeft", "eyeWideLeft",
    "eyeBlinkRight", "eyeLookDownRight", "eyeLookInRight", "eyeLookOutRight", "eyeLookUpRight",
    "eyeSquintRight", "eyeWideRight",
    "jawForward", "jawLeft", "jawRight", "jawOpen",
    "mouthClose", "mouthFunnel", "mouthPucker", "mouthLeft", "mouthRight",
    "mouthSmileLeft", "mouthSmileRight", "mouthFrownLeft", "mouthFrownRight",
    "mouthDimpleLeft", "mouthDimpleRight", "mouthStretchLeft", "mouthStretchRight",
    "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper",
    "mouthPressLeft", "mouthPressRight", "mouthLowerDownLeft", "mouthLowerDownRight",
    "mouthUpperUpLeft", "mouthUpperUpRight",
    "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight",
    "noseSneerLeft", "noseSneerRight",
    "tongueOut",
)
"""The 52 ARKit blendshapes in the order of Unreal's ``EARFaceBlendShape`` enum (the wire order)."""

POSE_CURVES: tuple[str, ...] = (
    "headYaw", "headPitch", "headRoll",
    "leftEyeYaw", "leftEyePitch", "leftEyeRoll",
    "rightEyeYaw", "rightEyePitch", "rightEyeRoll",
)
"""The 9 angle curves that follow the blendshapes (radians)."""

CURVE_NAMES: tuple[str, ...] = ARKIT_BLENDSHAPES + POSE_CURVES
CURVE_COUNT = len(CURVE_NAMES)  # 61

_HEADER = struct.Struct(">B")
_LENGTH = struct.Struct(">I")
_FRAME_TIME = struct.Struct(">ifii")
_COUNT = struct.Struct(">B")
_VALUES = struct.Struct(f">{CURVE_COUNT}f")


class PacketError(InputError):
    """Bytes that are not a valid Live Link Face packet, or fields that cannot be encoded."""


@dataclass(frozen=True)
class FrameTime:
    """A qualified frame time: ``frame + sub_frame`` frames at ``rate_numerator / rate_denominator`` fps.

    frame: whole frame number (int32; may be negative).
    sub_frame: fraction of a frame, in [0, 1).
    rate_numerator, rate_denominator: the frame rate as a fraction (frames per second).
    """

    frame: int
    sub_frame: float = 0.0
    rate_numerator: int = 60
    rate_denominator: int = 1

    @property
    def fps(self) -> float:
        return self.rate_numerator / self.rate_denominator

    @property
    def seconds(self) -> float:
        """The time this frame time stands for, in seconds."""
        return (self.frame + self.sub_frame) * self.rate_denominator / self.rate_numerator

    @classmethod
    def from_frames(cls, frames: float, fps: float = 60.0) -> FrameTime:
        """Frame time of a (fractional) frame count at ``fps`` (reduced to a fraction, e.g. 30000/1001)."""
        rate = Fraction(fps).limit_denominator(1001)
        if rate <= 0:
            raise PacketError(f"frame rate must be positive, got {fps}")
        whole = math.floor(frames)
        sub = float(np.float32(frames - whole))
        if sub >= 1.0:  # float32 rounding of a fraction just below 1
            whole, sub = whole + 1, 0.0
        return cls(int(whole), sub, rate.numerator, rate.denominator)

    @classmethod
    def time_of_day(cls, epoch_s: float, fps: float = 60.0, utc_offset_s: float = 0.0) -> FrameTime:
        """Frame time of a wall-clock instant as a time of day (what the app's timecode gives).

        epoch_s: seconds since the Unix epoch; utc_offset_s: the local zone's offset from UTC
        in seconds (``time.localtime(epoch_s).tm_gmtoff``), 0 for a UTC time of day.
        """
        day_s = (epoch_s + utc_offset_s) % SECONDS_PER_DAY
        return cls.from_frames(day_s * float(Fraction(fps).limit_denominator(1001)), fps)


@dataclass(frozen=True)
class FacePacket:
    """One decoded packet. ``values``: ``(61,)`` float32 in :data:`CURVE_NAMES` order."""

    device_id: str
    subject: str
    frame_time: FrameTime
    values: np.ndarray
    version: int = PACKET_VERSION

    def curve(self, name: str) -> float:
        """Value of one curve by its ARKit / pose name."""
        return float(self.values[CURVE_NAMES.index(name)])


def _name_bytes(label: str, text: str) -> bytes:
    data = text.encode("utf-8")
    if len(data) > MAX_NAME_BYTES:
        raise PacketError(f"{label} is {len(data)} bytes of UTF-8; Unreal accepts at most {MAX_NAME_BYTES}")
    return data


def encode_packet(device_id: str, subject: str, frame_time: FrameTime, values: np.ndarray) -> bytes:
    """One datagram. ``values``: ``(61,)`` curve values in :data:`CURVE_NAMES` order (float32 on the wire)."""
    if not subject:
        raise PacketError("the Live Link subject name is empty")
    device = _name_bytes("the device id", device_id)
    name = _name_bytes(f"subject name {subject!r}", subject)
    row = np.asarray(values, dtype=np.float32).reshape(-1)
    if row.shape[0] != CURVE_COUNT:
        raise PacketError(f"a Live Link Face packet carries {CURVE_COUNT} curves, got {row.shape[0]}")
    if not np.all(np.isfinite(row)):
        raise PacketError("curve values must be finite")
    if not 0.0 <= frame_time.sub_frame < 1.0:
        raise PacketError(f"sub-frame must be in [0, 1), got {frame_time.sub_frame}")
    try:
        time_bytes = _FRAME_TIME.pack(frame_time.frame, frame_time.sub_frame,
                                      frame_time.rate_numerator, frame_time.rate_denominator)
    except struct.error as exc:
        raise PacketError(f"frame time {frame_time} does not fit the packet's int32 fields: {exc}") from None
    return b"".join((_HEADER.pack(PACKET_VERSION), _LENGTH.pack(len(device)), device,
                     _LENGTH.pack(len(name)), name, time_bytes, _COUNT.pack(CURVE_COUNT),
                     row.astype(">f4").tobytes()))


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.offset = memoryview(data), 0

    def take(self, size: int, what: str) -> bytes:
        end = self.offset + size
        if end > len(self.data):
            raise PacketError(f"packet truncated in {what}: needs {end} bytes, has {len(self.data)}")
        chunk = bytes(self.data[self.offset:end])
        self.offset = end
        return chunk

    def string(self, what: str) -> str:
        (length,) = _LENGTH.unpack(self.take(4, f"{what} length"))
        if length > MAX_NAME_BYTES:
            raise PacketError(f"{what} length {length} exceeds {MAX_NAME_BYTES} bytes")
        try:
            return self.take(length, what).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PacketError(f"{what} is not UTF-8: {exc}") from None


def decode_packet(data: bytes) -> FacePacket:
    """Strict decoder (tests and diagnostics): any deviation raises :class:`PacketError`."""
    reader = _Reader(data)
    (version,) = _HEADER.unpack(reader.take(1, "version"))
    if version != PACKET_VERSION:
        raise PacketError(f"packet version {version}, expected {PACKET_VERSION}")
    device_id = reader.string("device id")
    subject = reader.string("subject name")
    frame, sub_frame, numerator, denominator = _FRAME_TIME.unpack(reader.take(_FRAME_TIME.size, "frame time"))
    if not 0.0 <= sub_frame < 1.0:
        raise PacketError(f"sub-frame {sub_frame} is outside [0, 1)")
    if numerator <= 0 or denominator <= 0:
        raise PacketError(f"frame rate {numerator}/{denominator} is not positive")
    (count,) = _COUNT.unpack(reader.take(1, "curve count"))
    if count != CURVE_COUNT:
        raise PacketError(f"curve count {count}, expected {CURVE_COUNT}")
    values = np.frombuffer(reader.take(_VALUES.size, "curve values"), dtype=">f4").astype(np.float32)
    if reader.offset != len(reader.data):
        raise PacketError(f"{len(reader.data) - reader.offset} bytes after the curve values")
    return FacePacket(device_id, subject, FrameTime(frame, sub_frame, numerator, denominator), values, version)


def livelink_face_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[v6]:PORT`` for IPv6) -> ``(host, port)``; raises InputError."""
    host, sep, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise InputError(f"livelink_face must be HOST:PORT (e.g. 192.168.1.20:11111), got {text!r}")
    return host, int(port)


__all__ = ["ARKIT_BLENDSHAPES", "CURVE_COUNT", "CURVE_NAMES", "DEFAULT_PORT", "FacePacket", "FrameTime",
           "PacketError", "POSE_CURVES", "PACKET_VERSION", "decode_packet", "encode_packet", "livelink_face_address"]

