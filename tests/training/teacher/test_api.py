"""The teacher's public entry point: contract, determinism, validation and speed."""
from __future__ import annotations


import numpy as np
import pytest

from model.emotion import EmotionTrack
from model.errors import InputError
from model.rig import rig
from training.phones import PHONES, PhoneSpan
from training.teacher import animate_phones

HAPPY = EmotionTrack.parse("happy:0.8")


def random_phones(rng: np.random.Generator, duration_s: float) -> list[PhoneSpan]:
    spans, t = [], 0.0
    while t < duration_s:
        d = float(rng.uniform(0.04, 0.2))
        spans.append(PhoneSpan(PHONES[int(rng.integers(len(PHONES)))], t, t + d))
        t += d
    return spans


def test_shape_dtype_and_ranges(sentences):
    schema = rig()
    for utt in sentences:
        frames = animate_phones(utt.spans, EmotionTrack.parse("surprise"), utt.num_frames, seed=1)
        assert frames.shape == (utt.num_frames, len(schema)) and frames.dtype == np.float32
        assert np.all(np.isfinite(frames))
        assert np.all(frames >= schema.range_min) and np.all(frames <= schema.range_max)
    assert animate_phones(sentences[0].spans, HAPPY, 0).shape == (0, len(schema))


def test_deterministic_for_a_seed_and_seed_only_varies_the_non_essentials(sentences):
    utt = sentences[0]
    a = animate_phones(utt.spans, HAPPY, utt.num_frames, seed=7)
    np.testing.assert_array_equal(a, animate_phones(utt.spans, HAPPY, utt.num_frames, seed=7))
    b = animate_phones(utt.spans, HAPPY, utt.num_frames, seed=8)
    schema = rig()
    essentials = schema.indices(["CTRL_C_jaw.ty", "CTRL_L_mouth_lipsTogetherU.ty", "CTRL_R_mouth_lipsTowardsTeethD.ty",
                                 "CTRL_C_tongue_tip.ty", "CTRL_C_tongue_inOut.ty", "CTRL_L_mouth_purseU.ty"])
    np.testing.assert_array_equal(a[:, essentials], b[:, essentials])
    upper = schema.select(["brow"])
    difference = np.abs(a[:, upper] - b[:, upper]).max()
    assert 0.003 < difference < 0.15  # small natural variation, not a different performance


def test_phone_order_and_gaps(make_utterance):
    utt = make_utterance("HH AH L OW SIL W ER L D")
    shuffled = list(reversed(utt.spans))
    np.testing.assert_array_equal(animate_phones(utt.spans, HAPPY, utt.num_frames),
                                  animate_phones(shuffled, HAPPY, utt.num_frames))
    # a gap between phones is a pause, the same as an explicit SIL
    without_sil = [s for s in utt.spans if s.phone != "SIL"]
    np.testing.assert_allclose(animate_phones(without_sil, HAPPY, utt.num_frames),
                               animate_phones(utt.spans, HAPPY, utt.num_frames), atol=1e-6)


def test_other_frame_rates_sample_the_same_motion(sentences, col):
    utt = sentences[2]
    at60 = animate_phones(utt.spans, HAPPY, utt.num_frames, fps=60)
    at30 = animate_phones(utt.spans, HAPPY, utt.num_frames // 2, fps=30)
    jaw = col("CTRL_C_jaw.ty")
    assert np.abs(at30[:, jaw] - at60[: 2 * at30.shape[0]: 2, jaw]).max() < 0.06


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"num_frames": -1}, "num_frames"),
        ({"num_frames": 2.5}, "num_frames"),
        ({"fps": 0.0}, "fps"),
        ({"speaker_style": 0.1}, "speaker_style"),
        ({"emotion": "happy"}, "EmotionTrack"),
        ({"phones": [("AA", 0.0, 0.1)]}, "PhoneSpan"),
    ],
)
def test_bad_input_is_an_input_error(kwargs, match):
    args = {"phones": [PhoneSpan("AA", 0.0, 0.1)], "emotion": HAPPY, "num_frames": 10} | kwargs
    with pytest.raises(InputError, match=match):
        animate_phones(args.pop("phones"), args.pop("emotion"), args.pop("num_frames"), **args)
