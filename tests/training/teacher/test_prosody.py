"""Brow beats on emphasised (long) vowels."""
from __future__ import annotations

import numpy as np

from model.emotion import EmotionTrack
from training.teacher import animate_phones

NEUTRAL = EmotionTrack.parse("neutral")


def test_brows_beat_on_the_long_vowel_only(make_utterance, col):
    even = make_utterance("DH AH K AE T S AE T")
    stressed = make_utterance("DH AH K AE T S AE T", durations={3: 0.3})
    brow = col("CTRL_L_brow_raiseIn.ty")
    flat = animate_phones(even.spans, NEUTRAL, stressed.num_frames, seed=3)[:, brow]
    beat = animate_phones(stressed.spans, NEUTRAL, stressed.num_frames, seed=3)[:, brow]
    lift = beat - flat  # same seed: the same micro-motion, only the beat differs
    peak = int(np.argmax(lift))
    assert 0.02 < lift.max() < 0.15  # a small raise
    assert abs(peak - stressed.mid_frame(3)) <= 3  # at the emphasised vowel
    assert np.abs(lift[: stressed.frame_at(3, 0.0) - 12]).max() < 1e-6  # nothing before its rise
    assert np.abs(np.diff(beat)).max() < 0.01  # smooth
