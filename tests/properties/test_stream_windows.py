"""Streaming windows for any chunking, lookahead and emotion track (hypothesis, tiny model).

Rules from server/runtime/streaming.py: frames leave once, in order, never revised; they do not depend on how
the audio was chunked; a frame is out once the audio up to it plus the lookahead (and at most one step)
has arrived; the stream ends with exactly floor(n / 16000 * 60) frames.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emoface_testing import speechlike
from model.emotion import EmotionKey, EmotionTrack, one_hot
from server.runtime.options import RequestOptions
from server.runtime.streaming import StreamConfig

SLOW = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
AUDIO = speechlike(1.3, seed=4)  # 1.3 s = 78 frames
EMOTION = EmotionTrack.from_obj([{"time": 0, "emotion": "sad"}, {"time": 0.6, "emotion": "happy", "transition": 0.3}])


SHORT_CONTEXT = StreamConfig(encoder_context_s=0.2, head_context_s=0.2)  # caches are trimmed within 1.3 s


def _run(pipeline, cuts, lookahead_s=0.1, config=StreamConfig(), track=EMOTION, keys=()):
    session = pipeline.stream(track, RequestOptions(seed=5), lookahead_s=lookahead_s, config=config)
    frames, bounds = [], [0, *cuts, len(AUDIO)]
    for a, b in zip(bounds, bounds[1:]):
        start, f = session.push(AUDIO[a:b], keys if a == 0 else ())
        assert start == sum(len(x) for x in frames)  # in order, no gaps, nothing revised
        arrived = b * 60 // 16000
        assert start + len(f) >= arrived - session.lookahead_frames - session._step  # late by one step at most
        assert start + len(f) <= max(arrived - session.lookahead_frames, 0) + session._step
        frames.append(f)
    start, f = session.finish()
    assert start == sum(len(x) for x in frames)
    return np.concatenate([*frames, f])


@pytest.fixture(scope="module")
def one_push(pipeline):
    return {la: _run(pipeline, [], lookahead_s=la) for la in (0.0, 0.1, 0.3)}


@pytest.fixture(scope="module")
def one_push_short(pipeline):
    return _run(pipeline, [], config=SHORT_CONTEXT)


@SLOW
@given(st.lists(st.integers(1, len(AUDIO) - 1), max_size=8, unique=True).map(sorted),
       st.sampled_from([0.0, 0.1, 0.3]))
def test_frames_do_not_depend_on_chunking(pipeline, one_push, cuts, lookahead_s):
    out = _run(pipeline, cuts, lookahead_s)
    assert out.shape == (78, 174)
    assert np.array_equal(out, one_push[lookahead_s])


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(1, len(AUDIO) - 1), min_size=1, max_size=6, unique=True).map(sorted))
def test_trimmed_caches_do_not_change_frames(pipeline, one_push_short, cuts):
    """With 0.2 s contexts the feature and audio caches are trimmed as the stream goes: still chunk-independent."""
    out = _run(pipeline, cuts, config=SHORT_CONTEXT)
    assert np.array_equal(out, one_push_short)


def test_keys_sent_with_the_first_chunk_equal_the_track_given_at_the_start(pipeline, one_push):
    fear = EmotionKey(0.9, one_hot("fear"), 0.8, 0.2)
    late = _run(pipeline, [800, 8000], track=EMOTION, keys=(fear,))
    whole = _run(pipeline, [], track=EMOTION.with_keys((fear,)))
    assert np.array_equal(late, whole) and not np.array_equal(late, one_push[0.1])


@pytest.mark.parametrize("seconds", [0.0, 0.05, 0.1, 0.42])
def test_short_streams_end_with_the_frame_rule(pipeline, seconds):
    n = int(seconds * 16000)
    session = pipeline.stream(EMOTION, RequestOptions(seed=1))
    start, f = session.push(AUDIO[:n])
    assert start == 0
    end_start, rest = session.finish()
    assert end_start == len(f) and len(f) + len(rest) == n * 60 // 16000


@given(st.floats(0.0, 10.0))
def test_config_frames_round_to_the_window_alignment(seconds):
    frames = StreamConfig().frames(seconds)
    assert frames % 6 == 0 and frames == int(round(seconds * 60)) // 6 * 6
