"""Protobuf <-> domain conversions and the stream audio decoder."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from model.constants import EMOTIONS
from model.emotion import EmotionKey, EmotionTrack
from model.errors import InputError
from postfx.blink.sampler import BlinkOptions
from postfx.chain import PostFxOptions
from postfx.gains import GainOptions
from postfx.gate_stage import SpeechGateOptions
from postfx.gaze import GazeOptions
from postfx.smoothing import SmoothingOptions
from server.grpc import convert
from server.grpc.api import face_animation_pb2 as pb
from server.runtime.animation import Animation
from server.runtime.options import RequestOptions

STAGE_CLASSES = {"smoothing": SmoothingOptions, "blink": BlinkOptions, "gaze": GazeOptions, "gains": GainOptions,
                 "speech_gate": SpeechGateOptions}


@pytest.mark.parametrize("stage", sorted(STAGE_CLASSES))
def test_wire_options_map_one_to_one_to_the_dataclasses(stage):
    wire = {f.name for f in getattr(pb.Options(), stage).DESCRIPTOR.fields}
    domain = {f.name for f in dataclasses.fields(STAGE_CLASSES[stage])}
    assert wire == domain
    top = {f.name for f in pb.Options.DESCRIPTOR.fields}
    assert top == {f.name for f in dataclasses.fields(RequestOptions)} - {"postfx"} | set(STAGE_CLASSES)


def test_options_round_trip_every_field():
    options = RequestOptions(
        PostFxOptions(SmoothingOptions(True, 9, 2), GainOptions(1.5, 0.5, (("CTRL_C_jaw-translateY", 2.0),)),
                      BlinkOptions(False, 3.0, 0.4, 10.0, 50.0),
                      GazeOptions(True, 10, 20, 0.05, 0.3, 0.2, 4), SpeechGateOptions("energy", 0.05, 0.2, 0.05)),
        ("mouth", "CTRL_C_eye.tx"), 12345)
    msg = convert.options_to_pb(options)
    assert convert.options_from_pb(msg) == options
    assert convert.options_from_pb(pb.Options.FromString(msg.SerializeToString())).to_dict() == options.to_dict()


def test_unset_wire_fields_take_defaults_and_set_ones_override():
    assert convert.options_from_pb(pb.Options()) == RequestOptions()
    got = convert.options_from_pb(pb.Options(blink=pb.BlinkOptions(enabled=False), seed=0))
    assert got.postfx.blink == BlinkOptions(enabled=False) and got.seed == 0
    assert got.postfx.gaze == GazeOptions()


@pytest.mark.parametrize("msg, fragment", [
    (pb.Options(blink=pb.BlinkOptions(mu=99.0)), "blink.mu"),
    (pb.Options(smoothing=pb.SmoothingOptions(window_frames=-3)), "window"),
    (pb.Options(gains=pb.GainOptions(mouth=-1.0)), "gains.mouth"),
    (pb.Options(controls=["no_such_control"]), "no_such_control"),
    (pb.Options(seed=2**63), "seed"),
    (pb.Options(speech_gate=pb.SpeechGateOptions(detector="webrtc")), "speech_gate.detector must be one of silero, "
                                                                      "energy, off"),
    (pb.Options(speech_gate=pb.SpeechGateOptions(preroll_s=-1.0)), "speech_gate.preroll_s"),
])
def test_out_of_range_options_are_input_errors(msg, fragment):
    with pytest.raises(InputError, match=fragment):
        convert.options_from_pb(msg)


def test_emotions_from_the_wire():
    assert convert.emotion_from_pb(pb.Emotion(), has_field=False) == EmotionTrack.constant("neutral", 1.0)
    constant = pb.Emotion(constant=pb.ConstantEmotion(label="happy", intensity=0.25))
    assert convert.emotion_from_pb(constant) == EmotionTrack.constant("happy", 0.25)
    track = pb.Emotion(track=pb.EmotionTrack(keys=[
        pb.EmotionKey(time_s=2.0, weights=pb.EmotionWeights(weights={"sad": 1.0, "fear": 3.0}), transition_s=0.5),
        pb.EmotionKey(time_s=0.0, label="angry"),
    ]))
    got = convert.emotion_from_pb(track)
    assert [k.time_s for k in got.keys] == [0.0, 2.0]
    assert got.keys[1].weights[EMOTIONS.index("fear")] == pytest.approx(0.75)
    assert got.keys[0].intensity == 1.0 and got.keys[1].transition_s == 0.5
    assert convert.emotion_from_pb(pb.Emotion(track=convert.track_to_pb(got))) == got


@pytest.mark.parametrize("msg, fragment", [
    (pb.Emotion(constant=pb.ConstantEmotion(label="grumpy")), "unknown emotion 'grumpy'"),
    (pb.Emotion(constant=pb.ConstantEmotion(label="happy", intensity=1.5)), "intensity"),
    (pb.Emotion(track=pb.EmotionTrack()), "at least one key"),
    (pb.Emotion(track=pb.EmotionTrack(keys=[pb.EmotionKey(time_s=1.0)])), "label or weights"),
    (pb.Emotion(track=pb.EmotionTrack(keys=[pb.EmotionKey(time_s=-1.0, label="sad")])), "time"),
])
def test_bad_emotions_are_input_errors(msg, fragment):
    with pytest.raises(InputError, match=fragment):
        convert.emotion_from_pb(msg)


def test_frames_pack_little_endian_row_major_and_check_size():
    frames = np.arange(12, dtype=np.float32).reshape(3, 4)
    data = convert.frames_to_bytes(frames)
    assert data == frames.astype("<f4").tobytes() and len(data) == 48
    assert np.array_equal(convert.frames_from_bytes(data, 3, 4), frames)
    with pytest.raises(ValueError, match="expected 48"):
        convert.frames_from_bytes(data[:-4], 3, 4)


def test_animation_round_trip():
    rng = np.random.default_rng(0)
    anim = Animation(rng.standard_normal((7, 3)).astype(np.float32),
                     ("CTRL_C_jaw-translateY", "CTRL_C_eye.tx", "CTRL_C_eye.ty"), 60.0,
                     RequestOptions(seed=4).to_dict(), {"model_id": "m", "steps": 3},
                     EmotionTrack.parse("sad:0.5").to_obj(), (2, 5))
    back = convert.animation_from_pb(pb.AnimateResponse.FromString(
        convert.animation_to_pb(anim, "m").SerializeToString()))
    assert np.array_equal(back.frames, anim.frames)
    assert (back.controls, back.fps, back.options, back.emotion, back.blinks) == \
        (anim.controls, anim.fps, anim.options, anim.emotion, anim.blinks)
    assert back.provenance == {"model_id": "m"}  # a response carries only model_id, sha256, trained


def test_stream_decoder_carries_split_samples_and_mixes_channels():
    pcm = pb.PcmFormat(encoding=pb.PCM_ENCODING_S16LE, sample_rate_hz=16000, channels=2)
    dec = convert.StreamAudioDecoder(pcm, max_clip_s=10, max_chunk_s=1)
    stereo = np.stack([np.full(100, 16384, "<i2"), np.zeros(100, "<i2")], axis=1).tobytes()
    parts = [dec.push(stereo[:3]), dec.push(stereo[3:201]), dec.push(stereo[201:]), dec.finish()]
    mono = np.concatenate(parts)
    assert len(mono) == 100 and np.allclose(mono, 0.25)
    with pytest.raises(InputError, match="stray bytes"):
        dec2 = convert.StreamAudioDecoder(pcm, 10, 1)
        dec2.push(stereo[:5])
        dec2.finish()


def test_stream_decoder_enforces_chunk_and_clip_limits():
    pcm = pb.PcmFormat(encoding=pb.PCM_ENCODING_F32LE, sample_rate_hz=8000, channels=1)
    dec = convert.StreamAudioDecoder(pcm, max_clip_s=2.0, max_chunk_s=1.0)
    with pytest.raises(InputError, match="chunk is 1.5 s long; the limit is 1 s"):
        dec.push(np.zeros(12000, "<f4").tobytes())
    dec = convert.StreamAudioDecoder(pcm, max_clip_s=2.0, max_chunk_s=1.0)
    for _ in range(2):
        dec.push(np.zeros(8000, "<f4").tobytes())
    with pytest.raises(InputError, match="exceeds 2 s"):
        dec.push(np.zeros(80, "<f4").tobytes())


@pytest.mark.parametrize("fields, fragment", [
    ({"encoding": pb.PCM_ENCODING_UNSPECIFIED, "sample_rate_hz": 16000, "channels": 1}, "encoding"),
    ({"encoding": pb.PCM_ENCODING_S16LE, "sample_rate_hz": 100, "channels": 1}, "sample_rate_hz"),
    ({"encoding": pb.PCM_ENCODING_S16LE, "sample_rate_hz": 16000, "channels": 0}, "channels"),
])
def test_bad_pcm_layouts_are_input_errors(fields, fragment):
    with pytest.raises(InputError, match=fragment):
        convert.pcm_from_pb(pb.PcmFormat(**fields))


def test_emotion_key_with_blend_round_trips():
    key = EmotionKey(1.5, tuple(w / 2 for w in (1, 0, 0, 1, 0, 0, 0)), 0.5, 0.2)
    assert convert.key_from_pb(convert.key_to_pb(key)) == key
