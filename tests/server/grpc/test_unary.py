"""GetInfo and Animate against a real server on loopback."""
from __future__ import annotations

import json

import grpc
import numpy as np
import pytest

from emoface_testing import encode_audio, speechlike
from model.constants import EMOTIONS, FPS, frame_count
from model.emotion import EmotionTrack
from model.errors import InputError
from model.rig import rig
from server.grpc import convert
from server.grpc.api import face_animation_pb2 as pb
from server.grpc.client import FaceAnimationClient
from server.runtime.audio_io import decode_bytes
from server.runtime.options import RequestOptions


def test_get_info_lists_model_controls_emotions_limits(server_address, pipeline):
    with FaceAnimationClient(server_address) as client:
        info = client.info()
    assert info["model_id"] == pipeline.model_id and info["fps"] == FPS
    assert info["controls"] == list(rig().names) and info["emotions"] == list(EMOTIONS)
    assert info["default_options"] == RequestOptions().to_dict()
    assert info["limits"]["max_clip_s"] == 300.0 and info["limits"]["max_chunk_s"] == 10.0
    assert set(info["limits"]["encoded_formats"]) == {"WAV", "FLAC", "OGG"}
    assert info["provenance"] == json.loads(json.dumps(convert.public_provenance(pipeline.provenance)))
    assert "mouth" in info["control_groups"]


@pytest.mark.parametrize("fmt, rate_hz", [("WAV", 16000), ("FLAC", 44100), ("OGG", 48000), ("WAV", 8000)])
def test_animate_encoded_audio_matches_the_local_pipeline(server_address, pipeline, fmt, rate_hz):
    data = encode_audio(speechlike(1.5, rate_hz, seed=1), rate_hz, fmt)
    track, options = EmotionTrack.parse("happy:0.7"), RequestOptions(seed=11)
    with FaceAnimationClient(server_address) as client:
        anim = client.animate(data, track, options)
    audio = decode_bytes(data)
    local = pipeline.animate(audio, track, options)
    assert anim.frames.shape == (frame_count(len(audio)), 174)
    assert np.array_equal(anim.frames, local.frames)
    assert anim.options == options.to_dict() and anim.controls == rig().names
    assert anim.emotion == track.to_obj() and anim.blinks == local.blinks


def test_animate_raw_pcm_subset_and_echoed_random_seed(server_address, pipeline):
    x = speechlike(1.0, 22050, seed=2)
    stereo = np.stack([x, x], axis=1)
    pcm = (stereo * 32767).astype("<i2").tobytes()
    with FaceAnimationClient(server_address) as client:
        anim = client.animate(pcm, None, RequestOptions(controls=("jaw", "CTRL_C_eye.tx")), pcm=("s16le", 22050, 2))
    assert anim.num_frames == frame_count(len(x) * 16000 // 22050)
    assert set(anim.controls) == {rig().names[i] for i in rig().select(("jaw", "CTRL_C_eye.tx"))}
    seed = anim.options["seed"]
    assert isinstance(seed, int)  # the server drew a seed and echoed it
    again = pipeline.animate(decode_bytes(encode_audio(x, 22050)), EmotionTrack.constant("neutral"),
                             RequestOptions(controls=("jaw", "CTRL_C_eye.tx"), seed=seed))
    assert np.allclose(anim.frames, again.frames, atol=0.05)  # s16 round trip of the audio only


@pytest.mark.parametrize("request_fields, fragment", [
    ({"audio": b"not audio at all"}, "cannot decode audio"),
    ({"audio": b""}, "empty"),
    ({"emotion": pb.Emotion(constant=pb.ConstantEmotion(label="grumpy"))}, "unknown emotion"),
    ({"options": pb.Options(gains=pb.GainOptions(mouth=7.0))}, "gains.mouth"),
    ({"options": pb.Options(controls=["CTRL_nope"])}, "CTRL_nope"),
    ({"pcm": pb.PcmFormat(encoding=pb.PCM_ENCODING_S16LE, sample_rate_hz=16000, channels=1), "audio": b"abc"},
     "multiple of 2"),
])
def test_bad_requests_are_invalid_argument_with_actionable_message(server_address, stub, request_fields, fragment):
    request = pb.AnimateRequest(audio=encode_audio(speechlike(0.3), 16000))
    for name, value in request_fields.items():
        if isinstance(value, bytes):
            setattr(request, name, value)
        else:
            getattr(request, name).CopyFrom(value)
    with pytest.raises(grpc.RpcError) as err:
        stub(server_address).Animate(request, timeout=30)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert fragment in err.value.details()


def test_clip_length_limit(serve):
    _, address = serve(max_clip_s=1.0)
    with FaceAnimationClient(address) as client, pytest.raises(InputError, match="the limit is 1 s"):
        client.animate(encode_audio(speechlike(1.5), 16000))


def test_message_size_limit_is_resource_exhausted(serve, stub):
    """The server's own check (the SDK refuses such a request before sending: test_client_limits.py)."""
    _, address = serve(max_message_bytes=64 * 1024)
    with pytest.raises(grpc.RpcError) as err:
        stub(address).Animate(pb.AnimateRequest(audio=encode_audio(speechlike(3.0), 16000)))  # ~96 kB
    assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
