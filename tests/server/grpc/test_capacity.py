"""Admission by real-time capacity, streams that fall behind, and calls that stop when abandoned."""
from __future__ import annotations

import threading
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from emoface_testing import encode_audio, speechlike
from model.emotion import EmotionTrack
from server.grpc.api import face_animation_pb2 as pb
from server.grpc.client import FaceAnimationClient, ServiceError
from server.grpc.app import REALTIME_HEALTH, create_server
from server.grpc.service_config import ServiceConfig
from server.runtime.options import RequestOptions
from server.runtime.pipeline import Pipeline
from server.runtime.work_pool import WorkCancelled, WorkPool

_PCM = pb.PcmFormat(encoding=pb.PCM_ENCODING_S16LE, sample_rate_hz=16000, channels=1)


def _pcm(seconds: float, seed: int = 0) -> bytes:
    return (speechlike(seconds, 16000, seed=seed) * 32767).astype("<i2").tobytes()


class _OpenStream:
    """A raw StreamAnimate call held open: header sent, chunks on demand, end on close."""

    def __init__(self, stub):
        self._requests: list = [pb.StreamAnimateRequest(header=pb.StreamHeader(pcm=_PCM))]
        self._more = threading.Condition()
        self._ended = False
        self.call = stub.StreamAnimate(self._iter(), timeout=60)
        self.header = next(self.call)

    def _iter(self):
        while True:
            with self._more:
                self._more.wait_for(lambda: self._requests or self._ended)
                if not self._requests:
                    return
                req = self._requests.pop(0)
            yield req

    def send(self, data: bytes) -> None:
        with self._more:
            self._requests.append(pb.StreamAnimateRequest(chunk=pb.AudioChunk(data=data)))
            self._more.notify()

    def close(self) -> list:
        with self._more:
            self._ended = True
            self._more.notify()
        return list(self.call)


def test_streams_beyond_the_capacity_are_refused_at_once_with_a_retry_hint(serve, stub):
    _, address = serve(stream_capacity=2, stream_retry_after_s=1.5)
    s = stub(address)
    health = health_pb2_grpc.HealthStub(grpc.insecure_channel(address))

    def realtime_health():
        request = health_pb2.HealthCheckRequest(service=REALTIME_HEALTH)
        return health.Check(request, timeout=10).status

    assert realtime_health() == health_pb2.HealthCheckResponse.SERVING
    first, second = _OpenStream(s), _OpenStream(s)
    assert realtime_health() == health_pb2.HealthCheckResponse.NOT_SERVING  # full: send new streams elsewhere
    info = s.GetInfo(pb.GetInfoRequest(), timeout=10)
    assert (info.limits.stream_capacity, info.limits.open_streams) == (2, 2)
    t0 = time.monotonic()
    with pytest.raises(grpc.RpcError) as refused:
        _OpenStream(s)
    assert time.monotonic() - t0 < 5  # refused, not queued
    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "stream_capacity" in refused.value.details() and "retry in 1.5 s" in refused.value.details()
    assert dict(refused.value.trailing_metadata())["grpc-retry-pushback-ms"] == "1500"
    # unary calls are not streams: still served at the stream capacity
    assert s.Animate(pb.AnimateRequest(audio=encode_audio(speechlike(0.5), 16000)), timeout=30).num_frames == 30
    first.send(_pcm(0.3))
    assert first.close()[-1].WhichOneof("part") == "summary"
    assert realtime_health() == health_pb2.HealthCheckResponse.SERVING
    third = _OpenStream(s)  # a slot was returned
    for stream in (second, third):
        stream.send(_pcm(0.3))
        assert stream.close()[-1].WhichOneof("part") == "summary"
    assert s.GetInfo(pb.GetInfoRequest(), timeout=10).limits.open_streams == 0


def test_measured_capacity_is_reported_and_exported(serve, stub, pipeline):
    server, address = serve()
    expected = pipeline.stream_capacity(server.config.default_lookahead_s, server.config.realtime_share)
    assert stub(address).GetInfo(pb.GetInfoRequest(), timeout=10).limits.stream_capacity == expected >= 1
    text = server.metrics.text().decode()
    assert f"emoface_stream_capacity {float(expected)}" in text
    assert "emoface_realtime_load 0.0" in text


def test_a_stream_that_falls_behind_is_told_in_band_and_ended(serve):
    _, address = serve(stream_max_lag_s=1e-6)  # any processing time is "behind"
    with FaceAnimationClient(address) as client:
        stream = client.stream([_pcm(0.5, seed=1)], None, None)
        with pytest.raises(ServiceError) as ended:
            list(stream)
    assert ended.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "fell" in str(ended.value) and "behind" in str(ended.value)
    assert stream.fell_behind_s > 0


def test_an_abandoned_long_call_stops_using_the_model(stub, tiny_checkpoint):
    """A 0.3 s client deadline on a long clip: whether the deadline passes while the request is still
    arriving, while its job is queued or while the model runs, the server never runs the clip to its end
    (the tiny model would need about 1 s for it)."""
    pipeline = Pipeline.load(tiny_checkpoint)  # its own counters: no other test's work
    server, port = create_server(ServiceConfig(port=0, grace_s=1.0, stream_capacity=4), pipeline)
    server.start()
    address = f"127.0.0.1:{port}"
    scheduler = pipeline.scheduler
    completed = scheduler.bulk_completed
    long_clip = encode_audio(speechlike(299.0, 16000, seed=3), 16000)
    with pytest.raises(grpc.RpcError) as expired:
        stub(address).Animate(pb.AnimateRequest(audio=long_clip), timeout=0.3)
    assert expired.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    deadline = time.monotonic() + 60
    while scheduler.bulk_running and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(1.0)  # long enough for the clip to finish, had it kept running
    assert scheduler.bulk_running == 0 and scheduler.bulk_completed == completed
    server.stop(0).wait(10)


def test_work_stops_at_its_next_piece_when_its_caller_leaves_mid_clip(pipeline):
    pool, scheduler = WorkPool(1, 4), pipeline.scheduler
    cancelled = scheduler.bulk_cancelled
    audio = speechlike(240.0, 16000, seed=4).astype("float32")
    wanted = [True]

    def leave_once_running():
        while not scheduler.bulk_running:
            time.sleep(0.001)
        wanted[0] = False

    threading.Thread(target=leave_once_running, daemon=True).start()
    try:
        with pytest.raises(WorkCancelled):
            pool.run(lambda: wanted[0], pipeline.animate, audio, EmotionTrack.constant("neutral"), RequestOptions())
        deadline = time.monotonic() + 60
        while scheduler.bulk_running and time.monotonic() < deadline:
            time.sleep(0.01)
        assert scheduler.bulk_cancelled == cancelled + 1
    finally:
        pool.shutdown()
