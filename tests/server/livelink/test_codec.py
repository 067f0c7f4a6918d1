"""Codec: round trips of every message type, incremental decoding, every malformed case."""
from __future__ import annotations

import struct

import numpy as np
import pytest

from server.livelink import codec as c


def _samples(rng: np.random.Generator) -> list[c.Message]:
    text = lambda n: "".join(chr(int(x)) for x in rng.integers(0x20, 0x3000, n))  # noqa: E731
    return [
        c.Hello(1, 3, text(5), text(9)), c.Subscribe(()), c.Subscribe((text(3), text(40), "")),
        c.Unsubscribe((text(2),)), c.SubmitLine(int(rng.integers(2**32)), text(6), 2, 44100, 2, 3, text(4), "{}",
                                                rng.bytes(int(rng.integers(0, 900)))),
        c.Heartbeat(float(rng.uniform(0, 2e9))), c.Bye(), c.ServerHello(1, 0, text(4), text(12), 1.5),
        c.SubjectStatic(text(3), 30000, 1001, tuple(text(8) for _ in range(174))),
        c.LineStart(text(3), 5, 6, 1e9 + 0.25, c.UNKNOWN_FRAME_COUNT),
        c.Frame(text(3), 5, 7, 7 / 60, rng.standard_normal(174).astype(np.float32)),
        c.LineEnd(text(3), 5, 8, c.LineStatus.FAILED, text(30)), c.Error(9, c.ErrorCode.INTERNAL, text(20)),
    ]


def test_every_message_type_round_trips_in_any_chunking():
    rng = np.random.default_rng(1)
    messages = _samples(rng)
    assert {type(m) for m in messages} == set(c._LAYOUTS)  # every type is covered
    stream = b"".join(c.encode(m) for m in messages)
    for chunk in (1, 2, 3, 7, 64, len(stream)):
        decoder = c.Decoder()
        out = []
        for i in range(0, len(stream), chunk):
            decoder.feed(stream[i:i + chunk])
            out.extend(decoder.messages())
        assert out == messages and decoder.buffered == 0


def test_length_counts_type_byte_and_payload():
    data = c.encode(c.Heartbeat(2.0))
    assert data == struct.pack("<IBd", 9, 0x05, 2.0)
    assert c.encode(c.Bye()) == b"\x01\x00\x00\x00\x06"


def test_oversized_and_zero_length_fail_before_the_payload_arrives():
    for header, kind in ((struct.pack("<I", c.MAX_MESSAGE_BYTES + 1), c.OVERSIZED),
                         (struct.pack("<I", 0), c.ZERO_LENGTH)):
        decoder = c.Decoder()
        decoder.feed(header)
        with pytest.raises(c.ProtocolError) as info:
            decoder.next()
        assert info.value.kind == kind
        with pytest.raises(c.ProtocolError):  # failure is sticky
            decoder.feed(c.encode(c.Bye()))
            decoder.next()


def test_largest_length_is_accepted():
    decoder = c.Decoder()
    decoder.feed(struct.pack("<IB", c.MAX_MESSAGE_BYTES, 0x7F))
    assert decoder.next() is None  # waits for the payload, no error


def test_unknown_type_is_skipped_and_the_next_message_decodes():
    stream = struct.pack("<IB", 4, 0x40) + b"abc" + c.encode(c.Heartbeat(1.0))
    assert c.decode_all(stream) == [c.UnknownMessage(0x40, 3), c.Heartbeat(1.0)]


@pytest.mark.parametrize("message", [c.Hello(client_name="x" * 70000), c.Subscribe(("a",) * 70000),
                                     c.Frame(values=np.zeros(70000, np.float32)), c.Error(request_id=-1),
                                     c.LineEnd(status=256)])
def test_unencodable_messages_raise_protocol_error(message):
    with pytest.raises(c.ProtocolError) as info:
        c.encode(message)
    assert info.value.kind == c.UNENCODABLE


def test_random_corruption_only_ever_raises_protocol_error():
    rng = np.random.default_rng(7)
    valid = b"".join(c.encode(m) for m in _samples(rng))
    outcomes = set()
    for _ in range(400):
        data = bytearray(valid)
        for pos in rng.integers(0, len(data), int(rng.integers(1, 6))):
            data[pos] = int(rng.integers(256))
        if rng.random() < 0.3:
            data = data[:int(rng.integers(len(data)))]
        try:
            c.decode_all(bytes(data))
            outcomes.add("ok")
        except c.ProtocolError as exc:
            outcomes.add(exc.kind)
    assert "ok" in outcomes and len(outcomes - {"ok"}) >= 3  # the corruption reached several checks


def test_frame_values_are_float32_in_order():
    values = np.array([1.0, -2.5, 1e-7], np.float32)
    data = c.encode(c.Frame("s", 1, 2, 0.5, values))
    assert data.endswith(struct.pack("<H3f", 3, *values.tolist()))
    (frame,) = c.decode_all(data)
    assert frame.values.dtype == np.float32 and frame.values.tolist() == values.tolist()
