"""Quality gate on the shipped default checkpoint (issue 16.3, issue 12).

A few fixed clips, animated by the checkpoint CI ships, against the model card's key figures with a
margin: the mouth against the teacher on held-out synthetic lines (a voice and texts training never
had; the raw network and the default pipeline), rest in silence and in pauses (whole clips and streams,
every emotion, through the default pipeline a user gets: speech gate included), timing within one frame,
and each emotion's upper-face signature (also in silence). Replacing the checkpoint with a worse one fails here: the
previous default (mouth open in silence) and an untrained network both do (docs/model_card.md).

``EMOFACE_GATE_CHECKPOINT`` points the gate at another checkpoint (to show that it fails).
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pytest

from model.constants import EMOTIONS, FPS, SAMPLE_RATE_HZ, frame_count
from model.emotion import EmotionTrack
from model.rig import rig
from postfx.blink.sampler import BlinkOptions
from postfx.chain import PostFxOptions
from postfx.gate_stage import SpeechGateOptions
from postfx.gaze import GazeOptions
from server.runtime.audio_io import decode_file, resample
from server.runtime.options import RequestOptions
from server.runtime.pipeline import Pipeline
from training.corpus import espeak
from training.teacher import animate_phones

REPO_ROOT = Path(__file__).resolve().parents[2]
HELD_OUT_VOICE = espeak.EspeakVoice("en-gb-x-rp+f2", 165, 50, 55)  # a held-out voice of the corpus
LINES = ("Bring the lantern up to the north gate before midnight.",  # texts the corpus never had
         "My brother paid for the map, but he never opened it.",
         "We will wait by the bridge until the rain stops.")
QUIET = RequestOptions(PostFxOptions(blink=BlinkOptions(enabled=False), gaze=GazeOptions(enabled=False)), seed=0)
"""The default pipeline (speech gate, smoothing, gains) without the random blinks and gaze."""
JAW = rig().index("CTRL_C_jaw.ty")
NEUTRAL = EmotionTrack.parse("neutral")


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.load(os.environ.get("EMOFACE_GATE_CHECKPOINT") or None)


@pytest.fixture(scope="module")
def held_out() -> list[tuple[np.ndarray, np.ndarray]]:
    """(16 kHz audio, teacher frames) for each held-out line: the teacher renders espeak-ng's own
    phone timings, so the reference carries no alignment error."""
    out = []
    for text in LINES:
        audio, rate, spans = espeak.synthesize(text, HELD_OUT_VOICE)
        audio16 = resample(audio, rate, SAMPLE_RATE_HZ)
        n = frame_count(len(audio16))
        out.append((audio16, animate_phones(spans, NEUTRAL, n, seed=0)))
    return out


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def _best_lag(pred: np.ndarray, ref: np.ndarray, max_lag: int = 6) -> int:
    """The shift of ``pred`` (frames) that best matches ``ref``: positive = ``pred`` is late."""
    n = len(pred)
    scores = {lag: _corr(pred[max_lag + lag: n - max_lag + lag], ref[max_lag: n - max_lag])
              for lag in range(-max_lag, max_lag + 1)}
    return max(scores, key=scores.get)


def test_mouth_follows_the_teacher_on_held_out_lines(pipeline, held_out):
    """Model card (held-out voices): jaw r 0.885 on the validation set, 0.794 on these three lines with the
    shipped checkpoint; mouth MAE 0.0131. Gate: r >= 0.75, MAE <= 0.025."""
    mouth = rig().select(["mouth", "jaw"])
    pred = [pipeline.raw_frames(audio, NEUTRAL)[: len(ref)] for audio, ref in held_out]
    jaw_pred = np.concatenate([p[:, JAW] for p in pred])
    jaw_ref = np.concatenate([ref[: len(p), JAW] for p, (_, ref) in zip(pred, held_out)])
    assert _corr(jaw_pred, jaw_ref) >= 0.75
    mae = np.mean([np.abs(p[:, mouth] - ref[: len(p), mouth]).mean() for p, (_, ref) in zip(pred, held_out)])
    assert mae <= 0.025


def test_mouth_is_on_time(pipeline, held_out):
    """The jaw's best lag against the teacher is within one frame (17 ms) on every line."""
    for audio, ref in held_out:
        pred = pipeline.raw_frames(audio, NEUTRAL)[: len(ref), JAW]
        assert -1 <= _best_lag(pred, ref[: len(pred), JAW]) <= 1


def _streamed(pipeline: Pipeline, audio: np.ndarray, emotion: str) -> np.ndarray:
    """The frames of a stream fed 50 ms chunks with the default 0.1 s lookahead."""
    session = pipeline.stream(EmotionTrack.parse(emotion), QUIET, lookahead_s=0.1)
    parts = [session.push(audio[i: i + 800])[1] for i in range(0, len(audio), 800)]
    return np.concatenate([*parts, session.finish()[1]])


