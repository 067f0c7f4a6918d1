"""Health, reflection, admission limits, deadlines, cancellation, graceful shutdown, metrics."""
from __future__ import annotations

import threading
import time
import urllib.request

import grpc
import pytest
from google.protobuf import descriptor_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from emoface_testing import encode_audio, speechlike
from server.grpc.api import face_animation_pb2 as pb
from server.grpc.api import face_animation_pb2_grpc as pb_grpc
from server.grpc.client import FaceAnimationClient, ServiceError

LONG_AUDIO = encode_audio(speechlike(60.0, seed=7), 16000)  # ~1 s of model work on the tiny model


def _wait_until(predicate, timeout_s: float = 20.0) -> None:
    end = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError("condition not reached")
        time.sleep(0.01)


def _in_flight(server) -> float:
    return server.metrics.registry.get_sample_value("emoface_requests_in_flight")


def _animate_in_thread(address, results, **client_kwargs):
    def work():
        try:
            with FaceAnimationClient(address, **client_kwargs) as client:
                results.append(client.animate(LONG_AUDIO))
        except Exception as exc:  # recorded for the assertions
            results.append(exc)

    t = threading.Thread(target=work)
    t.start()
    return t


def test_reflection_lists_and_describes_the_service(server_address):
    with grpc.insecure_channel(server_address) as ch:
        stub = reflection_pb2_grpc.ServerReflectionStub(ch)
        requests = [reflection_pb2.ServerReflectionRequest(list_services=""),
                    reflection_pb2.ServerReflectionRequest(file_containing_symbol="emoface.v1.FaceAnimation")]
        listed, described = list(stub.ServerReflectionInfo(iter(requests), timeout=10))
    names = {s.name for s in listed.list_services_response.service}
    assert {"emoface.v1.FaceAnimation", "grpc.health.v1.Health"} <= names
    files = [descriptor_pb2.FileDescriptorProto.FromString(b)
             for b in described.file_descriptor_response.file_descriptor_proto]
    methods = {m.name for f in files for s in f.service for m in s.method}
    assert methods == {"GetInfo", "Animate", "StreamAnimate"}


def test_health_answers_serving_while_the_model_is_busy(serve):
    server, address = serve(inference_workers=1)
    results: list = []
    threads = [_animate_in_thread(address, results) for _ in range(3)]
    _wait_until(lambda: _in_flight(server) >= 2)
    with grpc.insecure_channel(address) as ch:
        health = health_pb2_grpc.HealthStub(ch)
        for service in ("", "emoface.v1.FaceAnimation"):
            start = time.monotonic()
            reply = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=2)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
            assert time.monotonic() - start < 0.5
    assert _in_flight(server) >= 1  # the checks really ran under load
    for t in threads:
        t.join(60)
    assert all(not isinstance(r, Exception) for r in results) and len(results) == 3


def test_full_server_is_resource_exhausted_and_recovers(serve):
    server, address = serve(max_concurrent_requests=1)
    with FaceAnimationClient(address) as client:
        chunks_sent = threading.Event()
        release = threading.Event()

        def chunks():
            yield b"\0\0" * 1600
            chunks_sent.set()
            release.wait(20)

        stream = client.stream(chunks())
        stream.wait_header()
        with pytest.raises(ServiceError) as err:
            client.animate(LONG_AUDIO[:40000])
        assert err.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED and "max_concurrent_requests" in str(err.value)
        assert len(client.info()["controls"]) == 174  # GetInfo is not counted against the limit
        release.set()
        list(stream)
        assert client.animate(encode_audio(speechlike(0.5), 16000)).num_frames == 30
    assert server.metrics.count("Animate", "RESOURCE_EXHAUSTED") == 1


def test_deadline_exceeded_drops_queued_work(serve):
    server, address = serve(inference_workers=1)
    results: list = []
    busy = _animate_in_thread(address, results)
    _wait_until(lambda: _in_flight(server) >= 1)
    with FaceAnimationClient(address, timeout_s=0.05) as client, pytest.raises(ServiceError) as err:
        client.animate(LONG_AUDIO)
    assert err.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
    busy.join(60)
    assert not isinstance(results[0], Exception)
    _wait_until(lambda: server.metrics.registry.get_sample_value("emoface_jobs_dropped_total") == 1)
    assert server.metrics.registry.get_sample_value("emoface_queue_depth") == 0


