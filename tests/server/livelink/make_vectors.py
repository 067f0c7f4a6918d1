"""Write the shared Live Link test vectors: ``tests/data/livelink_vectors/``.

Usage: ``python tests/server/livelink/make_vectors.py [OUT_DIR]``.

Every ``.bin`` file is produced by ``server.livelink.codec`` and described in
``vectors.json``:

- ``messages``: one file per entry holding exactly one message; ``fields`` are the decoded
  fields (snake_case names of the spec; floats as JSON numbers, exact for f64 and for f32
  widened to f64; ``audio`` as lower-case hex; string lists and ``values`` as lists).
- ``malformed``: ``bad_*.bin`` streams; ``error`` is the expected failure kind
  (``truncated``, ``oversized``, ``zero_length``, ``trailing_bytes``, ``bad_magic``,
  ``bad_utf8``), ``messages_before`` the number of valid messages decoded before it and
  ``detected`` either ``decode`` (the decoder fails) or ``end_of_stream`` (the decoder
  only needs more bytes; the stream ends inside a message).
- ``sessions``: ``session_*.bin`` streams of several messages, listed in order.

A test (``test_vectors.py``) fails when the committed files differ from what this
script produces, so regenerate and commit after any codec change.
"""
from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import numpy as np

from model.rig import rig
from server.livelink import codec as c

OUT_DIR = Path(__file__).resolve().parents[2] / "data" / "livelink_vectors"
_SEED = 20261124


def _fields(message: c.Message) -> dict:
    """JSON description of a message's fields."""
    out = {}
    for name in message.__dataclass_fields__:
        value = getattr(message, name)
        if isinstance(value, bytes):
            value = value.hex()
        elif isinstance(value, np.ndarray):
            value = [float(v) for v in value]
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, (np.integer, int)) and not isinstance(value, bool):
            value = int(value)
        out[name] = value
    return out


def _describe(message: c.Message) -> dict:
    if isinstance(message, c.UnknownMessage):
        return {"type": "UNKNOWN", "type_code": message.type, "fields": _fields(message)}
    code = c.message_type(message)
    return {"type": c.MessageType(code).name, "type_code": code, "fields": _fields(message)}


def _pcm_s16(rng: np.random.Generator, n: int) -> bytes:
    return (rng.standard_normal(n) * 3000).clip(-32768, 32767).astype("<i2").tobytes()


def single_messages(rng: np.random.Generator) -> dict[str, c.Message]:
    """File name -> one message, covering every type and edge values."""
    ue = rig().ue_names
    frame174 = rng.uniform(-1.0, 1.0, len(ue)).astype(np.float32)
    return {
        "hello.bin": c.Hello(1, 0, "UnrealEditor", ""),
        "hello_token_utf8.bin": c.Hello(1, 0, "Ünreal 編集 🎭", "s3cret-token"),
        "hello_v2.bin": c.Hello(2, 7, "future-client", ""),
        "subscribe_all.bin": c.Subscribe(()),
        "subscribe_two.bin": c.Subscribe(("NPC_Guard", "Hero")),
        "unsubscribe_all.bin": c.Unsubscribe(()),
        "unsubscribe_one.bin": c.Unsubscribe(("Hero",)),
        "submit_line_s16.bin": c.SubmitLine(7, "Hero", c.PcmEncoding.S16LE, 16000, 1, c.FLAG_PACED, "happy:0.6", "",
                                            _pcm_s16(rng, 32)),
        "submit_line_f32_interrupt.bin": c.SubmitLine(
            0xFFFFFFFF, "NPC_Guard", c.PcmEncoding.F32LE, 48000, 2, c.FLAG_PACED | c.FLAG_INTERRUPT,
            '{"keys": [{"time": 0, "emotion": "angry", "intensity": 0.5}]}', '{"seed": 3}',
            rng.uniform(-1, 1, 8).astype("<f4").tobytes()),
        "submit_line_empty.bin": c.SubmitLine(0, "", c.PcmEncoding.S16LE, 16000, 1, 0, "", "", b""),
        "heartbeat.bin": c.Heartbeat(1795000000.125),
        "bye.bin": c.Bye(),
        "server_hello.bin": c.ServerHello(1, 0, "emoface serve", "emoface-small-1a2b3c", 1795000000.5),
        "subject_static.bin": c.SubjectStatic("Hero", 60, 1, tuple(ue)),
        "subject_static_ntsc.bin": c.SubjectStatic("Cam", 60000, 1001, ("CTRL_C_jaw.ty", "CTRL_L_eye_blink.y")),
        "line_start.bin": c.LineStart("Hero", 1, 7, 1795000000.6, 120),
        "line_start_unknown_count.bin": c.LineStart("NPC_Guard", 42, 0, 1795000001.0, c.UNKNOWN_FRAME_COUNT),
        "frame.bin": c.Frame("Hero", 1, 3, 3 / 60, frame174),
        "frame_small.bin": c.Frame("t", 9, 0, 0.0, np.array([0.0, -0.0, 1.5, -1e-7, 3.4e38], np.float32)),
        "line_end_complete.bin": c.LineEnd("Hero", 1, 120, c.LineStatus.COMPLETE, ""),
        "line_end_cancelled.bin": c.LineEnd("Hero", 2, 17, c.LineStatus.CANCELLED, "interrupted by line 3"),
        "line_end_failed.bin": c.LineEnd("NPC_Guard", 5, 0, c.LineStatus.FAILED, "model error: out of memory"),
        "error_protocol.bin": c.Error(0, c.ErrorCode.PROTOCOL, "message length 0"),
        "error_invalid_argument.bin": c.Error(7, c.ErrorCode.INVALID_ARGUMENT, "unknown emotion 'hapy'"),
        "error_resource_exhausted.bin": c.Error(8, c.ErrorCode.RESOURCE_EXHAUSTED, "too many lines queued"),
    }


