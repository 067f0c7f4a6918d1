"""Any malformed Animate request leaves as INVALID_ARGUMENT with a message, and the server keeps serving.

A real server on 127.0.0.1 port 0 around the tiny test model; requests are generated (hypothesis). This is
the status mapping of server/grpc/servicer.py seen from a client: input errors are the caller's to fix, never
INTERNAL or UNKNOWN, and a call's failure does not leak its admission slot.
"""
import threading

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emoface_testing import encode_audio, speechlike
from server.grpc.api import face_animation_pb2 as pb
from server.grpc.api import face_animation_pb2_grpc as pb_grpc
from server.grpc.app import create_server
from server.errors import ServiceError
from server.grpc.client import FaceAnimationClient
from server.grpc.service_config import ServiceConfig

GOOD_AUDIO = encode_audio(speechlike(0.3, 16000, seed=1), 16000)
CHECK = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def served(pipeline):
    server, port = create_server(ServiceConfig(port=0, grace_s=1.0, max_concurrent_requests=1), pipeline)
    server.start()
    yield server, f"127.0.0.1:{port}"
    server.stop(0).wait(10)


@pytest.fixture(scope="module")
def stub(served):
    channel = grpc.insecure_channel(served[1])
    yield pb_grpc.FaceAnimationStub(channel)
    channel.close()


bad_requests = st.one_of(
    st.binary(max_size=64).map(lambda b: pb.AnimateRequest(audio=b)),  # undecodable or empty audio
    st.text(max_size=12).map(lambda t: pb.AnimateRequest(  # an unknown emotion (no name or prefix starts with x)
        audio=GOOD_AUDIO, emotion=pb.Emotion(constant=pb.ConstantEmotion(label="x" + t)))),
    st.floats(1.0001, 1e9).map(lambda i: pb.AnimateRequest(  # intensity out of range
        audio=GOOD_AUDIO, emotion=pb.Emotion(constant=pb.ConstantEmotion(label="happy", intensity=i)))),
    st.integers(-50, 50).filter(lambda w: w < 3 or w % 2 == 0).map(lambda w: pb.AnimateRequest(  # bad window
        audio=GOOD_AUDIO, options=pb.Options(smoothing=pb.SmoothingOptions(window_frames=w)))),
    st.floats(6.0001, 1e6).map(lambda mu: pb.AnimateRequest(
        audio=GOOD_AUDIO, options=pb.Options(blink=pb.BlinkOptions(mu=mu)))),
    st.text(min_size=1, max_size=10).map(lambda name: pb.AnimateRequest(  # unknown control
        audio=GOOD_AUDIO, options=pb.Options(controls=["CTRL_nope_" + name]))),
    st.integers(0, 3999).map(lambda rate: pb.AnimateRequest(  # PCM rate below the limit
        audio=b"\0\0" * 100, pcm=pb.PcmFormat(encoding=pb.PCM_ENCODING_S16LE, sample_rate_hz=rate, channels=1))),
    st.integers(1, 9).map(lambda n: pb.AnimateRequest(  # odd byte count for s16
        audio=b"\0" * (2 * n + 1), pcm=pb.PcmFormat(encoding=pb.PCM_ENCODING_S16LE, sample_rate_hz=16000,
                                                    channels=1))),
    st.floats(-1e6, -0.0001).map(lambda s: pb.AnimateRequest(  # negative key time
        audio=GOOD_AUDIO, emotion=pb.Emotion(track=pb.EmotionTrack(keys=[pb.EmotionKey(time_s=s, label="sad")])))),
)


@CHECK
@given(bad_requests)
def test_bad_requests_are_invalid_argument_and_the_server_keeps_serving(stub, request):
    with pytest.raises(grpc.RpcError) as err:
        stub.Animate(request, timeout=30)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, err.value.details()
    assert err.value.details() and "internal error" not in err.value.details()


def test_after_many_failures_a_good_request_is_admitted(served, stub):
    """Failed calls give their admission slot back (max_concurrent_requests is 1 here) and are counted by code."""
    before = served[0].metrics.count("Animate", "INVALID_ARGUMENT")
    for _ in range(5):
        with pytest.raises(grpc.RpcError):
            stub.Animate(pb.AnimateRequest(audio=b"junk"), timeout=30)
    assert served[0].metrics.count("Animate", "INVALID_ARGUMENT") == before + 5
    ok = served[0].metrics.count("Animate", "OK")
    reply = stub.Animate(pb.AnimateRequest(audio=GOOD_AUDIO, options=pb.Options(seed=1)), timeout=60)
    assert reply.num_frames == 18 and served[0].metrics.count("Animate", "OK") == ok + 1


def test_a_full_server_answers_resource_exhausted_with_what_to_do(served):
    server, address = served
    release = threading.Event()

    def chunks():
        yield b"\0\0" * 1600
        release.wait(20)

    with FaceAnimationClient(address) as client:
        stream = client.stream(chunks())
        stream.wait_header()  # holds the only slot
        try:
            with pytest.raises(ServiceError) as err:
                client.animate(GOOD_AUDIO)
        finally:
            release.set()
        list(stream)
    assert err.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "server busy: 1 requests in progress (max_concurrent_requests); retry with back-off" in str(err.value)
    assert server.metrics.count("Animate", "RESOURCE_EXHAUSTED") == 1


@pytest.mark.parametrize("request_, details", [
    (pb.AnimateRequest(audio=b"junk"), "cannot decode audio: "),
    (pb.AnimateRequest(audio=GOOD_AUDIO, emotion=pb.Emotion(constant=pb.ConstantEmotion(label="joyful"))),
     "unknown emotion 'joyful'; expected one of: angry, disgust, fear, happy, neutral, sad, surprise"),
])
def test_invalid_argument_details_are_the_input_error_message(stub, request_, details):
    with pytest.raises(grpc.RpcError) as err:
        stub.Animate(request_, timeout=30)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and err.value.details().startswith(details)
