"""The Unreal plugin's plain C++ protocol core (``Private/Protocol/``), compiled with g++ and run for real.

The core and ``unreal_plugin/EmoFaceLiveLink/Tests/protocol_driver*.cpp`` are built once per module with the
plugin's flags (no exceptions, no RTTI, warnings as errors), once plain and once with AddressSanitizer and
UndefinedBehaviorSanitizer; most tests run on both builds. The Python codec (``server/livelink/codec.py``)
is the reference throughout:
- every shared vector of ``tests/data/livelink_vectors/`` decodes to the same messages, field by field and
  bit for bit (floats compared as IEEE bits), in one chunk, byte by byte and in random chunks; re-encoding
  gives the same bytes; every ``bad_*`` vector fails with the Python decoder's error kind at the same point;
- random truncations, byte flips and splices of the valid vectors, and strings at UTF-8's edges, decode exactly
  as Python decodes them, and a connected ClientSession fed them fails with the same error kind;
- ClientSession turns a stream into the events its header documents;
- a live session against a real Live Link server on loopback: the driver's frames equal the bytes it received
  (decoded by Python) and the Python client's frames for the same request.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from emoface_testing import speechlike
from model.rig import rig
from server.livelink import codec as c

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "unreal_plugin" / "EmoFaceLiveLink"
PRIVATE = PLUGIN / "Source" / "EmoFaceLiveLink" / "Private"
PROTOCOL = PRIVATE / "Protocol"
DRIVER_SOURCES = [PLUGIN / "Tests" / n for n in ("protocol_driver.cpp", "protocol_driver_json.cpp",
                                                 "protocol_driver_live.cpp")]
VECTORS = REPO / "tests" / "data" / "livelink_vectors"
DOC = json.loads((VECTORS / "vectors.json").read_text(encoding="utf-8"))
STRICT = ["-std=c++17", "-fno-exceptions", "-fno-rtti", "-Wall", "-Wextra", "-Wpedantic", "-Wshadow", "-Wconversion",
          "-Wsign-conversion", "-Werror"]
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", "-g",
            "-D_GLIBCXX_ASSERTIONS", "-D_GLIBCXX_SANITIZE_VECTOR"]
SANITIZER_ENV = {"ASAN_OPTIONS": "detect_leaks=1:halt_on_error=1",
                 "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1"}
CHUNKINGS = ["all", "1", "random:7", "random:8"]

GXX_MISSING = "g++ is not installed (apt-get install g++; .ci/run installs it)"


# ----------------------------------------------------------------------------- builds
def compile_driver(out: Path, extra: list[str]) -> None:
    cmd = ["g++", *STRICT, "-O1", *extra, f"-I{PRIVATE}", *map(str, DRIVER_SOURCES),
           *map(str, sorted(PROTOCOL.glob("*.cpp"))), "-o", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]


def sanitizers_work(tmp: Path) -> bool:
    """Whether this toolchain can build and run an ASan/UBSan program at all (libasan installed, ptrace allowed)."""
    probe = tmp / "probe.cpp"
    probe.write_text("#include <vector>\nint main() { std::vector<int> v(3); return v[1]; }\n")
    built = subprocess.run(["g++", *SANITIZE, str(probe), "-o", str(tmp / "probe")], capture_output=True, timeout=120)
    return built.returncode == 0 and subprocess.run([str(tmp / "probe")], env={**os.environ, **SANITIZER_ENV},
                                                    capture_output=True, timeout=30).returncode == 0


@pytest.fixture(scope="module", params=["plain", "sanitized"])
def driver(request, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The driver binary (one build per parameter, once per module)."""
    if shutil.which("g++") is None:
        pytest.fail(GXX_MISSING)
    tmp = tmp_path_factory.mktemp(f"protocol_{request.param}")
    if request.param == "sanitized" and not sanitizers_work(tmp):
        pytest.fail("this g++ cannot build or run -fsanitize=address,undefined programs (libasan/libubsan missing?)")
    out = tmp / "protocol_driver"
    compile_driver(out, SANITIZE if request.param == "sanitized" else [])
    return out


