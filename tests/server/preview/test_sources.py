"""Streamed animation for the offline-vs-stream comparison: same length and controls as offline."""
import numpy as np
import pytest

from emoface_testing import speechlike
from model.emotion import EmotionTrack
from model.errors import InputError
from server.preview.sources import animate_streamed
from server.runtime.options import RequestOptions


def test_streamed_animation_matches_the_offline_layout(pipeline):
    audio = speechlike(1.2)
    track = EmotionTrack.parse("happy:0.7")
    offline = pipeline.animate(audio, track, RequestOptions(seed=11))
    streamed = animate_streamed(pipeline, audio, track, RequestOptions(seed=11), chunk_s=0.25)
    assert streamed.frames.shape == offline.frames.shape == (72, 174)
    assert streamed.controls == offline.controls and np.all(np.isfinite(streamed.frames))
    assert streamed.options["seed"] == 11 and streamed.options["stream_chunk_s"] == 0.25
    assert streamed.emotion == offline.emotion


def test_bad_chunk_length(pipeline):
    with pytest.raises(InputError, match="chunk"):
        animate_streamed(pipeline, speechlike(0.5), EmotionTrack.parse("sad"), RequestOptions(seed=1), chunk_s=0.0)
