"""Rules that hold for every emotion track (hypothesis)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.constants import EMOTIONS
from model.emotion import EmotionKey, EmotionSpecError, EmotionTrack, normalise_weights

weights = st.lists(st.floats(0.0, 10.0), min_size=7, max_size=7).filter(lambda w: sum(w) > 1e-3).map(normalise_weights)
keys = st.builds(EmotionKey, time_s=st.floats(0.0, 20.0), weights=weights, intensity=st.floats(0.0, 1.0),
                 transition_s=st.one_of(st.just(0.0), st.floats(1e-3, 5.0)))  # 0 = a cut; else >= 1 ms
key_lists = st.lists(keys, min_size=1, max_size=6)
times = st.lists(st.floats(0.0, 30.0), min_size=1, max_size=50).map(np.array)


def _track(ks):
    return EmotionTrack(tuple(sorted(ks, key=lambda k: k.time_s)))


@given(key_lists, times)
def test_weights_sum_to_one_and_stay_non_negative(ks, t):
    w, _ = _track(ks).at_times(t)
    assert w.shape == (len(t), 7) and w.dtype == np.float32
    assert np.all(w >= -1e-6)
    assert np.allclose(w.sum(axis=1), 1.0, atol=1e-5)


@given(key_lists, times)
def test_intensity_stays_within_the_keys_intensities(ks, t):
    _, i = _track(ks).at_times(t)
    lo, hi = min(k.intensity for k in ks), max(k.intensity for k in ks)
    assert np.all(i >= lo - 1e-6) and np.all(i <= hi + 1e-6)
    assert np.all((i >= 0) & (i <= 1))


@given(key_lists, st.floats(0.0, 30.0))
def test_after_the_last_transition_the_last_key_holds(ks, extra):
    track = _track(ks)
    last = track.keys[-1]
    w, i = track.at_times(np.array([last.time_s + last.transition_s + extra]))
    assert np.allclose(w[0], last.weights, atol=1e-5) and i[0] == pytest.approx(last.intensity, abs=1e-6)


@given(key_lists, st.randoms())
def test_keys_in_any_order_are_sorted_by_from_obj_and_rejected_by_the_constructor(ks, rnd):
    shuffled = list(ks)
    rnd.shuffle(shuffled)
    obj = [{"time": k.time_s, "weights": list(k.weights), "intensity": k.intensity, "transition": k.transition_s}
           for k in shuffled]
    track = EmotionTrack.from_obj(obj)
    times_s = [k.time_s for k in track.keys]
    assert times_s == sorted(times_s)
    if any(b < a for a, b in zip([k.time_s for k in shuffled], [k.time_s for k in shuffled][1:])):
        with pytest.raises(EmotionSpecError):
            EmotionTrack(tuple(shuffled))


@given(key_lists, st.lists(keys, max_size=4))
def test_with_keys_merges_in_time_order_and_later_keys_come_after_equal_times(ks, more):
    """Documented: extra keys are merged in time order, stable for equal times (a stream's new key wins)."""
    base = _track(ks)
    merged = base.with_keys(more)
    assert len(merged.keys) == len(ks) + len(more)
    assert [k.time_s for k in merged.keys] == sorted(k.time_s for k in (*ks, *more))
    pos = {id(k): i for i, k in enumerate(merged.keys)}
    assert set(pos) == {id(k) for k in (*base.keys, *more)}
    for new in more:
        assert all(pos[id(old)] < pos[id(new)] for old in base.keys if old.time_s == new.time_s)


@settings(max_examples=50)
@given(key_lists, st.integers(0, 600), st.integers(1, 200), st.sampled_from([24, 30, 50, 60]))
def test_frames_in_pieces_equal_frames_whole(ks, start, n, fps):
    track = _track(ks)
    whole_w, whole_i = track.at_frames(start + n, fps)
    part_w, part_i = track.at_frames(n, fps, start_frame=start)
    assert np.array_equal(part_w, whole_w[start:]) and np.array_equal(part_i, whole_i[start:])


@given(st.lists(st.floats(0.0, 1e6, allow_subnormal=False), min_size=7, max_size=7))
def test_normalise_weights_sums_to_one_or_rejects(raw):
    if sum(raw) <= 0:
        with pytest.raises(EmotionSpecError):
            normalise_weights(raw)
        return
    w = normalise_weights(raw)
    assert len(w) == len(EMOTIONS) and sum(w) == pytest.approx(1.0) and min(w) >= 0
    EmotionKey(0.0, w)  # a normalised vector is always a valid key
