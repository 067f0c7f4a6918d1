"""Issue 14: the limits of server/runtime/limits.py on a real server on loopback."""
from __future__ import annotations

import json
import logging
import time

import grpc
import numpy as np
import pytest

from emoface_testing import encode_audio, speechlike
from server.grpc.api import face_animation_pb2 as pb
from server.runtime import limits


def _keys(n: int, span_s: float = 1.0) -> list[pb.EmotionKey]:
    return [pb.EmotionKey(time_s=span_s * i / n, label="happy") for i in range(n)]


def _pcm(duration_s: float) -> bytes:
    return (speechlike(duration_s, 16000, seed=3) * 32767).astype("<i2").tobytes()


PCM16K = pb.PcmFormat(encoding=pb.PCM_ENCODING_S16LE, sample_rate_hz=16000, channels=1)


def _code(fn) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as err:
        fn()
    return err.value.code(), err.value.details()


# ---------------------------------------------------------------- 1. emotion tracks
def test_huge_emotion_track_is_refused_fast_before_parsing(server_address, stub):
    request = pb.AnimateRequest(audio=_pcm(1.0), pcm=PCM16K,
                                emotion=pb.Emotion(track=pb.EmotionTrack(keys=_keys(200_000))))
    start = time.monotonic()
    code, details = _code(lambda: stub(server_address).Animate(request, timeout=60))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "200000 keys" in details
    assert time.monotonic() - start < 3.0


def test_emotion_keys_are_limited_per_second_of_audio(server_address, stub):
    n = limits.keys_allowed(1.0) + 1
    request = pb.AnimateRequest(audio=_pcm(1.0), pcm=PCM16K, emotion=pb.Emotion(track=pb.EmotionTrack(keys=_keys(n))))
    code, details = _code(lambda: stub(server_address).Animate(request, timeout=60))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "allows" in details
    ok = pb.AnimateRequest(audio=_pcm(1.0), pcm=PCM16K, emotion=pb.Emotion(track=pb.EmotionTrack(keys=_keys(n - 1))))
    assert stub(server_address).Animate(ok, timeout=60).num_frames > 0