def run(driver: Path, *args, timeout_s: float = 120) -> list[dict]:
    """Run a driver command; its JSON lines. Any sanitizer report makes the run fail."""
    done = subprocess.run([str(driver), *map(str, args)], capture_output=True, text=True, timeout=timeout_s,
                          env={**os.environ, **SANITIZER_ENV})
    assert done.returncode == 0 and "runtime error" not in done.stderr, done.stderr[-4000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


# ----------------------------------------------------------------------------- typed values
def plain(value):
    """A driver value in the form of vectors.json: str, float (exact), hex for bytes, lists."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str):
        tag, _, data = value.partition(":")
        if tag == "str":
            return bytes.fromhex(data).decode("utf-8")
        if tag == "f64":
            return struct.unpack(">d", bytes.fromhex(data))[0]
        if tag == "f32":
            return float(struct.unpack(">f", bytes.fromhex(data))[0])
        assert tag == "bytes", value
        return data
    return value


def typed_value(value):
    """A Python-decoded field in the driver's typed form (floats as their IEEE bits)."""
    if isinstance(value, str):
        return "str:" + value.encode("utf-8").hex()
    if isinstance(value, float):
        return "f64:" + struct.pack(">d", value).hex()
    if isinstance(value, bytes):
        return "bytes:" + value.hex()
    if isinstance(value, np.ndarray):
        return [f"f32:{bits:08x}" for bits in np.asarray(value, "<f4").view("<u4").tolist()]
    if isinstance(value, tuple):
        return [typed_value(v) for v in value]
    return int(value)


def typed(message: c.Message) -> dict:
    """What the driver prints for ``message``."""
    code = c.message_type(message)
    name = "UNKNOWN" if isinstance(message, c.UnknownMessage) else c.MessageType(code).name
    fields = {name_: typed_value(getattr(message, name_)) for name_ in message.__dataclass_fields__}
    return {"type": name, "type_code": code, "fields": fields}


def python_decode(data: bytes, max_message_bytes: int = c.MAX_MESSAGE_BYTES) -> tuple[list[dict], str | None, str]:
    """(typed messages, error kind or None, where detected) as the Python decoder sees ``data``."""
    decoder, messages, detected = c.Decoder(max_message_bytes), [], "decode"
    decoder.feed(data)
    try:
        while (message := decoder.next()) is not None:
            messages.append(typed(message))
        detected = "end_of_stream"
        decoder.check_finished()
    except c.ProtocolError as exc:
        return messages, exc.kind, detected
    return messages, None, ""


def check_against_python(result: dict, data: bytes) -> None:
    """A driver decode result equals the Python decoder's, and re-encodes every known message byte for byte."""
    messages, kind, detected = python_decode(data)
    assert result["messages"] == messages
    assert (result["error"] or {}).get("kind") == kind
    if kind is not None:
        assert result["error"]["message"] and result["error"]["detected"] == detected
    offset = 0
    for message, encoded in zip(result["messages"], result["encoded"]):
        length = int.from_bytes(data[offset:offset + 4], "little")
        original = data[offset:offset + 4 + length]
        assert encoded == ({"error": "unencodable"} if message["type"] == "UNKNOWN" else original.hex())
        offset += 4 + length


# ----------------------------------------------------------------------------- the shared vectors
@pytest.mark.parametrize("entry", DOC["messages"], ids=lambda e: e["file"])
def test_single_message_vectors(driver: Path, entry: dict) -> None:
    data = (VECTORS / entry["file"]).read_bytes()
    for chunking in CHUNKINGS:
        (result,) = run(driver, "decode", chunking, VECTORS / entry["file"])
        check_against_python(result, data)
        (message,) = result["messages"]
        assert (message["type"], message["type_code"]) == (entry["type"], entry["type_code"])
        assert {k: plain(v) for k, v in message["fields"].items()} == entry["fields"]
        assert result["error"] is None and result["buffered"] == 0


def test_session_vector_in_any_chunking(driver: Path) -> None:
    (entry,) = DOC["sessions"]
    data = (VECTORS / entry["file"]).read_bytes()
    for chunking in [*CHUNKINGS, *(f"random:{seed}" for seed in range(20, 30))]:
        (result,) = run(driver, "decode", chunking, VECTORS / entry["file"])
        check_against_python(result, data)
        assert [m["type"] for m in result["messages"]] == [m["type"] for m in entry["messages"]]
        assert "".join(result["encoded"]) == data.hex()  # every message re-encodes to its bytes
    assert [plain(v) for v in result["messages"][1]["fields"]["controls"]] == list(rig().ue_names)


@pytest.mark.parametrize("entry", DOC["malformed"], ids=lambda e: e["file"])
def test_malformed_vectors_fail_like_python(driver: Path, entry: dict) -> None:
    data = (VECTORS / entry["file"]).read_bytes()
    for chunking in CHUNKINGS:
        (result,) = run(driver, "decode", chunking, VECTORS / entry["file"])
        check_against_python(result, data)
        assert result["error"]["kind"] == entry["error"] and result["error"]["detected"] == entry["detected"]
        assert len(result["messages"]) == entry["messages_before"]
    # byte by byte, a bad length fails as soon as its 4 bytes arrive; other errors once the message is complete
    (result,) = run(driver, "decode", "1", VECTORS / entry["file"])
    before = sum(len(bytes.fromhex(e)) for e in result["encoded"])
    early = entry["error"] in (c.OVERSIZED, c.ZERO_LENGTH)
    assert result["failed_at"] == (before + 4 if early else len(data))


def test_length_limit_is_the_decoders_parameter(driver: Path) -> None:
    hello = VECTORS / "hello.bin"  # length 25
    (tight,) = run(driver, "decode", "1", hello, 24)
    (exact,) = run(driver, "decode", "1", hello, 25)
    assert tight["error"]["kind"] == python_decode(hello.read_bytes(), 24)[1] == c.OVERSIZED
    assert tight["failed_at"] == 4
    assert exact["error"] is None and len(exact["messages"]) == 1


def fuzz_cases(seed: int = 20261202) -> list[bytes]:
    """Truncations, byte flips (often in a header) and splices of every valid vector."""
    rng = np.random.default_rng(seed)
    valid = [p.read_bytes() for p in sorted(VECTORS.glob("*.bin")) if not p.name.startswith("bad_")]
    cases = []
    for data in valid:
        cases += [data[:int(rng.integers(0, len(data)))] for _ in range(5)]
        for _ in range(9):
            flipped = bytearray(data)
            for _ in range(int(rng.integers(1, 4))):
                at = int(rng.integers(0, 5)) if rng.random() < 0.3 else int(rng.integers(0, len(data)))  # often a header
                bit = 1 << int(rng.integers(8))
                flipped[at] = int(rng.integers(0, 256)) if rng.random() < 0.5 else flipped[at] ^ bit
            cases.append(bytes(flipped))
    for _ in range(60):
        a, b = (valid[int(i)] for i in rng.integers(0, len(valid), 2))
        joined = a + b
        cases.append(joined[int(rng.integers(0, len(a) + 1)):int(rng.integers(len(a), len(joined) + 1))])
    return cases


# Bytes at the edges of UTF-8's rules (lead bytes, continuation ranges, overlong and surrogate forms, > U+10FFFF)
UTF8_EDGE_BYTES = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED,
                   0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
# Each rule's boundary on both sides: (overlong, smallest valid), (largest valid, surrogate), (U+10FFFF, beyond)...
UTF8_BOUNDARIES = ["c0 80", "c1 bf", "c2 80", "df bf", "e0 9f bf", "e0 a0 80", "ed 9f bf", "ed a0 80", "ed bf bf",
                   "ee 80 80", "ef bf bf", "f0 8f bf bf", "f0 90 80 80", "f4 8f bf bf", "f4 90 80 80", "f5 80 80 80",
                   "80", "bf", "e2 82", "e2 82 41", "f0 9f 8e", "ff", "fe"]
UTF8_EDGE_CHARS = "\x00\x7f\u0080\u07ff\u0800\ud7ff\ue000\uffff\U00010000\U0010ffffé編🎭"


def utf8_cases(seed: int = 7) -> list[bytes]:
    """SUBSCRIBE messages whose subject is random edge bytes, or valid text at the code point edges."""
    rng = np.random.default_rng(seed)
    subjects = [bytes(rng.choice(UTF8_EDGE_BYTES, int(rng.integers(1, 7)))) for _ in range(400)]
    subjects += ["".join(rng.choice(list(UTF8_EDGE_CHARS), 3)).encode("utf-8") for _ in range(100)]
    subjects += [b"a" + bytes.fromhex(h) + b"z" for h in UTF8_BOUNDARIES] + [bytes.fromhex(h) for h in UTF8_BOUNDARIES]
    return [struct.pack("<IBHH", 5 + len(s), 0x02, 1, len(s)) + s for s in subjects]


def test_truncated_flipped_and_spliced_streams_decode_like_python(driver: Path, tmp_path: Path) -> None:
    cases = fuzz_cases() + utf8_cases()
    pack = tmp_path / "cases.bin"
    pack.write_bytes(b"".join(struct.pack("<I", len(case)) + case for case in cases))
    results = run(driver, "fuzz", pack)
    assert len(results) == len(cases)
    kinds, session_saw = set(), 0
    for case, result in zip(cases, results):
        check_against_python(result["decode"], case)
        kind = (result["decode"]["error"] or {}).get("kind")
        kinds.add(kind)
        # a connected session fed the same bytes fails with the decoder's kind, unless a BYE or a closing
        # ERROR ended it before the bad bytes
        session = result["session"]
        assert session["state"] in ("closed", "failed")
        assert session["decode_kind"] in (kind, None)
        if kind is not None and session["decode_kind"] is None:
            assert any(m["type"] in ("BYE", "ERROR", "SERVER_HELLO") for m in result["decode"]["messages"])
        session_saw += kind is not None and session["decode_kind"] == kind
    # the cases reach every decoding error kind, and some decode completely
    assert kinds >= {None, c.TRUNCATED, c.OVERSIZED, c.TRAILING_BYTES, c.BAD_MAGIC, c.BAD_UTF8}
    assert session_saw > 0.8 * sum(r["decode"]["error"] is not None for r in results)


# ----------------------------------------------------------------------------- encoder limits
def test_encoder_limits(driver: Path) -> None:
    lines = run(driver, "limits", timeout_s=300)
    got = {line["case"]: line for line in lines if "case" in line}
    sizes = {"str_65535": len(c.encode(c.Hello(1, 0, "a" * 65535, ""))),
             "strs_65535": len(c.encode(c.Subscribe(("",) * 65535))),
             "f32s_65535": len(c.encode(c.Frame("s", 1, 2, 0.0, np.full(65535, 0.5, np.float32)))),
             "submit_max": 4 + c.MAX_MESSAGE_BYTES}
    for name, size in sizes.items():
        assert got[name]["ok"] and got[name]["size"] == size, name
    with pytest.raises(c.ProtocolError) as python:
        c.encode(c.Hello(1, 0, "a" * 65536, ""))
    failures = {"str_65536": python.value.kind, "str_bad_utf8": c.UNENCODABLE, "str_surrogate": c.UNENCODABLE,
                "strs_65536": c.UNENCODABLE, "f32s_65536": c.UNENCODABLE, "unknown": c.UNENCODABLE,
                "submit_over_by_1": c.OVERSIZED, "audio_over_limit": c.OVERSIZED}
    for name, kind in failures.items():
        assert not got[name]["ok"] and got[name]["kind"] == kind and got[name]["size"] == 0, name
        assert got[name]["message"], name
    assert all(line["overload_agrees"] for line in got.values() if "overload_agrees" in line)
    assert got["submit_max_decodes"]["ok"]
    # a session reports lines it cannot send as ERROR events for their requests, as the server would answer
    assert got["session_unsendable"]["sizes"] == [0, 0]
    errors = [plain(e["message"]["fields"]["message"]) for e in lines if e.get("event") == "server_error"]
    codes = [(e["message"]["fields"]["request_id"], e["message"]["fields"]["code"]) for e in lines if "event" in e]
    assert codes == [(9, c.ErrorCode.RESOURCE_EXHAUSTED), (11, c.ErrorCode.INVALID_ARGUMENT)]
    assert all(m.startswith("not sent: SUBMIT_LINE") for m in errors) and "emotion" in errors[1]


# ----------------------------------------------------------------------------- client session
def session_run(driver: Path, tmp_path: Path, stream: bytes, chunking: str = "random:3",
                close: bool = False) -> tuple[list[dict], dict]:
    path = tmp_path / "stream.bin"
    path.write_bytes(stream)
    lines = run(driver, "session", chunking, path, *(["close"] if close else []))
    hello, events, final = lines[0], lines[1:-1], lines[-1]
    assert hello["hello"] == c.encode(c.Hello(1, 0, "driver", "tok")).hex()
    assert hello["state"] == "awaiting_server_hello"
    return events, final


def test_session_events_follow_the_documented_rules(driver: Path, tmp_path: Path) -> None:
    t0 = 1795000000.25
    hero_static = c.SubjectStatic("Hero", 60, 1, ("CTRL_C_jaw.ty", "CTRL_L_eye_blink.y"))
    script = [  # (message, expected event or None, expected event subject)
        (c.Heartbeat(t0 - 1), None, ""),
        (c.SubjectStatic("Early", 60, 1, ("a",)), "protocol_error", "Early"),  # before SERVER_HELLO
        (c.ServerHello(1, 0, "emoface serve", "tiny", t0), "connected", ""),
        (c.LineStart("Early", 1, 7, t0, 3), "protocol_error", "Early"),  # its static data was dropped
        (c.UnknownMessage(0x7F, 3), None, ""),
        (c.Hello(1, 0, "x", ""), "protocol_error", ""),  # a client-to-server type
        (c.Frame("Hero", 1, 0, 0.0, np.zeros(2, np.float32)), "protocol_error", "Hero"),  # no static data
        (hero_static, "static_data", "Hero"),
        (c.Frame("Hero", 1, 0, 0.0, np.zeros(2, np.float32)), "protocol_error", "Hero"),  # no line
        (c.LineStart("Hero", 1, 7, t0, 3), "line_started", "Hero"),
        (c.Frame("Hero", 1, 0, 0.0, np.array([0.25, -0.5], np.float32)), "frame_ready", "Hero"),
        (c.Frame("Hero", 1, 1, 1 / 60, np.ones(3, np.float32)), "protocol_error", "Hero"),  # wrong value count
        (c.Frame("Hero", 2, 1, 1 / 60, np.ones(2, np.float32)), "protocol_error", "Hero"),  # another line
        (c.Frame("Other", 1, 1, 1 / 60, np.ones(2, np.float32)), "protocol_error", "Other"),  # unknown subject
        (c.LineEnd("Hero", 2, 0, c.LineStatus.COMPLETE, ""), "protocol_error", "Hero"),
        (c.LineEnd("Hero", 1, 1, c.LineStatus.COMPLETE, ""), "line_ended", "Hero"),
        (c.Frame("Hero", 1, 2, 2 / 60, np.ones(2, np.float32)), "protocol_error", "Hero"),  # after LINE_END
        (c.SubjectStatic("Hero", 30, 1, ("a", "b", "c")), "static_data", "Hero"),  # the control list changed
        (c.LineStart("Hero", 3, 0, t0 + 1, c.UNKNOWN_FRAME_COUNT), "line_started", "Hero"),
        (c.Frame("Hero", 3, 0, 0.0, np.array([1, 2, 3], np.float32)), "frame_ready", "Hero"),
        (c.Error(7, c.ErrorCode.INVALID_ARGUMENT, "unknown emotion 'hapy'"), "server_error", ""),
        (c.Error(0, 99, "a code of a later version"), "server_error", ""),
        (c.ServerHello(1, 0, "again", "tiny", t0), "protocol_error", ""),
        (c.SubmitLine(1, "Hero", audio=b"\x00\x00"), "protocol_error", "Hero"),
        (c.Heartbeat(t0 + 2.5), None, ""),
        (c.Bye(), None, ""),
        (c.Frame("Hero", 3, 1, 1 / 60, np.ones(3, np.float32)), None, ""),  # after BYE: ignored
    ]
    stream = b"".join(struct.pack("<IB", 4, 0x7F) + b"\x01\x02\x03" if isinstance(m, c.UnknownMessage) else c.encode(m)
                      for m, _, _ in script)
    expected = [(kind, subject, typed(m)) for m, kind, subject in script if kind]
    for chunking in ("1", "all", "random:5"):
        events, final = session_run(driver, tmp_path, stream, chunking)
        assert [(e["event"], plain(e["subject"]), e["message"]) for e in events] == expected
        assert final["state"] == "closed" and final["reason"] == "" and final["decode_kind"] is None
        assert final["skipped_unknown"] == 1 and plain(final["last_heartbeat"]) == t0 + 2.5


@pytest.mark.parametrize("code", [c.ErrorCode.PROTOCOL, c.ErrorCode.UNSUPPORTED_VERSION, c.ErrorCode.UNAUTHENTICATED])
def test_closing_errors_fail_the_session(driver: Path, tmp_path: Path, code: c.ErrorCode) -> None:
    stream = c.encode(c.Error(0, code, "refusé")) + c.encode(c.ServerHello())
    events, final = session_run(driver, tmp_path, stream)
    assert [e["event"] for e in events] == ["server_error"]  # nothing after the closing error
    assert final["state"] == "failed" and code.name in final["reason"] and "refusé" in final["reason"]


def test_other_server_major_version_fails_the_session(driver: Path, tmp_path: Path) -> None:
    events, final = session_run(driver, tmp_path, c.encode(c.ServerHello(2, 1, "future", "m", 1.0)))
    assert events == [] and final["state"] == "failed"
    assert "2.1" in final["reason"] and "1.0" in final["reason"]


@pytest.mark.parametrize("entry", DOC["malformed"], ids=lambda e: e["file"])
def test_malformed_bytes_fail_the_session_with_the_decoders_kind(driver: Path, tmp_path: Path, entry: dict) -> None:
    stream = c.encode(c.ServerHello()) + (VECTORS / entry["file"]).read_bytes()
    events, final = session_run(driver, tmp_path, stream)
    assert events[0]["event"] == "connected"
    at_end = entry["detected"] == "end_of_stream"
    assert final["state"] == ("connected" if at_end else "failed")  # a partial message may still complete
    if at_end:
        events, final = session_run(driver, tmp_path, stream, close=True)
    assert final["state"] == "failed" and final["decode_kind"] == entry["error"]
    assert entry["error"] in final["reason"]


def test_connection_closing_before_or_after_the_handshake(driver: Path, tmp_path: Path) -> None:
    events, final = session_run(driver, tmp_path, b"", close=True)
    assert events == [] and final["state"] == "failed" and "before answering HELLO" in final["reason"]
    events, final = session_run(driver, tmp_path, c.encode(c.ServerHello()), close=True)
    assert [e["event"] for e in events] == ["connected"] and final["state"] == "closed" and final["reason"] == ""


# ----------------------------------------------------------------------------- live session
@pytest.fixture(scope="module")
def livelink_port(pipeline):
    """A real service (gRPC + Live Link) on loopback port 0 around the tiny test model."""
    from server.grpc.app import create_server
    from server.grpc.service_config import ServiceConfig

    server, _ = create_server(ServiceConfig(port=0, grace_s=1.0, livelink_port=0), pipeline)
    server.start()
    yield server.livelink_port
    server.stop(0).wait(10)


@pytest.mark.slow
def test_live_session_matches_the_python_client(driver: Path, livelink_port: int, tmp_path: Path) -> None:
    from server.livelink.client import LiveLinkClient

    pcm = (speechlike(1.5, 16000, seed=4) * 32767).astype("<i2").tobytes()
    (tmp_path / "line.raw").write_bytes(pcm)
    emotion, options = "happy:0.6", '{"seed": 5}'
    lines = run(driver, "live", "127.0.0.1", livelink_port, tmp_path / "line.raw", "CppHero", emotion, options,
                tmp_path / "received.bin")
    events, final = lines[:-1], lines[-1]
    assert [e["event"] for e in events[:4]] == ["connected", "static_data", "line_started", "frame_ready"]
    assert [e["event"] for e in events[-2:]] == ["frame_ready", "line_ended"]
    assert final["state"] == "closed" and final["reason"] == ""  # BYE sent, the server closed cleanly
    static, start, end = (events[i]["message"]["fields"] for i in (1, 2, -1))
    assert plain(static["controls"]) == list(rig().ue_names) and len(static["controls"]) == 174
    assert (static["fps_numerator"], static["fps_denominator"]) == (60, 1)
    frames = [e["message"]["fields"] for e in events if e["event"] == "frame_ready"]
    assert start["request_id"] == 42 and start["frame_count"] == len(frames) == 90 == end["frames_sent"]
    assert end["status"] == c.LineStatus.COMPLETE
    assert [f["frame_index"] for f in frames] == list(range(90))
    assert [plain(f["time_s"]) for f in frames] == [i / 60 for i in range(90)]
    # what the session reported is exactly what came over the wire, as the Python decoder reads it
    wire = [typed(m) for m in c.decode_all((tmp_path / "received.bin").read_bytes()) if not isinstance(m, c.Heartbeat)]
    assert wire == [e["message"] for e in events]
    values = np.array([plain(f["values"]) for f in frames], np.float32)
    with LiveLinkClient.connect("127.0.0.1", livelink_port, "reference") as client:
        reference = client.collect_line(client.submit("CppHero", pcm, emotion=emotion, options_json=options))
    assert reference.end.frames_sent == 90
    np.testing.assert_allclose(values, reference.frames, atol=1e-6, rtol=0)
    assert np.ptp(values, axis=0).max() > 0.01  # the face moves: the comparison is not of constant frames


def test_live_session_with_another_major_version_is_refused(driver: Path, livelink_port: int, tmp_path: Path) -> None:
    (tmp_path / "line.raw").write_bytes(b"\x00\x00" * 160)
    lines = run(driver, "live", "127.0.0.1", livelink_port, tmp_path / "line.raw", "CppHero", "", "",
                tmp_path / "received.bin", 2)
    events, final = lines[:-1], lines[-1]
    assert [(e["event"], e["message"]["fields"]["code"]) for e in events] == [
        ("server_error", c.ErrorCode.UNSUPPORTED_VERSION)]
    assert final["state"] == "failed" and "UNSUPPORTED_VERSION" in final["reason"]


# ----------------------------------------------------------------------------- portability
def test_core_uses_only_standard_headers_and_no_exceptions() -> None:
    allowed = {"cstddef", "cstdint", "cstring", "deque", "map", "string", "utility", "variant", "vector"}
    files = sorted(PROTOCOL.iterdir())
    assert {p.name for p in files} >= {"EmoFaceProtocol.h", "EmoFaceClientSession.h"}
    for path in files:
        text = path.read_text()
        for system in re.findall(r'#\s*include\s*<([^>]+)>', text):
            assert system in allowed, f"{path.name} includes <{system}>"
        for local in re.findall(r'#\s*include\s*"([^"]+)"', text):
            assert (PROTOCOL / local).exists(), f"{path.name} includes {local}, which is not in the core"
        assert not re.findall(r"\bthrow\b|\btry\s*\{|\bcatch\s*\(|dynamic_cast|typeid", text), path.name


def test_core_builds_as_one_unity_translation_unit(tmp_path: Path) -> None:
    """Unreal may compile the module's .cpp files concatenated: the core's internal names must not collide."""
    unity = tmp_path / "unity.cpp"
    unity.write_text("".join(f'#include "{p}"\n' for p in sorted(PROTOCOL.glob("*.cpp"))))
    done = subprocess.run(["g++", *STRICT, "-fsyntax-only", f"-I{PRIVATE}", str(unity)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-4000:]
