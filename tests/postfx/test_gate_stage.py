"""The speech gate as a post-processing stage: options, stream = whole clip, and how far it looks ahead."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from model.constants import FPS, SAMPLE_RATE_HZ, frame_count
from model.errors import InputError
from model.rig import rig
from postfx.gate_stage import GATE_DETECTORS, RawGate, SpeechGateOptions, silero_window_frames
from server.runtime.audio_io import decode_file

HELLO = Path(__file__).resolve().parents[2] / "docs" / "samples" / "hello.wav"
JAW, BROW = rig().index("CTRL_C_jaw.ty"), rig().index("CTRL_L_brow_raiseOut.ty")


def speech_and_pauses() -> np.ndarray:
    """0.5 s zeros, hello.wav, 0.6 s zeros, hello.wav, 0.5 s zeros."""
    hello = decode_file(HELLO)
    z = lambda s: np.zeros(int(s * SAMPLE_RATE_HZ), np.float32)  # noqa: E731
    return np.concatenate([z(0.5), hello, z(0.6), hello, z(0.5)])


def test_detector_choices_and_a_clear_error():
    assert GATE_DETECTORS == ("silero", "energy", "off") and SpeechGateOptions().detector == "silero"
    assert not SpeechGateOptions("off").enabled and SpeechGateOptions("off").lookahead_frames() == 0
    with pytest.raises(InputError, match="speech_gate.detector must be one of silero, energy, off, got 'vad'"):
        SpeechGateOptions("vad")
    with pytest.raises(InputError, match="speech_gate.hangover_s"):
        SpeechGateOptions(hangover_s=-0.1)


def test_off_passes_frames_through_and_the_gate_needs_the_audio():
    raw = np.random.default_rng(0).uniform(0, 1, (30, len(rig()))).astype(np.float32)
    assert np.array_equal(RawGate(SpeechGateOptions("off")).process(raw, None), raw)
    with pytest.raises(InputError, match="needs the clip's audio"):
        RawGate().process(raw, None)


@pytest.mark.parametrize("detector", ["silero", "energy"])
def test_a_stream_gates_exactly_as_the_whole_clip_whatever_the_chunks(detector):
    """Audio arrives in random chunks, raw frames later and in other random pieces (as a session's network
    yields them): the gated frames equal the whole clip's, to the bit."""
    audio = speech_and_pauses()
    n = frame_count(len(audio))
    raw = np.random.default_rng(1).uniform(0.2, 0.6, (n, len(rig()))).astype(np.float32)
    opts = SpeechGateOptions(detector)
    whole = RawGate(opts).process(raw, audio)
    assert whole[:20, JAW].max() == 0 and whole[:, JAW].max() > 0.2  # rests in the leading pause, opens in speech
    assert np.array_equal(whole[:, BROW], raw[:, BROW])
    rng = np.random.default_rng(2)
    stream, out, sent, done = RawGate(opts), [], 0, 0
    while sent < len(audio):
        step = int(rng.integers(1, 3000))
        stream.push_audio(audio[sent: sent + step])
        sent += step
        ready = min(n, frame_count(sent)) - int(rng.integers(0, 8))  # the network lags the audio
        if ready > done:
            out.append(stream.push(raw[done: ready]))
            done = ready
    stream.finish_audio()
    out.append(stream.push(raw[done:]))
    assert np.array_equal(np.concatenate(out), whole)
    assert stream.held_frames == 0


@pytest.mark.parametrize("opts", [SpeechGateOptions(), SpeechGateOptions("energy"), SpeechGateOptions(preroll_s=0.1),
                                  SpeechGateOptions(onset_s=0.0)])
def test_a_raw_frame_is_let_through_within_the_gate_s_lookahead(opts):
    """Pushing audio a few samples at a time, every raw frame (all pushed up front) leaves once the audio reaches
    its end plus ``lookahead_frames()`` frames: the figure a stream budgets for."""
    audio = speech_and_pauses()[: 2 * SAMPLE_RATE_HZ]
    n = frame_count(len(audio))
    gate = RawGate(opts)
    assert len(gate.push(np.zeros((n, len(rig())), np.float32))) == 0
    released, step = 0, 37
    latest = opts.lookahead_frames()
    for sent in range(step, len(audio) + 1, step):
        gate.push_audio(audio[sent - step: sent])
        released += len(gate.push(np.zeros((0, len(rig())), np.float32)))
        must = frame_count(sent) - latest  # frames whose end + lookahead has arrived
        assert released >= min(must, n)


def test_a_0_1_s_stream_cuts_the_onset_reach_first_and_keeps_the_gate_it_had_without_it():
    model_share = round(0.1 * FPS) - round(0.1 * FPS) // 2  # streaming's default split: half to the smoother
    default = SpeechGateOptions()
    assert default.lookahead_frames() == 1 + 18 + silero_window_frames()  # pre-roll + onset reach + silero window
    assert default.within(model_share) == dataclasses.replace(default, onset_s=0.0)  # no extra latency
    assert default.within(model_share).lookahead_frames() == model_share
    assert default.within(10).onset_s == pytest.approx(7 / FPS)  # a longer lookahead keeps part of the reach
    long = SpeechGateOptions(preroll_s=5 / FPS)
    assert long.within(model_share).preroll_s == pytest.approx(1 / FPS) and long.within(model_share).onset_s == 0
    assert long.within(0).preroll_s == 0.0
    assert SpeechGateOptions("energy", preroll_s=5 / FPS).within(3).preroll_s == pytest.approx(3 / FPS)
    assert SpeechGateOptions("energy").lookahead_frames() == 1  # energy's own decisions are the level criterion
    with pytest.raises(InputError, match="speech_gate.onset_s"):
        SpeechGateOptions(onset_s=1.5)


def test_concurrent_clips_share_silero_s_session_without_mixing_their_state():
    """One onnxruntime session serves every request; each detector carries its own recurrent state."""
    from concurrent.futures import ThreadPoolExecutor

    from postfx.speech_gate import speech_activity

    audio = speech_and_pauses()
    clips = [audio, audio[::-1].copy(), np.zeros_like(audio), audio * 0.1]
    alone = [speech_activity(a, SpeechGateOptions().activity()) for a in clips]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda a: speech_activity(a, SpeechGateOptions().activity()), clips * 2))
    for got, want in zip(together, alone * 2):
        assert np.array_equal(got, want)
