import json

import numpy as np
import pytest

from model.constants import emotion_index
from model.emotion import EmotionSpecError, EmotionTrack
from model.errors import InputError


def test_parse_label_and_intensity():
    w, i = EmotionTrack.parse("happy:0.25").at_frames(5)
    assert w.shape == (5, 7) and np.all(w[:, emotion_index("happy")] == 1.0)
    assert np.allclose(i, 0.25)
    assert EmotionTrack.parse("ang").keys[0].label == "angry"


@pytest.mark.parametrize("spec", ["", "joyful", "happy:2", "happy:x", "happy:-0.1"])
def test_bad_specs_are_input_errors(spec):
    with pytest.raises(InputError):
        EmotionTrack.parse(spec)


def test_label_equals_one_hot_weights_track():
    a = EmotionTrack.parse("sad:0.7").at_frames(50)
    b = EmotionTrack.from_obj([{"time": 0, "weights": [0, 0, 0, 0, 0, 1, 0], "intensity": 0.7}]).at_frames(50)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_transition_blends_linearly_then_holds():
    track = EmotionTrack.from_obj({"keys": [{"time": 0, "emotion": "happy"},
                                            {"time": 1.0, "emotion": "angry", "transition": 0.5}]})
    w, _ = track.at_times(np.array([0.5, 1.0, 1.25, 1.5, 3.0]))
    h, a = emotion_index("happy"), emotion_index("angry")
    assert w[0, h] == 1 and w[1, h] == 1
    assert w[2, h] == pytest.approx(0.5) and w[2, a] == pytest.approx(0.5)
    assert w[3, a] == 1 and w[4, a] == 1
    assert np.allclose(w.sum(axis=1), 1.0)


def test_interrupted_transition_starts_from_current_state():
    """happy; at 1 s start 1 s to sad; at 1.5 s (half-way: happy 0.5, sad 0.5) start 1 s to fear.

    Hand-computed: fear's transition blends from the half-way mix, not from pure sad or pure happy.
    """
    track = EmotionTrack.from_obj([{"time": 0, "emotion": "happy"}, {"time": 1, "emotion": "sad", "transition": 1.0},
                                   {"time": 1.5, "emotion": "fear", "transition": 1.0}])
    w, _ = track.at_times(np.array([1.25, 1.5, 2.0, 2.5, 3.0]))
    h, s, f = emotion_index("happy"), emotion_index("sad"), emotion_index("fear")
    expected = np.zeros((5, 7))
    expected[0, [h, s]] = 0.75, 0.25
    expected[1, [h, s]] = 0.5, 0.5
    expected[2, [h, s, f]] = 0.25, 0.25, 0.5
    expected[3:, f] = 1.0
    assert np.allclose(w, expected, atol=1e-6)


def test_track_file_round_trip(tmp_path):
    track = EmotionTrack.from_obj([{"time": 0.5, "weights": {"happy": 3, "surprise": 1}, "intensity": 0.5}])
    path = tmp_path / "t.json"
    path.write_text(json.dumps(track.to_obj()))
    again = EmotionTrack.load(path)
    assert again == track
    with pytest.raises(EmotionSpecError, match="not valid JSON"):
        (tmp_path / "bad.json").write_text("{")
        EmotionTrack.load(tmp_path / "bad.json")
    with pytest.raises(EmotionSpecError, match="unknown emotion key field"):
        EmotionTrack.from_obj([{"time": 0, "emotion": "happy", "colour": "red"}])
