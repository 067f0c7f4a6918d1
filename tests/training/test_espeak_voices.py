"""espeak-ng speakers: exact phone timings from libespeak-ng, held-out voices, weighted training loss."""
import numpy as np
import pytest
import torch

from model.errors import InputError
from model.rig import rig
from training.corpus.build import HELD_OUT_VOICES, TRAIN_VOICES, plan, plan_espeak
from training.corpus.espeak import EspeakVoice, events_to_symbols, synthesize
from training.phones import PHONES
from training.train import control_weight_vector, loss_fn


def test_events_become_timed_symbols():
    events = [("h", 100), ("ˈoʊ", 150), ("", 300), ("ɛɹ", 340)]
    symbols = events_to_symbols(events, 500)
    assert symbols == [("_", 100), ("h", 50), ("ˈ", 0), ("o", 75), ("ʊ", 75), (" ", 40), ("ɛ", 80), ("ɹ", 80)]
    assert sum(n for _, n in symbols) == 500


@pytest.mark.parametrize("name", [TRAIN_VOICES[0], HELD_OUT_VOICES[0]])
def test_spans_cover_the_audio_and_silences_are_silent(name):
    audio, rate, spans = synthesize("Hello there, my name is Bob.", EspeakVoice(name))
    assert rate > 8000 and spans[-1].end_s == pytest.approx(len(audio) / rate, abs=1e-6)
    assert all(a.end_s == pytest.approx(b.start_s) for a, b in zip(spans, spans[1:]))
    assert all(s.phone in PHONES for s in spans)
    phones = [s.phone for s in spans if s.phone != "SIL"]
    assert phones[:4] == ["HH", "AH", "L", "OW"] and phones.count("M") == 2 and "B" in phones

    def rms(s):
        seg = audio[int(s.start_s * rate):int(s.end_s * rate)]
        return float(np.sqrt(np.mean(seg ** 2))) if len(seg) else 0.0

    pause = [s for s in spans if s.phone == "SIL" and s.end_s - s.start_s > 0.05 and 0 < s.start_s]
    vowels = [s for s in spans if s.phone in ("OW", "AY", "EY", "AA")]
    assert pause and vowels and max(rms(s) for s in pause) < 0.1 * min(rms(s) for s in vowels)


def test_voices_differ_and_unknown_voice_is_an_input_error():
    a, _, _ = synthesize("Good morning.", EspeakVoice("en-us+m3", pitch=30))
    b, _, _ = synthesize("Good morning.", EspeakVoice("en-us+f1", pitch=70))
    assert len(a) != len(b) or not np.allclose(a, b)
    with pytest.raises(InputError, match="no voice"):
        synthesize("Good morning.", EspeakVoice("xx-nonexistent"))


def test_held_out_voices_and_texts_never_reach_training():
    piper = plan(40, seed=3)
    lines = plan_espeak(30, piper, seed=3)
    train = [u for u in lines if u.split == "train"]
    val = [u for u in lines if u.split == "val"]
    assert train and val
    assert {u.settings.name for u in val} <= set(HELD_OUT_VOICES)
    assert not {u.settings.name for u in train} & set(HELD_OUT_VOICES)
    assert {u.text for u in val} <= {u.text for u in piper if u.split == "val"}
    assert not {u.text for u in val} & {u.text for u in piper if u.split == "train"}
    assert plan_espeak(30, piper, seed=3) == lines  # deterministic


def test_control_weights_scale_the_loss():
    w = control_weight_vector({"mouth": 2.0, "CTRL_C_jaw.ty": 5.0, "CTRL_L_mouth_lipsTogetherU.ty": 4.0})
    assert w[rig().index("CTRL_C_jaw.ty")] == 5.0 and w[rig().index("CTRL_L_mouth_lipsTogetherU.ty")] == 4.0
    assert w[rig().index("CTRL_L_mouth_cornerPull.ty")] == 2.0 and w[rig().index("CTRL_L_brow_down.ty")] == 1.0
    target = torch.zeros(1, 4, 174)
    pred = target.clone()
    pred[..., rig().index("CTRL_L_mouth_lipsTogetherU.ty")] = 0.5
    assert loss_fn(pred, target, 0.0, w).item() == pytest.approx(4 * loss_fn(pred, target, 0.0).item())
    with pytest.raises(InputError, match="control_weights"):
        control_weight_vector({"CTRL_no_such.ty": 2.0})