def test_cancelled_stream_stops_and_frees_its_slot(serve):
    server, address = serve(max_concurrent_requests=1)
    pushed = []

    def chunks():
        for i in range(600):  # 60 s of audio if nobody stops it
            pushed.append(i)
            yield b"\0\0" * 1600
            time.sleep(0.01)

    with FaceAnimationClient(address) as client:
        stream = client.stream(chunks())
        for batch in stream:
            if batch.first_frame_index > 30:
                break
        stream.cancel()
        _wait_until(lambda: server.metrics.count("StreamAnimate", "CANCELLED") == 1)
        _wait_until(lambda: _in_flight(server) == 0)
        n = len(pushed)
        time.sleep(0.3)
        assert len(pushed) == n < 600  # nothing is consumed any more
        assert client.animate(encode_audio(speechlike(0.5), 16000)).num_frames == 30


def test_graceful_shutdown_completes_in_flight_request(serve):
    server, address = serve(grace_s=30.0)
    results: list = []
    t = _animate_in_thread(address, results)
    _wait_until(lambda: _in_flight(server) >= 1)
    stopped = server.stop()
    with grpc.insecure_channel(address) as ch:  # draining: refused at once, nothing queued
        stub = pb_grpc.FaceAnimationStub(ch)
        for call, request in ((stub.GetInfo, pb.GetInfoRequest()),
                              (stub.Animate, pb.AnimateRequest(audio=encode_audio(speechlike(0.5), 16000)))):
            with pytest.raises(grpc.RpcError) as err:
                call(request, timeout=5)
            assert err.value.code() == grpc.StatusCode.UNAVAILABLE and "shutting down" in err.value.details()
    with FaceAnimationClient(address, timeout_s=5, retry=None) as client:  # the SDK does not even send it
        with pytest.raises(ServiceError, match="UNAVAILABLE.*backend unhealthy"):
            client.info()
    with grpc.insecure_channel(address) as ch:
        reply = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.NOT_SERVING
    assert not stopped.is_set()  # the transport waits for the call in progress
    t.join(60)
    assert len(results) == 1 and not isinstance(results[0], Exception), results
    assert results[0].num_frames == 3600
    assert stopped.wait(30)
    with FaceAnimationClient(address, timeout_s=5) as client, pytest.raises(ServiceError) as err:
        client.info()
    assert err.value.code == grpc.StatusCode.UNAVAILABLE  # the port is closed now


def test_open_calls_count_each_rpc_until_the_transport_ends_it(serve):
    """The drain waits for this count (not only for the handlers), so no connection closes under a reply."""
    server, address = serve()
    release = threading.Event()

    def chunks():
        yield b"\0\0" * 1600
        release.wait(30)

    with FaceAnimationClient(address) as client:
        client.info()
        _wait_until(lambda: server.servicer.open_calls.count == 0)
        stream = client.stream(chunks())
        _wait_until(lambda: server.servicer.open_calls.count == 1)
        release.set()
        list(stream)
        _wait_until(lambda: server.servicer.open_calls.count == 0)
        assert server.servicer.open_calls.wait_closed(0.0)


def test_graceful_shutdown_cancels_a_stream_still_open_after_the_grace(serve):
    server, address = serve(grace_s=0.2)
    release = threading.Event()

    def chunks():  # a client that never ends its stream
        yield b"\0\0" * 1600
        release.wait(60)

    with FaceAnimationClient(address) as client:
        stream = client.stream(chunks())
        stream.wait_header()
        assert server.stop().wait(30)  # the open stream does not hold the shutdown past grace + flush
        with pytest.raises(ServiceError) as err:
            list(stream)
        assert err.value.code in (grpc.StatusCode.CANCELLED, grpc.StatusCode.UNAVAILABLE)
    release.set()


def test_prometheus_metrics_endpoint(serve):
    server, address = serve(metrics_port=0)
    with FaceAnimationClient(address) as client:
        client.info()
        client.animate(encode_audio(speechlike(1.0), 16000))
        with pytest.raises(Exception):
            client.animate(b"junk")
    text = urllib.request.urlopen(f"http://127.0.0.1:{server.metrics_port}/metrics", timeout=5).read().decode()
    assert 'emoface_requests_total{method="GetInfo"} 1.0' in text
    assert 'emoface_responses_total{code="INVALID_ARGUMENT",method="Animate"} 1.0' in text
    assert 'emoface_responses_total{code="OK",method="Animate"} 1.0' in text
    assert "emoface_real_time_factor_count 1.0" in text and "emoface_queue_depth 0.0" in text
