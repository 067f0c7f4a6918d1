"""The committed shared vectors equal what the codec produces now, and decode as described."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from model.rig import rig
from server.livelink import codec as c

VECTORS = Path(__file__).resolve().parents[2] / "data" / "livelink_vectors"


def _load_maker():
    spec = importlib.util.spec_from_file_location("make_vectors", Path(__file__).with_name("make_vectors.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_vectors_are_fresh():
    maker = _load_maker()
    files, doc = maker.build()
    committed = {p.name for p in VECTORS.glob("*.bin")}
    assert committed == set(files), "regenerate with tests/server/livelink/make_vectors.py"
    for name, data in files.items():
        assert (VECTORS / name).read_bytes() == data, f"{name} is stale: run tests/server/livelink/make_vectors.py"
    assert (VECTORS / "vectors.json").read_text(encoding="utf-8") == maker.render_json(doc)


def _doc() -> dict:
    return json.loads((VECTORS / "vectors.json").read_text(encoding="utf-8"))


def _check_fields(message: c.Message, entry: dict) -> None:
    if entry["type"] == "UNKNOWN":
        assert isinstance(message, c.UnknownMessage)
    else:
        assert c.message_type(message) == entry["type_code"] == c.MessageType[entry["type"]]
    for name, expected in entry["fields"].items():
        value = getattr(message, name)
        if isinstance(value, bytes):
            assert value.hex() == expected
        elif isinstance(value, np.ndarray):
            assert value.dtype == np.float32 and value.tolist() == expected
        elif isinstance(value, tuple):
            assert list(value) == expected
        else:
            assert value == expected, name


@pytest.mark.parametrize("entry", _doc()["messages"], ids=lambda e: e["file"])
def test_single_message_vectors_decode_as_described(entry):
    data = (VECTORS / entry["file"]).read_bytes()
    (message,) = c.decode_all(data)
    _check_fields(message, entry)
    if entry["type"] != "UNKNOWN":
        assert c.encode(message) == data  # re-encoding is byte-exact


@pytest.mark.parametrize("entry", _doc()["malformed"], ids=lambda e: e["file"])
def test_malformed_vectors_fail_with_their_kind(entry):
    data = (VECTORS / entry["file"]).read_bytes()
    decoder = c.Decoder()
    decoder.feed(data)
    decoded = []
    with pytest.raises(c.ProtocolError) as info:
        while (m := decoder.next()) is not None:
            decoded.append(m)
        assert entry["detected"] == "end_of_stream" and decoder.buffered > 0
        decoder.check_finished()
    assert info.value.kind == entry["error"]
    assert len(decoded) == entry["messages_before"]
    assert str(info.value)  # a message a human can read


def test_session_vector_byte_by_byte():
    (entry,) = _doc()["sessions"]
    data = (VECTORS / entry["file"]).read_bytes()
    decoder = c.Decoder()
    messages = []
    for i in range(len(data)):
        decoder.feed(data[i:i + 1])
        messages.extend(decoder.messages())
    assert decoder.buffered == 0
    assert [m for m in map(c.message_type, messages)] == [e["type_code"] for e in entry["messages"]]
    for message, described in zip(messages, entry["messages"]):
        _check_fields(message, described)
    static = messages[1]
    assert static.controls == rig().ue_names and len(static.controls) == 174
    frames = [m for m in messages if isinstance(m, c.Frame)]
    assert [f.frame_index for f in frames] == [0, 1, 2]
    assert all(len(f.values) == len(static.controls) for f in frames)
