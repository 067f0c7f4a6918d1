"""The Live Link Face packet byte for byte: hand-computed bytes, round trips, strict decoding."""
import struct

import numpy as np
import pytest

from server.livelink_face.packet import (ARKIT_BLENDSHAPES, CURVE_COUNT, CURVE_NAMES, POSE_CURVES,
                                         UNREAL_MIN_PACKET_BYTES, FrameTime, PacketError, decode_packet, encode_packet)


def _values() -> np.ndarray:
    v = np.zeros(CURVE_COUNT, dtype=np.float32)
    v[0], v[17], v[60] = 1.0, 0.5, -2.0  # eyeBlinkLeft, jawOpen, rightEyeRoll
    return v


# Written out by hand from the layout, not produced by the encoder.
EXPECTED = (
    b"\x06"                                    # version 6
    + b"\x00\x00\x00\x02" + b"AB"              # device id: uint32 BE length 2, UTF-8
    + b"\x00\x00\x00\x04" + b"Face"            # subject name: uint32 BE length 4
    + b"\x00\x00\x04\xd2"                      # frame number 1234, int32 BE
    + b"\x3f\x00\x00\x00"                      # sub-frame 0.5, float32 BE
    + b"\x00\x00\x00\x3c"                      # rate numerator 60
    + b"\x00\x00\x00\x01"                      # rate denominator 1
    + b"\x3d"                                  # curve count 61
    + b"\x3f\x80\x00\x00"                      # [0] eyeBlinkLeft = 1.0
    + b"\x00\x00\x00\x00" * 16                 # [1..16] = 0
    + b"\x3f\x00\x00\x00"                      # [17] jawOpen = 0.5
    + b"\x00\x00\x00\x00" * 42                 # [18..59] = 0
    + b"\xc0\x00\x00\x00"                      # [60] rightEyeRoll = -2.0
)


def test_encode_matches_hand_computed_bytes():
    data = encode_packet("AB", "Face", FrameTime(1234, 0.5, 60, 1), _values())
    assert data == EXPECTED
    assert len(data) == 270 + 2 + 4
    values_at = 1 + 4 + 2 + 4 + 4 + 16 + 1  # 32: after the header, names, frame time and count
    assert data[values_at - 1] == 61
    assert struct.unpack_from(">f", data, values_at + 17 * 4)[0] == 0.5
    assert struct.unpack_from(">i", data, 1 + 4 + 2 + 4 + 4)[0] == 1234


def test_decode_hand_computed_bytes():
    packet = decode_packet(EXPECTED)
    assert (packet.version, packet.device_id, packet.subject) == (6, "AB", "Face")
    assert packet.frame_time == FrameTime(1234, 0.5, 60, 1)
    assert packet.frame_time.seconds == pytest.approx(1234.5 / 60)
    assert np.array_equal(packet.values, _values())
    assert packet.curve("jawOpen") == 0.5 and packet.curve("rightEyeRoll") == -2.0


def test_curve_order_is_unreals_enum_order():
    assert len(ARKIT_BLENDSHAPES) == 52 and len(POSE_CURVES) == 9 and len(set(CURVE_NAMES)) == 61
    assert ARKIT_BLENDSHAPES.index("eyeBlinkRight") == 7
    assert ARKIT_BLENDSHAPES.index("jawOpen") == 17
    assert ARKIT_BLENDSHAPES.index("mouthClose") == 18
    assert ARKIT_BLENDSHAPES.index("browDownLeft") == 41
    assert ARKIT_BLENDSHAPES[-1] == "tongueOut"
    assert CURVE_NAMES[52:55] == ("headYaw", "headPitch", "headRoll")


def test_round_trip_unicode_negative_frame_and_ntsc_rate():
    rng = np.random.default_rng(3)
    values = rng.uniform(-3, 3, CURVE_COUNT).astype(np.float32)
    ft = FrameTime.from_frames(-7.25, 30000 / 1001)
    assert (ft.frame, ft.sub_frame, ft.rate_numerator, ft.rate_denominator) == (-8, 0.75, 30000, 1001)
    packet = decode_packet(encode_packet("iPhone-é", "Ünïcode NPC", ft, values))
    assert packet.subject == "Ünïcode NPC" and packet.device_id == "iPhone-é"
    assert packet.frame_time == ft
    assert np.array_equal(packet.values, values)


def test_smallest_packet_is_above_unreals_minimum():
    data = encode_packet("", "A", FrameTime(0), np.zeros(CURVE_COUNT))
    assert len(data) == 271 > UNREAL_MIN_PACKET_BYTES


def test_time_of_day():
    # 2001-09-09 01:46:40 UTC = 6400 s into the day; +0.5 s; 60 fps
    assert FrameTime.time_of_day(1_000_000_000.5, 60.0) == FrameTime(384030, 0.0, 60, 1)
    # one hour east of UTC
    assert FrameTime.time_of_day(1_000_000_000.0, 60.0, 3600.0).frame == (6400 + 3600) * 60
    ft = FrameTime.time_of_day(86_400 * 3 - 1 / 120, 60.0)  # just before midnight
    assert ft.frame == 86_400 * 60 - 1 and ft.sub_frame == pytest.approx(0.5, abs=1e-4)


@pytest.mark.parametrize("mutate, message", [
    (lambda b: b"\x05" + b[1:], "version"),
    (lambda b: b[:-1], "truncated"),
    (lambda b: b[:20], "truncated"),
    (lambda b: b + b"\x00", "after the curve values"),
    (lambda b: b[:31] + b"\x34" + b[32:], "curve count"),
    (lambda b: b[:19] + b"\x3f\x80\x00\x00" + b[23:], "sub-frame"),  # sub-frame 1.0
    (lambda b: b[:27] + b"\x00\x00\x00\x00" + b[31:], "frame rate"),  # denominator 0
    (lambda b: b[:1] + b"\xff\xff\xff\xff" + b[5:], "length"),
    (lambda b: b[:11] + b"\xff" + b[12:], "UTF-8"),
])
def test_decode_is_strict(mutate, message):
    with pytest.raises(PacketError, match=message):
        decode_packet(mutate(EXPECTED))


@pytest.mark.parametrize("kwargs, message", [
    ({"values": np.zeros(60)}, "61 curves"),
    ({"subject": ""}, "empty"),
    ({"subject": "x" * 256}, "at most 255"),
    ({"values": np.full(61, np.nan)}, "finite"),
    ({"frame_time": FrameTime(2**31)}, "int32"),
])
def test_encode_rejects_what_unreal_cannot_read(kwargs, message):
    args = {"device_id": "d", "subject": "s", "frame_time": FrameTime(0), "values": np.zeros(61)} | kwargs
    with pytest.raises(PacketError, match=message):
        encode_packet(**args)