def _raw(type_code: int, payload: bytes, length: int | None = None) -> bytes:
    """Hand-built message bytes (``length`` None = the correct length)."""
    return struct.pack("<IB", len(payload) + 1 if length is None else length, type_code) + payload


def malformed() -> list[tuple[str, bytes, str, int, str, str]]:
    """(file, bytes, error kind, messages before, detected, description)."""
    hello = c.encode(c.Hello(1, 0, "x", ""))
    heartbeat = c.encode(c.Heartbeat(1.5))
    return [
        ("bad_truncated_field.bin", _raw(0x05, b"\x00\x00\x00\x00"), c.TRUNCATED, 0, "decode",
         "HEARTBEAT whose length holds only 4 of the 8 bytes of its f64"),
        ("bad_truncated_string.bin", hello + _raw(0x82, struct.pack("<H", 10) + b"abc"), c.TRUNCATED, 1, "decode",
         "SUBJECT_STATIC whose subject string claims 10 bytes but the message holds 3"),
        ("bad_truncated_stream.bin", hello + heartbeat[:7], c.TRUNCATED, 1, "end_of_stream",
         "the stream ends 6 bytes short inside a HEARTBEAT"),
        ("bad_oversized_length.bin", struct.pack("<I", c.MAX_MESSAGE_BYTES + 1) + b"\x05", c.OVERSIZED, 0, "decode",
         "length 67108865, one above the 64 MiB limit"),
        ("bad_zero_length.bin", heartbeat + struct.pack("<I", 0) + b"\x05", c.ZERO_LENGTH, 1, "decode",
         "a HEARTBEAT, then a message with length 0"),
        ("bad_trailing_bytes.bin", _raw(0x05, struct.pack("<d", 2.0) + b"\x00\x01"), c.TRAILING_BYTES, 0, "decode",
         "HEARTBEAT with 2 bytes after its f64"),
        ("bad_trailing_bye.bin", _raw(0x06, b"\x00"), c.TRAILING_BYTES, 0, "decode", "BYE with a 1-byte payload"),
        ("bad_magic.bin", _raw(0x01, b"EFLX" + struct.pack("<HH", 1, 0) + b"\x00\x00\x00\x00"), c.BAD_MAGIC, 0,
         "decode", "HELLO with magic EFLX"),
        ("bad_utf8.bin", _raw(0x02, struct.pack("<HH", 1, 2) + b"\xc3\x28"), c.BAD_UTF8, 0, "decode",
         "SUBSCRIBE whose subject is the invalid UTF-8 sequence c3 28"),
    ]


def session(rng: np.random.Generator) -> list[c.Message]:
    """SERVER_HELLO, SUBJECT_STATIC (the 174 ue_names), LINE_START, 3 FRAMEs, LINE_END."""
    ue = rig().ue_names
    start = 1795000010.25
    frames = [c.Frame("Hero", 3, i, i / 60, rng.uniform(-1, 1, len(ue)).astype(np.float32)) for i in range(3)]
    return [c.ServerHello(1, 0, "emoface serve", "emoface-small-1a2b3c", start - 0.5),
            c.SubjectStatic("Hero", 60, 1, tuple(ue)), c.LineStart("Hero", 3, 11, start, 3), *frames,
            c.LineEnd("Hero", 3, 3, c.LineStatus.COMPLETE, "")]


def build() -> tuple[dict[str, bytes], dict]:
    """(file name -> bytes, the vectors.json object)."""
    rng = np.random.default_rng(_SEED)
    files: dict[str, bytes] = {}
    doc: dict = {"protocol_version": [c.VERSION_MAJOR, c.VERSION_MINOR], "max_message_bytes": c.MAX_MESSAGE_BYTES,
                 "messages": [], "malformed": [], "sessions": []}
    for name, message in single_messages(rng).items():
        files[name] = c.encode(message)
        doc["messages"].append({"file": name, **_describe(message)})
    unknown = _raw(0x7F, b"\x01\x02\x03")
    files["unknown_type.bin"] = unknown
    doc["messages"].append({"file": "unknown_type.bin", **_describe(c.UnknownMessage(0x7F, 3)),
                            "note": "unknown type 0x7f with 3 payload bytes: skipped by receivers"})
    for name, data, kind, before, detected, text in malformed():
        files[name] = data
        doc["malformed"].append({"file": name, "error": kind, "messages_before": before, "detected": detected,
                                 "description": text})
    messages = session(rng)
    files["session_basic.bin"] = b"".join(c.encode(m) for m in messages)
    doc["sessions"].append({"file": "session_basic.bin", "messages": [_describe(m) for m in messages]})
    return files, doc


def render_json(doc: dict) -> str:
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else OUT_DIR
    out.mkdir(parents=True, exist_ok=True)
    files, doc = build()
    for name, data in files.items():
        (out / name).write_bytes(data)
    (out / "vectors.json").write_text(render_json(doc), encoding="utf-8")
    print(f"wrote {len(files)} vector files and vectors.json to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