@pytest.mark.parametrize("emotion", EMOTIONS)
def test_mouth_rests_in_digital_silence_at_every_emotion(pipeline, emotion):
    """Digital silence, whatever the emotion, in a whole clip and in a stream: issue 12's target, max <= 0.03.
    Measured with the default pipeline (silero speech gate): 0.000 at every emotion, both ways; with the gate off
    the shipped checkpoint gives 0.038-0.103 (surprise) and the previous default a mean of 0.20-0.33."""
    silence = np.zeros(3 * SAMPLE_RATE_HZ, np.float32)
    clip = pipeline.animate(silence, EmotionTrack.parse(f"{emotion}:1"), QUIET)
    assert clip.options["speech_gate"] == dataclasses.asdict(SpeechGateOptions())  # the default pipeline's gate
    assert clip.frames[:, JAW].max() <= 0.03
    assert _streamed(pipeline, silence, f"{emotion}:1")[:, JAW].max() <= 0.03


def test_the_expression_stays_in_silence(pipeline):
    """Only the mouth opening rests: surprise keeps its raised outer brows in silence (0.63 against neutral's
    0.01 with the shipped checkpoint)."""
    silence = np.zeros(2 * SAMPLE_RATE_HZ, np.float32)
    brow = rig().index("CTRL_L_brow_raiseOut.ty")
    surprise = pipeline.animate(silence, EmotionTrack.parse("surprise:1"), QUIET).frames[:, brow].mean()
    neutral = pipeline.animate(silence, EmotionTrack.parse("neutral"), QUIET).frames[:, brow].mean()
    assert surprise >= neutral + 0.3


def _padded_sample() -> tuple[np.ndarray, int]:
    """docs/samples/hello.wav with 1 s of digital silence on each side, and the pad length in frames."""
    hello = decode_file(REPO_ROOT / "docs" / "samples" / "hello.wav")
    pad = np.zeros(SAMPLE_RATE_HZ, np.float32)
    return np.concatenate([pad, hello, pad]), FPS


def test_mouth_rests_in_pauses_of_a_whole_clip_and_of_a_stream(pipeline):
    """Jaw median in pauses of 0.3 s or more: issue 12's target, 0.05; the frames of the pauses are the
    padding's, 10 frames (170 ms) away from the speech on each side. Measured with surprise at full
    intensity (the hardest emotion) through the default pipeline: 0.000 (clip and stream); with the gate off
    0.081 / 0.061 on the shipped checkpoint, 0.26 on the previous default."""
    audio, pad = _padded_sample()
    clip = pipeline.animate(audio, EmotionTrack.parse("surprise:1"), QUIET).frames
    streamed = _streamed(pipeline, audio, "surprise:1")
    assert streamed.shape == clip.shape
    for frames in (clip, streamed):
        pauses = np.concatenate([frames[: pad - 10, JAW], frames[len(frames) - pad + 10:, JAW]])
        assert np.median(pauses) <= 0.05
        assert frames[pad + 10: len(frames) - pad - 10, JAW].max() >= 0.2  # and it still talks
    # stream vs whole clip: docs/model.md measured a mean |difference| of 0.0099 over all controls
    assert np.abs(streamed - clip).mean() <= 0.02


def test_the_default_pipeline_keeps_the_mouth_on_held_out_lines(pipeline, held_out):
    """The speech gate costs nothing on speech: the default pipeline's jaw (gate, smoothing) follows the teacher
    as well as the raw network (r 0.7941 against 0.7943 with the gate off), on time."""
    pred = [pipeline.animate(audio, NEUTRAL, QUIET).frames[: len(ref)] for audio, ref in held_out]
    jaw_pred = np.concatenate([p[:, JAW] for p in pred])
    jaw_ref = np.concatenate([ref[: len(p), JAW] for p, (_, ref) in zip(pred, held_out)])
    assert _corr(jaw_pred, jaw_ref) >= 0.75
    for p, (_, ref) in zip(pred, held_out):
        assert -1 <= _best_lag(p[:, JAW], ref[: len(p), JAW]) <= 1


def test_each_emotion_shows_its_upper_face_signature(pipeline, held_out):
    """The EMFACS prototypes the teacher renders (docs/teacher.md): angry lowers the brows (AU4),
    happy raises the cheeks and pulls the corners (AU6, AU12), sad raises the inner brows (AU1),
    surprise raises the outer brows (AU2); each at least 0.15 above the neutral face's mean."""
    audio = held_out[0][0]

    def mean(emotion: str, control: str) -> float:
        return float(pipeline.raw_frames(audio, EmotionTrack.parse(emotion))[:, rig().index(control)].mean())

    for emotion, control in (("angry", "CTRL_L_brow_down.ty"), ("happy", "CTRL_L_eye_cheekRaise.ty"),
                             ("happy", "CTRL_R_mouth_cornerPull.ty"), ("sad", "CTRL_R_brow_raiseIn.ty"),
                             ("surprise", "CTRL_L_brow_raiseOut.ty")):
        assert mean(emotion, control) >= mean("neutral", control) + 0.15, (emotion, control)