def test_stream_chunk_with_too_many_emotion_keys_is_invalid(server_address, stub):
    def requests():
        yield pb.StreamAnimateRequest(header=pb.StreamHeader(pcm=PCM16K))
        yield pb.StreamAnimateRequest(chunk=pb.AudioChunk(data=_pcm(0.5),
                                                          emotion_keys=_keys(limits.EMOTION_KEYS_PER_CHUNK + 1)))
        yield pb.StreamAnimateRequest(end_of_audio=pb.EndOfAudio())
    code, details = _code(lambda: list(stub(server_address).StreamAnimate(requests(), timeout=60)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "per chunk" in details


# ---------------------------------------------------------------- 2. drip clients
def test_a_stream_that_drips_audio_is_ended_when_its_wall_time_outruns_its_audio(serve, stub):
    _, address = serve(stream_wall_grace_s=1.0, stream_wall_per_audio_s=2.0)

    def requests():  # 2 bytes (1 sample) every 0.2 s: each resets the idle timer, none adds real audio
        yield pb.StreamAnimateRequest(header=pb.StreamHeader(pcm=PCM16K))
        for _ in range(25):
            time.sleep(0.2)
            yield pb.StreamAnimateRequest(chunk=pb.AudioChunk(data=b"\x00\x00"))
        yield pb.StreamAnimateRequest(end_of_audio=pb.EndOfAudio())
    start = time.monotonic()
    code, details = _code(lambda: list(stub(address).StreamAnimate(requests(), timeout=30)))
    assert code == grpc.StatusCode.DEADLINE_EXCEEDED and "of audio" in details
    assert time.monotonic() - start < 3.0


def test_a_stream_sending_in_real_time_is_not_ended(serve, stub):
    _, address = serve(stream_wall_grace_s=1.0, stream_wall_per_audio_s=2.0)
    pcm = _pcm(2.0)

    def requests():
        yield pb.StreamAnimateRequest(header=pb.StreamHeader(pcm=PCM16K))
        for i in range(0, len(pcm), 6400):  # 0.2 s chunks in real time
            time.sleep(0.2)
            yield pb.StreamAnimateRequest(chunk=pb.AudioChunk(data=pcm[i:i + 6400]))
        yield pb.StreamAnimateRequest(end_of_audio=pb.EndOfAudio())
    replies = list(stub(address).StreamAnimate(requests(), timeout=30))
    assert replies[-1].summary.audio_duration_s == pytest.approx(2.0)


# ---------------------------------------------------------------- 5. provenance without server paths
def _paths_in(text: str, pipeline) -> list[str]:
    checkpoint = str(pipeline.provenance.get("checkpoint") or "/")
    return [p for p in (checkpoint, "/work/", "/home/", "/tmp/") if p in text]


def test_get_info_and_animate_send_no_server_paths(serve, stub, pipeline, monkeypatch):
    monkeypatch.setitem(pipeline.loaded.metadata, "provenance", {
        **pipeline.loaded.metadata.get("provenance", {}), "corpus_command": "emoface corpus --out /srv/corpus/x"})
    _, address = serve()
    info = stub(address).GetInfo(pb.GetInfoRequest(), timeout=30)
    assert info.provenance_json and not _paths_in(info.provenance_json, pipeline)
    assert "/srv/corpus" not in info.provenance_json and "sha256" in info.provenance_json
    reply = stub(address).Animate(pb.AnimateRequest(audio=_pcm(0.5), pcm=PCM16K), timeout=60)
    assert set(json.loads(reply.provenance_json)) <= {"model_id", "sha256", "trained"}
    assert pipeline.provenance["corpus_command"].endswith("/srv/corpus/x")  # kept locally (emoface info)


# ---------------------------------------------------------------- 3. memory: encoded stream audio, WAV layout
def test_encoded_stream_audio_is_capped_by_the_clip_limit(serve, stub):
    _, address = serve(max_clip_s=1.0)  # cap: 1 s of float32 48 kHz stereo = 384000 bytes
    assert limits.encoded_bytes_allowed(1.0) == 384_000

    def requests():
        yield pb.StreamAnimateRequest(header=pb.StreamHeader())  # no pcm: an encoded file, buffered
        for _ in range(8):
            yield pb.StreamAnimateRequest(chunk=pb.AudioChunk(data=b"\0" * 100_000))
        yield pb.StreamAnimateRequest(end_of_audio=pb.EndOfAudio())
    code, details = _code(lambda: list(stub(address).StreamAnimate(requests(), timeout=30)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "384000 bytes" in details


def test_bytes_after_the_wav_data_chunk_are_refused(server_address, stub):
    wav = encode_audio(speechlike(0.5, 16000, seed=4), 16000, "WAV")
    assert stub(server_address).Animate(pb.AnimateRequest(audio=wav), timeout=60).num_frames > 0
    code, details = _code(lambda: stub(server_address).Animate(pb.AnimateRequest(audio=wav + b"junk" * 100),
                                                               timeout=60))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "after the WAV's last complete chunk" in details


# ---------------------------------------------------------------- 6. undecodable requests
def _raw_unary(address: str, method: str, data: bytes, channels: list):
    ch = grpc.insecure_channel(address)
    channels.append(ch)
    return ch.unary_unary(f"/emoface.v1.FaceAnimation/{method}")(data, timeout=30)


@pytest.mark.parametrize("method, data, reason", [
    ("GetInfo", b"\xff\xff\xff", "not a valid"),
    ("Animate", b"\x0a\x05ab", "not a valid"),  # truncated bytes field
    ("Animate", bytes([0x2a, 2, 0xff, 0xfe]), "UTF-8"),  # livelink_subject of invalid UTF-8
    ("Animate", bytes([3 << 3 | 0, 5]), "emotion has the wrong wire type"),  # a message field sent as a varint
])
def test_undecodable_requests_are_invalid_argument(server_address, method, data, reason):
    channels: list = []
    try:
        code, details = _code(lambda: _raw_unary(server_address, method, data, channels))
    finally:
        for ch in channels:
            ch.close()
    assert code == grpc.StatusCode.INVALID_ARGUMENT and reason in details, details


def test_a_stream_message_that_does_not_parse_is_invalid_argument(server_address):
    with grpc.insecure_channel(server_address) as ch:
        call = ch.stream_stream("/emoface.v1.FaceAnimation/StreamAnimate")
        header = pb.StreamAnimateRequest(header=pb.StreamHeader(pcm=PCM16K)).SerializeToString()
        code, details = _code(lambda: list(call(iter([header, b"\x12\x07\x0a"]), timeout=30)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "not a valid" in details


# ---------------------------------------------------------------- 4. safe defaults off loopback
def test_off_loopback_without_tokens_refuses_to_start_unless_explicitly_opted_out(serve, stub):
    from model.errors import InputError

    with pytest.raises(InputError, match="allow_unauthenticated_network"):
        serve(host="0.0.0.0", insecure=True)
    with pytest.raises(InputError, match="allow_unauthenticated_network"):
        serve(livelink_port=0, livelink_host="0.0.0.0", insecure=True)
    with pytest.raises(InputError, match="allow_public_metrics"):
        serve(metrics_port=0, metrics_host="0.0.0.0")
    _, address = serve(host="0.0.0.0", insecure=True, allow_unauthenticated_network=True)
    port = address.rsplit(":", 1)[1]
    assert stub(f"127.0.0.1:{port}").GetInfo(pb.GetInfoRequest(), timeout=30).model_id  # served, as opted out


def test_off_loopback_with_tokens_starts_and_requires_them(serve, stub, monkeypatch):
    monkeypatch.setenv("EMOFACE_TEST_TOKEN", "s3cret-token-value")
    _, address = serve(host="0.0.0.0", insecure=True, token_env="EMOFACE_TEST_TOKEN")
    port = address.rsplit(":", 1)[1]
    code, _ = _code(lambda: stub(f"127.0.0.1:{port}").GetInfo(pb.GetInfoRequest(), timeout=30))
    assert code == grpc.StatusCode.UNAUTHENTICATED


# ---------------------------------------------------------------- 6. refused authentication is logged sparingly
def test_refused_authentication_warnings_are_rate_limited(serve, stub, monkeypatch, caplog):
    monkeypatch.setenv("EMOFACE_TEST_TOKEN", "s3cret-token-value")
    _, address = serve(token_env="EMOFACE_TEST_TOKEN")
    with caplog.at_level(logging.WARNING, logger="server.grpc.auth"):
        for _ in range(100):
            with pytest.raises(grpc.RpcError):
                stub(address).GetInfo(pb.GetInfoRequest(), timeout=30)
    denied = [r for r in caplog.records if r.name == "server.grpc.auth" and "denied" in r.getMessage()]
    assert 1 <= len(denied) <= limits.REFUSED_LOG_BURST
