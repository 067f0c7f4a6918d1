"""The teacher's emotion layer: action units, 7 emotions, intensity, onsets, variation."""
from __future__ import annotations

import numpy as np
import pytest

from model.constants import EMOTIONS
from model.emotion import EmotionTrack
from model.rig import rig
from training.teacher import animate_phones

EXPRESSIVE = [e for e in EMOTIONS if e != "neutral"]


def features_of(frames: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """What a viewer (or a simple classifier) sees: mean upper face + mouth corners."""
    return frames[:, upper].mean(axis=0)


def test_each_emotion_recoverable_from_upper_face(sentences, upper_face):
    """Nearest centroid on upper-face controls: centroids from one sentence and seed,
    every other sentence, seed and a weaker intensity classified correctly."""
    first = sentences[0]
    centroids = np.stack([
        features_of(animate_phones(first.spans, EmotionTrack.parse(e), first.num_frames, seed=0), upper_face)
        for e in EMOTIONS
    ])  # (7, U)
    for seed, utt in enumerate(sentences[1:], start=1):
        for label in EMOTIONS:
            for intensity in (1.0, 0.7):
                track = EmotionTrack.constant(label, intensity)
                x = features_of(animate_phones(utt.spans, track, utt.num_frames, seed=seed), upper_face)
                scale = intensity if label != "neutral" else 1.0
                guess = EMOTIONS[int(np.argmin(np.linalg.norm(centroids * [[scale]] - x, axis=1)))]
                assert guess == label, (label, intensity, seed)


def test_emotion_action_units(make_utterance, col):
    """The EMFACS prototype of each emotion shows on its action units' controls."""
    utt = make_utterance("SIL AH SIL")
    face = {e: animate_phones(utt.spans, EmotionTrack.parse(e), utt.num_frames).mean(axis=0) for e in EMOTIONS}
    neutral = face["neutral"]

    def rise(emotion, control):
        return face[emotion][col(control)] - neutral[col(control)]

    assert rise("happy", "CTRL_L_eye_cheekRaise.ty") > 0.3 and rise("happy", "CTRL_R_mouth_cornerPull.ty") > 0.3
    assert rise("sad", "CTRL_L_brow_raiseIn.ty") > 0.3 and rise("sad", "CTRL_R_mouth_cornerDepress.ty") > 0.3
    assert rise("surprise", "CTRL_L_brow_raiseOut.ty") > 0.3 and rise("surprise", "CTRL_R_eye_blink.ty") < -0.2
    assert rise("fear", "CTRL_L_brow_raiseIn.ty") > 0.3 and rise("fear", "CTRL_R_brow_lateral.ty") > 0.3
    assert rise("fear", "CTRL_L_mouth_stretch.ty") > 0.3
    assert rise("angry", "CTRL_L_brow_down.ty") > 0.3 and rise("angry", "CTRL_R_eye_squintInner.ty") > 0.3
    assert rise("angry", "CTRL_L_mouth_tightenU.ty") > 0.2
    assert rise("disgust", "CTRL_L_nose_wrinkleUpper.ty") > 0.3 and rise("disgust", "CTRL_R_mouth_upperLipRaise.ty") > 0.2


@pytest.mark.parametrize("label", EXPRESSIVE)
def test_strong_emotion_amplitudes(label, sentences):
    """Brow, squint and cheek controls reach about 0.4-0.7 in a strong emotion, like artist-keyed data."""
    schema = rig()
    upper = np.concatenate([schema.group_indices("brow"), schema.group_indices("nose"),
                            schema.indices([f"CTRL_{s}_eye_{c}.ty" for s in "LR"
                                            for c in ("cheekRaise", "squintInner", "lidPress", "faceScrunch")])])
    utt = sentences[2]
    for seed in range(3):
        mean = animate_phones(utt.spans, EmotionTrack.parse(label), utt.num_frames, seed=seed).mean(axis=0)
        assert 0.4 <= mean[upper].max() <= 0.7, (label, seed, mean[upper].max())


def test_intensity_scales_continuously(make_utterance, col):
    utt = make_utterance("HH AH L OW SIL")
    levels = np.linspace(0.0, 1.0, 5)
    controls = [col("CTRL_L_mouth_cornerPull.ty"), col("CTRL_R_eye_cheekRaise.ty")]
    means = np.array([animate_phones(utt.spans, EmotionTrack.constant("happy", i), utt.num_frames)
                      .mean(axis=0)[controls] for i in levels])  # (5, 2)
    assert np.all(np.diff(means, axis=0) > 0.05)
    rise = means - means[0]
    np.testing.assert_allclose(rise[2], 0.5 * rise[4], rtol=0.1)  # linear in intensity
    zero = animate_phones(utt.spans, EmotionTrack.constant("angry", 0.0), utt.num_frames, seed=4)
    neutral = animate_phones(utt.spans, EmotionTrack.parse("neutral"), utt.num_frames, seed=4)
    np.testing.assert_array_equal(zero, neutral)  # intensity 0 is the neutral face


def test_emotion_changes_follow_the_track_smoothly(make_utterance, col):
    utt = make_utterance("HH AH L OW SIL HH AH L OW SIL HH AH L OW", durations={4: 1.0, 9: 1.0})
    track = EmotionTrack.from_obj([
        {"time": 0.0, "emotion": "neutral"},
        {"time": 1.0, "emotion": "angry", "intensity": 1.0},  # a cut
        {"time": 2.5, "emotion": "neutral", "transition": 0.5},
    ])
    frames = animate_phones(utt.spans, track, 270, seed=2)
    brow = frames[:, col("CTRL_L_brow_down.ty")]
    full = brow[110:140].mean()
    assert brow[:50].max() < 0.1 and full > 0.4 and brow[230:].max() < 0.1
    onset = np.flatnonzero(brow > 0.5 * full)[0] / 60.0
    assert 1.0 < onset < 1.4  # follows the key, with a natural onset lag
    assert np.abs(np.diff(brow)).max() < 0.04  # no step even though the track cuts
    rise_frames = np.flatnonzero((brow > 0.1 * full) & (np.arange(brow.size) < 100))
    assert rise_frames.size and (np.flatnonzero(brow > 0.9 * full)[0] - rise_frames[0]) >= 8  # >= 130 ms rise


def test_neutral_is_relaxed_but_not_dead(make_utterance, upper_face):
    utt = make_utterance("SIL", durations={0: 4.0})
    frames = animate_phones(utt.spans, EmotionTrack.parse("neutral"), utt.num_frames, seed=5)
    upper = frames[:, upper_face]
    assert np.abs(upper).max() < 0.1  # relaxed
    assert upper.std(axis=0).max() > 0.005  # but moving
    step = np.abs(np.diff(upper, axis=0)).max()
    assert step < 0.005  # slowly: micro-motion, not jitter


@pytest.mark.parametrize("label", EXPRESSIVE)
def test_speech_rides_on_top_of_emotion(label, make_utterance, col):
    """No emotion cancels a contact: lips still meet on /m/, the lip still reaches the teeth on /f/."""
    utt = make_utterance("AA M AA F AA TH AA")
    frames = animate_phones(utt.spans, EmotionTrack.parse(label), utt.num_frames)
    m, f, th = (utt.mid_frame(i) for i in (1, 3, 5))
    assert frames[m, col("CTRL_R_mouth_lipsTogetherD.ty")] >= 0.95
    assert frames[m, col("CTRL_C_jaw.ty")] <= 0.05
    assert frames[m, col("CTRL_L_mouth_upperLipRaise.ty")] < 0.05
    assert frames[m, col("CTRL_L_mouth_lowerLipDepress.ty")] < 0.05
    assert frames[f, col("CTRL_L_mouth_lipsTowardsTeethD.ty")] >= 0.7
    assert frames[f, col("CTRL_L_mouth_lowerLipDepress.ty")] < 0.05
    assert frames[th, col("CTRL_C_tongue_inOut.ty")] <= -0.45
