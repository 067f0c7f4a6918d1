"""Emotion track inputs: defaults, non-string and malformed specs, messages that say what to fix."""
import numpy as np
import pytest

from model.emotion import EmotionSpecError, EmotionTrack


def test_a_label_is_one_key_at_time_zero():
    assert EmotionTrack.parse("fear:0.3").to_obj() == {"keys": [{
        "time": 0.0, "weights": {"angry": 0.0, "disgust": 0.0, "fear": 1.0, "happy": 0.0, "neutral": 0.0, "sad": 0.0,
                                 "surprise": 0.0}, "intensity": 0.3, "transition": 0.0}]}


def test_constant_defaults_to_neutral_at_full_intensity():
    assert EmotionTrack.constant() == EmotionTrack.parse("neutral:1")


def test_a_key_without_time_or_transition_is_a_cut_at_zero():
    key = EmotionTrack.from_obj([{"emotion": "sad"}]).keys[0]
    assert (key.time_s, key.transition_s, key.intensity) == (0.0, 0.0, 1.0)


@pytest.mark.parametrize("spec", [None, 3, "", "   "])
def test_empty_or_non_text_specs_are_spec_errors(spec):
    with pytest.raises(EmotionSpecError, match=r"^empty emotion; expected NAME or NAME:INTENSITY$"):
        EmotionTrack.parse(spec)


@pytest.mark.parametrize("obj", [{}, [], {"keys": []}, "happy", 5])
def test_a_track_must_be_a_non_empty_list(obj):
    message = r'^an emotion track is a non-empty list of keys or \{"keys": \[\.\.\.\]\}$'
    with pytest.raises(EmotionSpecError, match=message):
        EmotionTrack.from_obj(obj)


@pytest.mark.parametrize("key,message", [
    ("happy", "an emotion key must be an object, got 'happy'"),
    ({"emotion": "happy", "size": 1, "colour": "red"}, r"unknown emotion key field\(s\): colour, size"),
    ({"time": 0}, '^each emotion key needs exactly one of "emotion" or "weights"$'),
    ({"emotion": "happy", "weights": [1, 0, 0, 0, 0, 0, 0]}, 'exactly one of "emotion" or "weights"$'),
    ({"emotion": "joyful"}, "unknown emotion 'joyful'; expected one of: angry, disgust"),
    ({"emotion": "happy", "time": "soon"}, "bad emotion key .*'soon'"),
    ({"emotion": "happy", "intensity": "lots"}, r"intensity must be a number in \[0, 1\], got 'lots'"),
    ({"emotion": "happy", "intensity": 1.5}, r"intensity must be in \[0, 1\], got 1.5"),
])
def test_bad_keys_say_what_is_wrong(key, message):
    with pytest.raises(EmotionSpecError, match=message):
        EmotionTrack.from_obj([key])


def test_missing_track_file_names_it(tmp_path):
    with pytest.raises(EmotionSpecError, match="emotion track file not found: .*gone.json"):
        EmotionTrack.load(tmp_path / "gone.json")
