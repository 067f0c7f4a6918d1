"""The speech gate in the one pipeline, with the DEFAULT request options, whole clips and streams.

The network is the tiny random one with its jaw held 0.3-0.5 open everywhere (an "open-mouthed" model, the failure
issue 12 guards against), so the mouth rests only if the gate rests it. References are independent of the gate's
code: the jaw's range, the 0.03 target of issue 12, the ungated frames, docs/samples/hello.wav's own timing.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from model.constants import EMOTIONS, FPS, SAMPLE_RATE_HZ
from model.emotion import EmotionTrack
from model.errors import InputError
from model.rig import rig
from postfx.gate_stage import SpeechGateOptions
from postfx.speech_gate import GATED_CONTROLS
from server.runtime.audio_io import decode_file
from server.runtime.options import RequestOptions
from server.runtime.pipeline import Pipeline

HELLO = Path(__file__).resolve().parents[3] / "docs" / "samples" / "hello.wav"
JAW = rig().index("CTRL_C_jaw.ty")
OPEN = 0.4  # the network's jaw: OPEN +- 0.1
SILENCE_MAX = 0.03  # issue 12: jaw open at most 0.03 in digital silence
CHUNK = 800  # 50 ms
OFF = RequestOptions(dataclasses.replace(RequestOptions().postfx, speech_gate=SpeechGateOptions("off")), seed=3)


@pytest.fixture(scope="module")
def open_mouthed(tiny_checkpoint) -> Pipeline:
    """A pipeline whose network keeps the jaw open, OPEN +- 0.1 (following the tiny model's jaw), in every frame."""
    pipe = Pipeline.load(tiny_checkpoint)
    infer, head = pipe.engine.infer, pipe.engine.head

    def opened(frames: np.ndarray) -> np.ndarray:
        frames = np.array(frames, np.float32)
        frames[:, JAW] = OPEN + 0.1 * np.tanh(frames[:, JAW])
        return frames

    pipe.engine.infer = lambda *a, **k: opened(infer(*a, **k))
    pipe.engine.head = lambda *a, **k: opened(head(*a, **k))
    return pipe


def streamed(pipe: Pipeline, audio: np.ndarray, emotion: str, options: RequestOptions = RequestOptions(seed=3),
             lookahead_s: float = 0.1) -> tuple[np.ndarray, list[int], dict]:
    """Frames of a stream fed 50 ms chunks, the number of frames each push returned, and the options echoed."""
    session = pipe.stream(EmotionTrack.parse(emotion), options, lookahead_s=lookahead_s)
    parts = [session.push(audio[i: i + CHUNK])[1] for i in range(0, len(audio), CHUNK)]
    counts = [len(p) for p in parts]
    parts.append(session.finish()[1])
    return np.concatenate(parts), counts, session.options.to_dict()


def padded_hello() -> np.ndarray:
    """1 s of zeros, hello.wav, 1 s of zeros, hello.wav, 1 s of zeros (two pauses and two silent edges)."""
    hello, pad = decode_file(HELLO), np.zeros(SAMPLE_RATE_HZ, np.float32)
    return np.concatenate([pad, hello, pad, hello, pad])


@pytest.mark.parametrize("emotion", EMOTIONS)
def test_a_silent_clip_rests_at_every_emotion_with_the_default_options(open_mouthed, emotion):
    silence = np.zeros(2 * SAMPLE_RATE_HZ, np.float32)
    track = EmotionTrack.parse(f"{emotion}:1")
    ungated = open_mouthed.animate(silence, track, OFF).frames
    assert ungated[:, JAW].min() > SILENCE_MAX  # without the gate this network's mouth is open
    anim = open_mouthed.animate(silence, track, RequestOptions(seed=3))
    assert anim.options["speech_gate"]["detector"] == "silero"  # the default, recorded with the result
    assert anim.frames[:, JAW].max() <= SILENCE_MAX
    frames, _, echoed = streamed(open_mouthed, silence, f"{emotion}:1")
    assert echoed["speech_gate"]["detector"] == "silero"
    assert frames[:, JAW].max() <= SILENCE_MAX


def test_the_gate_off_leaves_the_network_s_mouth(open_mouthed):
    frames = open_mouthed.animate(np.zeros(SAMPLE_RATE_HZ, np.float32), EmotionTrack.parse("neutral"), OFF).frames
    assert frames[:, JAW].min() > SILENCE_MAX
    with pytest.raises(InputError, match="silero, energy, off"):
        RequestOptions.from_dict({"speech_gate": {"detector": "webrtc"}})


@pytest.mark.parametrize("emotion", ["surprise", "angry", "disgust"])
def test_in_silence_only_the_mouth_opening_rests_and_the_expression_stays(open_mouthed, emotion):
    """Every control but jaw open and the tongue is the same with the gate on or off (brows at surprise, the lip
    raise of disgust...)."""
    silence = np.zeros(SAMPLE_RATE_HZ, np.float32)
    track = EmotionTrack.parse(f"{emotion}:1")
    on = open_mouthed.animate(silence, track, RequestOptions(seed=3)).frames
    off = open_mouthed.animate(silence, track, OFF).frames
    kept = np.setdiff1d(np.arange(len(rig())), rig().select(GATED_CONTROLS))
    assert rig().index("CTRL_L_brow_raiseOut.ty") in kept and JAW not in kept
    assert np.array_equal(on[:, kept], off[:, kept])
    assert np.abs(on[:, JAW] - off[:, JAW]).min() > SILENCE_MAX


def test_a_stream_rests_in_pauses_and_talks_in_speech_and_agrees_with_the_whole_clip(open_mouthed):
    audio = padded_hello()
    n_hello = len(decode_file(HELLO)) * FPS // SAMPLE_RATE_HZ
    clip = open_mouthed.animate(audio, EmotionTrack.parse("happy"), RequestOptions(seed=3)).frames
    stream, _, _ = streamed(open_mouthed, audio, "happy")
    assert stream.shape == clip.shape
    pauses = [slice(10, FPS - 10), slice(FPS + n_hello + 10, 2 * FPS + n_hello - 10),
              slice(2 * FPS + 2 * n_hello + 10, len(clip) - 10)]  # 10 frames (170 ms) off the speech
    speech = [slice(FPS + 10, FPS + n_hello - 10), slice(2 * FPS + n_hello + 10, 2 * FPS + 2 * n_hello - 10)]
    for frames in (clip, stream):
        for p in pauses:  # issue 12: median <= 0.05; and at rest (<= 0.03) once the smoother's 7-frame half
            # window has passed the gate's 6-frame hangover and 2-frame ramp (its ringing, up to 0.035, is spent)
            assert np.median(frames[p, JAW]) <= 0.05
            assert frames[p.start + 10: p.stop - 10, JAW].max() <= SILENCE_MAX
        for s in speech:  # the gate is open in speech: the network's jaw passes
            assert np.median(frames[s, JAW]) >= OPEN / 2
    # the same audio streamed and whole agree as closely with the gate as without it (the random network's stream
    # and whole-clip outputs differ: a short window of context)
    clip_off = open_mouthed.animate(audio, EmotionTrack.parse("happy"), OFF).frames
    stream_off, _, _ = streamed(open_mouthed, audio, "happy", OFF)
    for cols in (JAW, slice(None)):
        assert np.abs(stream[:, cols] - clip[:, cols]).mean() <= np.abs(stream_off[:, cols] - clip_off[:, cols]).mean()
    silent = np.concatenate([np.arange(p.start + 10, p.stop - 10) for p in pauses])
    assert np.array_equal(stream[silent, JAW], clip[silent, JAW])  # at rest in both, to the bit


def test_the_gate_adds_no_latency_to_a_stream_with_the_default_lookahead(open_mouthed):
    """Frames leave a gated stream as soon as without the gate (the pre-roll fits beside the network's
    right context, the onset reach is cut to what fits), and the echoed options say what was used."""
    audio = padded_hello()[: 3 * SAMPLE_RATE_HZ]
    _, counts_on, echoed = streamed(open_mouthed, audio, "neutral")
    _, counts_off, _ = streamed(open_mouthed, audio, "neutral", OFF)
    assert counts_on == counts_off
    assert echoed["speech_gate"]["preroll_s"] == pytest.approx(1 / FPS)  # the default, uncut
    assert echoed["speech_gate"]["onset_s"] == 0.0  # the onset reach does not fit: cut first, and said so
    _, counts_long, echoed = streamed(open_mouthed, audio, "neutral", lookahead_s=0.5)
    assert echoed["speech_gate"]["onset_s"] == pytest.approx(12 / FPS)  # network share 15 - pre-roll - window
    _, counts_long_off, _ = streamed(open_mouthed, audio, "neutral", OFF, lookahead_s=0.5)
    assert counts_long == counts_long_off
    _, counts_short, echoed = streamed(open_mouthed, audio, "neutral", lookahead_s=0.05)
    assert echoed["speech_gate"]["preroll_s"] == 0.0  # a shorter lookahead cuts the pre-roll, and says so
    _, counts_short_off, _ = streamed(open_mouthed, audio, "neutral", OFF, lookahead_s=0.05)
    assert counts_short == counts_short_off
