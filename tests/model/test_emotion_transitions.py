"""Emotion tracks whose transitions are interrupted: values computed by hand at times where the start state shows.

Documented semantics (model/emotion.py): at a key's time the track moves from wherever it is to the key's
weights and intensity, linearly over the key's ``transition_s`` (0 = a cut); before the first key, the
first key holds.
"""
import numpy as np
import pytest

from model.constants import EMOTIONS
from model.emotion import EmotionKey, EmotionSpecError, EmotionTrack



def _w(**named: float) -> np.ndarray:
    out = np.zeros(7)
    for name, value in named.items():
        out[EMOTIONS.index(name)] = value
    return out


def test_emotion_order_is_the_papers():
    assert EMOTIONS == ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")


def test_chain_of_three_interruptions():
    """happy; 1.0 s: 1 s to sad; 1.5 s: 1 s to fear; 1.75 s: 0.5 s to surprise.

    At 1.5 s: happy .5 sad .5. At 1.75 s fear is a quarter in: .375/.375/.25. At 2.0 s surprise is half in.
    """
    track = EmotionTrack.from_obj([
        {"time": 0, "emotion": "happy"},
        {"time": 1.0, "emotion": "sad", "transition": 1.0},
        {"time": 1.5, "emotion": "fear", "transition": 1.0},
        {"time": 1.75, "emotion": "surprise", "transition": 0.5},
    ])
    w, _ = track.at_times(np.array([1.75, 2.0, 2.25, 4.0]))
    assert np.allclose(w[0], _w(happy=0.375, sad=0.375, fear=0.25), atol=1e-6)
    assert np.allclose(w[1], _w(happy=0.1875, sad=0.1875, fear=0.125, surprise=0.5), atol=1e-6)
    assert np.allclose(w[2], _w(surprise=1.0), atol=1e-6)
    assert np.allclose(w[3], _w(surprise=1.0), atol=1e-6)


def test_intensity_also_starts_from_the_current_state():
    """Intensity 0.2 -> 1.0 over 1 s from 1 s; at 1.5 s it is 0.6, and a cut-free move to 0 over 1 s
    gives 0.3 at 2.0 s (not 0.5 from the old target 1.0, nor 0.1 from the older 0.2)."""
    track = EmotionTrack.from_obj([
        {"time": 0, "emotion": "neutral", "intensity": 0.2},
        {"time": 1.0, "emotion": "angry", "intensity": 1.0, "transition": 1.0},
        {"time": 1.5, "emotion": "angry", "intensity": 0.0, "transition": 1.0},
    ])
    _, i = track.at_times(np.array([0.5, 1.25, 1.5, 2.0, 2.5]))
    assert np.allclose(i, [0.2, 0.4, 0.6, 0.3, 0.0], atol=1e-6)


def test_interruption_by_a_cut_jumps_and_the_next_move_starts_there():
    """happy; 1 s: 2 s to angry; 1.5 s: cut to sad; 2 s: 1 s to happy -> at 2.5 s half sad, half happy."""
    track = EmotionTrack.from_obj([
        {"time": 0, "emotion": "happy"},
        {"time": 1.0, "emotion": "angry", "transition": 2.0},
        {"time": 1.5, "emotion": "sad"},
        {"time": 2.0, "emotion": "happy", "transition": 1.0},
    ])
    w, _ = track.at_times(np.array([1.49, 1.5, 2.5]))
    assert np.allclose(w[0], _w(happy=0.755, angry=0.245), atol=1e-6)
    assert np.allclose(w[1], _w(sad=1.0), atol=1e-6)
    assert np.allclose(w[2], _w(sad=0.5, happy=0.5), atol=1e-6)


def test_finished_transition_then_new_key_starts_from_the_target():
    track = EmotionTrack.from_obj([
        {"time": 0, "emotion": "happy"},
        {"time": 1.0, "emotion": "sad", "transition": 0.5},
        {"time": 3.0, "emotion": "fear", "transition": 1.0},
    ])
    w, _ = track.at_times(np.array([3.0, 3.5]))
    assert np.allclose(w[0], _w(sad=1.0), atol=1e-6)
    assert np.allclose(w[1], _w(sad=0.5, fear=0.5), atol=1e-6)


def test_key_at_the_same_time_interrupts_before_any_progress():
    """Two keys at 1 s: the later one in the list wins and blends from happy (sad never got going)."""
    track = EmotionTrack.from_obj([
        {"time": 0, "emotion": "happy"},
        {"time": 1.0, "emotion": "sad", "transition": 1.0},
        {"time": 1.0, "emotion": "fear", "transition": 1.0},
    ])
    w, _ = track.at_times(np.array([1.0, 1.5]))
    assert np.allclose(w[0], _w(happy=1.0), atol=1e-6)
    assert np.allclose(w[1], _w(happy=0.5, fear=0.5), atol=1e-6)


def test_first_key_holds_before_its_time_and_its_transition_has_nothing_to_blend_from():
    track = EmotionTrack.from_obj([{"time": 0.5, "emotion": "disgust", "intensity": 0.3, "transition": 1.0},
                                   {"time": 2.0, "emotion": "happy", "transition": 1.0}])
    w, i = track.at_times(np.array([0.0, 0.25, 0.75, 2.5]))
    assert np.allclose(w[:3], _w(disgust=1.0), atol=1e-6) and np.allclose(i[:3], 0.3)
    assert np.allclose(w[3], _w(disgust=0.5, happy=0.5), atol=1e-6) and i[3] == pytest.approx(0.65)


def test_stream_keys_merged_later_interrupt_the_same_way():
    """A streaming session adds keys with ``with_keys``: the result equals the track given whole."""
    base = EmotionTrack.from_obj([{"time": 0, "emotion": "happy"}, {"time": 1.0, "emotion": "sad", "transition": 1.0}])
    later = base.with_keys([EmotionKey(1.5, tuple(_w(fear=1.0)), 1.0, 1.0)])
    w, _ = later.at_frames(150, fps=60, start_frame=90)  # frames 90..239 = 1.5 s .. 3.98 s
    assert np.allclose(w[0], _w(happy=0.5, sad=0.5), atol=1e-6)
    assert np.allclose(w[30], _w(happy=0.25, sad=0.25, fear=0.5), atol=1e-6)  # frame 120 = 2.0 s


def test_keys_out_of_order_are_sorted_from_json_and_rejected_in_code():
    keys = [{"time": 2.0, "emotion": "sad", "transition": 1.0}, {"time": 0, "emotion": "happy"}]
    track = EmotionTrack.from_obj(keys)
    assert [k.time_s for k in track.keys] == [0.0, 2.0]
    with pytest.raises(EmotionSpecError, match="non-decreasing"):
        EmotionTrack(tuple(reversed(track.keys)))
