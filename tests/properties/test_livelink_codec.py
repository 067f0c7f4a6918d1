"""Live Link wire protocol: every message round-trips, in any chunking; any bytes fail only as ProtocolError."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.livelink.codec import Decoder, decode_all, encode
from server.livelink.messages import (TRUNCATED, Bye, Error, Frame, Heartbeat, Hello, LineEnd, LineStart, ProtocolError,
                                      ServerHello, SubjectStatic, SubmitLine, Subscribe, Unsubscribe)

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
u8, u16, u32 = st.integers(0, 0xFF), st.integers(0, 0xFFFF), st.integers(0, 0xFFFFFFFF)
f64 = st.floats(allow_nan=False)  # NaN != NaN would defeat ==; the f32s of FRAME compare as bytes and allow NaN
names = st.lists(text, max_size=8).map(tuple)
f32s = st.lists(st.floats(width=32), max_size=200).map(lambda v: np.array(v, dtype=np.float32))

messages = st.one_of(
    st.builds(Hello, major=u16, minor=u16, client_name=text, token=text),
    st.builds(Subscribe, subjects=names),
    st.builds(Unsubscribe, subjects=names),
    st.builds(SubmitLine, request_id=u32, subject=text, encoding=u8, sample_rate_hz=u32, channels=u16, flags=u8,
              emotion=text, options_json=text, audio=st.binary(max_size=300)),
    st.builds(Heartbeat, sender_time_s=f64),
    st.just(Bye()),
    st.builds(ServerHello, major=u16, minor=u16, server_name=text, model_id=text, server_time_s=f64),
    st.builds(SubjectStatic, subject=text, fps_numerator=u32, fps_denominator=u32, controls=names),
    st.builds(LineStart, subject=text, line_id=u32, request_id=u32, start_time_s=f64, frame_count=u32),
    st.builds(Frame, subject=text, line_id=u32, frame_index=u32, time_s=f64, values=f32s),
    st.builds(LineEnd, subject=text, line_id=u32, frames_sent=u32, status=u8, message=text),
    st.builds(Error, request_id=u32, code=u16, message=text),
)


@given(messages)
def test_every_message_round_trips(message):
    data = encode(message)
    assert int.from_bytes(data[:4], "little") == len(data) - 4  # length counts type byte + payload
    assert decode_all(data) == [message]


@settings(max_examples=50)
@given(st.lists(messages, min_size=1, max_size=6), st.data())
def test_a_stream_decodes_the_same_in_any_chunking(batch, data):
    stream = b"".join(encode(m) for m in batch)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=12)))
    decoder, got = Decoder(), []
    for a, b in zip([0, *cuts], [*cuts, len(stream)]):
        decoder.feed(stream[a:b])
        got += decoder.messages()
    decoder.check_finished()
    assert got == batch and decoder.buffered == 0


@given(st.lists(messages, min_size=1, max_size=3), st.data())
def test_a_stream_cut_short_is_a_truncated_error(batch, data):
    stream = b"".join(encode(m) for m in batch)
    cut = data.draw(st.integers(1, len(stream) - 1)) if len(stream) > 1 else 0
    boundaries, total = set(), 0
    for m in batch:
        total += len(encode(m))
        boundaries.add(total)
    if cut in boundaries or cut == 0:
        return
    with pytest.raises(ProtocolError) as err:
        decode_all(stream[:cut])
    assert err.value.kind == TRUNCATED


@given(st.binary(max_size=400))
def test_any_bytes_decode_or_fail_as_a_protocol_error(data):
    try:
        decode_all(data)
    except ProtocolError as exc:
        assert exc.kind in {"truncated", "oversized", "zero_length", "trailing_bytes", "bad_magic", "bad_utf8"}


@given(st.sampled_from([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x42]),
       st.binary(max_size=200))
def test_any_payload_behind_a_valid_header_decodes_or_fails_as_a_protocol_error(type_code, payload):
    data = (len(payload) + 1).to_bytes(4, "little") + bytes([type_code]) + payload
    try:
        (message,) = decode_all(data)
    except ProtocolError as exc:
        assert exc.kind in {"truncated", "trailing_bytes", "bad_magic", "bad_utf8"}
    else:
        if type_code != 0x42:
            assert encode(message) == data  # whatever decodes re-encodes to the same bytes
