"""One test per articulation rule of the phonetic teacher (issue 3)."""
from __future__ import annotations

import numpy as np
import pytest

from model.emotion import EmotionTrack
from model.errors import InputError
from model.rig import rig
from model.constants import EMOTIONS
from training.teacher import Teacher, TeacherOptions, animate_phones

NEUTRAL = EmotionTrack.parse("neutral")
AT_THE_SOUND = Teacher(TeacherOptions(speech_lead_s=0.0))
"""The articulation rules are checked where the sound is: at a phone's middle frame, no lead."""


def run(utt, emotion=NEUTRAL, **kw):
    return AT_THE_SOUND.animate(utt.spans, emotion, utt.num_frames, **kw)


@pytest.mark.parametrize("phone", ["P", "B", "M"])
def test_lips_meet_on_bilabials(phone, make_utterance, col):
    utt = make_utterance(f"AA {phone} AA")
    frames = run(utt)
    mid = utt.mid_frame(1)
    for name in ("CTRL_L_mouth_lipsTogetherU.ty", "CTRL_R_mouth_lipsTogetherD.ty"):
        assert frames[mid, col(name)] >= 0.95
    assert frames[mid, col("CTRL_C_jaw.ty")] <= 0.05
    # and not on a non-labial consonant in the same context
    other = run(make_utterance("AA T AA"))
    assert other[mid, col("CTRL_L_mouth_lipsTogetherU.ty")] < 0.2
    assert other[mid, col("CTRL_C_jaw.ty")] > 0.1


@pytest.mark.parametrize("phone", ["F", "V"])
def test_lower_lip_to_upper_teeth_on_labiodentals(phone, make_utterance, col):
    utt = make_utterance(f"AA {phone} AA")
    frames = run(utt)
    mid = utt.mid_frame(1)
    assert frames[mid, col("CTRL_L_mouth_lipsTowardsTeethD.ty")] >= 0.7
    assert frames[mid, col("CTRL_R_mouth_lipsTowardsTeethD.ty")] >= 0.7
    assert frames[mid, col("CTRL_L_mouth_lipBiteD.ty")] > 0.2
    assert frames[mid, col("CTRL_L_mouth_lowerLipDepress.ty")] < 0.05
    assert frames[mid, col("CTRL_C_jaw.ty")] <= 0.1
    other = run(make_utterance("AA S AA"))
    assert other[mid, col("CTRL_L_mouth_lipsTowardsTeethD.ty")] < 0.1


@pytest.mark.parametrize("phone", ["TH", "DH"])
def test_tongue_tip_shows_on_dentals(phone, make_utterance, col):
    utt = make_utterance(f"AH {phone} AH")
    frames = run(utt)
    tongue_out = frames[:, col("CTRL_C_tongue_inOut.ty")]  # negative = out
    assert tongue_out[utt.mid_frame(1)] <= -0.45
    assert tongue_out[utt.mid_frame(0) - 6] > -0.1  # in again away from the dental
    assert run(make_utterance("AH S AH"))[utt.mid_frame(1), col("CTRL_C_tongue_inOut.ty")] > -0.1


@pytest.mark.parametrize("phone", ["T", "D", "N", "L"])
def test_tongue_tip_rises_on_alveolars(phone, make_utterance, col):
    utt = make_utterance(f"AA {phone} AA")
    tip = run(utt)[:, col("CTRL_C_tongue_tip.ty")]
    assert tip[utt.mid_frame(1)] >= 0.7
    assert tip[utt.mid_frame(0) - 6] < 0.3
    velar = run(make_utterance("AA K AA"))[:, col("CTRL_C_tongue_tip.ty")]
    assert velar[utt.mid_frame(1)] < 0.3


@pytest.mark.parametrize(("phone", "fraction"), [("W", 0.5), ("UW", 0.5), ("OW", 0.8)])
def test_rounding_on_rounded_phones(phone, fraction, make_utterance, col):
    utt = make_utterance(f"SIL {phone} SIL")
    frames = run(utt)
    at = utt.frame_at(1, fraction)
    purse = frames[at, col("CTRL_L_mouth_purseU.ty")]
    funnel = frames[at, col("CTRL_L_mouth_funnelD.ty")]
    assert purse >= 0.45 and funnel >= 0.15
    assert frames[at, col("CTRL_L_mouth_corner.tx")] < -0.1  # corners drawn in
    spread = run(make_utterance("SIL IY SIL"))
    assert spread[at, col("CTRL_L_mouth_purseU.ty")] < 0.15
    assert spread[at, col("CTRL_L_mouth_stretch.ty")] > 0.1


def test_anticipatory_rounding(make_utterance, col):
    """Rounding starts during the consonants before a rounded vowel."""
    rounded, spread = make_utterance("IY S T UW"), make_utterance("IY S T IY")
    purse_r = run(rounded)[:, col("CTRL_L_mouth_purseU.ty")]
    purse_s = run(spread)[:, col("CTRL_L_mouth_purseU.ty")]
    for consonant in (1, 2):
        mid = rounded.mid_frame(consonant)
        assert purse_r[mid] > purse_s[mid] + 0.15
    vowel_start = int(round(rounded.spans[3].start_s * 60))
    assert purse_r[vowel_start - 3] > 0.25  # already rounding 50 ms before the vowel
    assert purse_r[rounded.mid_frame(0)] < 0.2  # but not yet in the vowel before


def test_carry_over(make_utterance, col):
    """A phone's shape persists into the following phones: rounding and jaw opening."""
    after_round, after_spread = make_utterance("UW T AH"), make_utterance("IY T AH")
    mid_t = after_round.mid_frame(1)
    assert (run(after_round)[mid_t, col("CTRL_L_mouth_purseD.ty")]
            > run(after_spread)[mid_t, col("CTRL_L_mouth_purseD.ty")] + 0.15)
    after_open, after_close = make_utterance("AA K IH"), make_utterance("IY K IH")
    jaw = col("CTRL_C_jaw.ty")
    assert run(after_open)[after_open.mid_frame(1), jaw] > run(after_close)[after_close.mid_frame(1), jaw] + 0.05


def test_dominance_blending(make_utterance, col):
    """A bilabial closure dominates even inside a broad smile; the vowel next to a p still opens."""
    utt = make_utterance("AA M AA")
    smile = run(utt, EmotionTrack.parse("happy:1"))
    mid = utt.mid_frame(1)
    assert smile[mid, col("CTRL_L_mouth_lipsTogetherU.ty")] >= 0.95
    assert smile[mid, col("CTRL_C_jaw.ty")] <= 0.05
    assert smile[mid, col("CTRL_L_mouth_cornerPull.ty")] > 0.4  # the smile is still there
    pap, tat = make_utterance("P AA P", durations={1: 0.12}), make_utterance("T AA T", durations={1: 0.12})
    jaw_pap = run(pap)[pap.mid_frame(1), col("CTRL_C_jaw.ty")]
    assert jaw_pap >= 0.25 and jaw_pap >= 0.65 * run(tat)[tat.mid_frame(1), col("CTRL_C_jaw.ty")]
    # a consonant that does not use the lips takes the lips of its neighbour
    kuk = make_utterance("UW K UW")
    assert run(kuk)[kuk.mid_frame(1), col("CTRL_L_mouth_purseU.ty")] > 0.5


def test_relaxed_mouth_in_pauses(make_utterance):
    utt = make_utterance("AA T SIL AA", durations={2: 0.6})
    frames = run(utt)
    schema = rig()
    speech = schema.select(["jaw", "mouth", "tongue"])
    pause_mid = utt.mid_frame(2)
    assert np.abs(frames[pause_mid, speech]).max() < 0.05
    # no phones at all is a resting face, too
    silent = animate_phones([], NEUTRAL, 120)
    assert np.abs(silent[:, speech]).max() < 0.05


@pytest.mark.parametrize("emotion", EMOTIONS)
def test_mouth_rests_in_pauses_at_every_emotion(emotion, make_utterance, col):
    """Issue 12: the jaw rests (<= 0.03) in a pause of 0.6 s and in silence at full intensity of any
    emotion, while the emotion's upper face stays; while speaking, a surprised jaw still drops."""
    utt = make_utterance("AA T SIL AA", durations={2: 0.6})
    frames = run(utt, EmotionTrack.parse(f"{emotion}:1"))
    assert frames[utt.mid_frame(2), col("CTRL_C_jaw.ty")] <= 0.03
    silent = animate_phones([], EmotionTrack.parse(f"{emotion}:1"), 120)
    assert np.abs(silent[:, col("CTRL_C_jaw.ty")]).max() <= 0.03
    if emotion == "surprise":
        assert silent[:, col("CTRL_L_brow_raiseIn.ty")].mean() > 0.3  # the expression stays
        quiet = run(make_utterance("T AA T"), EmotionTrack.parse("neutral"))
        loud = run(make_utterance("T AA T"), EmotionTrack.parse("surprise:1"))
        assert loud[:, col("CTRL_C_jaw.ty")].max() > quiet[:, col("CTRL_C_jaw.ty")].max() + 0.02


def test_speech_layer_leads_the_sound_by_its_lead(sentences, col):
    """A lead of exactly two frames (2/60 s) shows at frame k what no lead shows at frame k + 2: the
    speech controls (jaw, lips, tongue) move two frames earlier; nothing else is shifted."""
    utt = sentences[0]
    lead = Teacher(TeacherOptions(speech_lead_s=2 / 60)).animate(utt.spans, NEUTRAL, utt.num_frames, seed=1)
    none = AT_THE_SOUND.animate(utt.spans, NEUTRAL, utt.num_frames, seed=1)
    speech = rig().select(["jaw", "tongue"])
    # (away from the clip's first frames, where the tissue smoothing meets the clip's edge)
    np.testing.assert_allclose(lead[6:-2, speech], none[8:, speech], atol=1e-5)
    assert np.abs(lead[:-2, speech] - none[:-2, speech]).max() > 0.05  # and it is not the same curve


def test_jaw_open_peaks_in_ordinary_speech(sentences, col):
    jaw = col("CTRL_C_jaw.ty")
    open_peaks, close_peaks, overall = [], [], []
    for utt in sentences:
        frames = run(utt)
        if any(s.phone in ("AA", "AE") for s in utt.spans):
            overall.append(frames[:, jaw].max())
        for i, span in enumerate(utt.spans):
            lo, hi = int(span.start_s * 60), int(span.end_s * 60) + 1
            if span.phone in ("AA", "AE"):
                open_peaks.append(frames[lo:hi, jaw].max())
            elif span.phone in ("IY", "UW", "IH"):
                close_peaks.append(frames[lo:hi, jaw].max())
    assert 0.3 <= min(overall) and max(overall) <= 0.47  # every sentence with an open vowel
    assert np.mean(open_peaks) > np.mean(close_peaks) + 0.12
    assert np.mean(open_peaks) >= 0.33


def test_smooth_curves(sentences, col):
    """No frame-to-frame jumps beyond what real speech does."""
    jaw = col("CTRL_C_jaw.ty")
    # jaw speed: at most ~7 control units/s (about 0.12 per frame) in ordinary speech,
    # a little more in hyper-articulated surprised speech
    for emotion, max_jaw_step in (("neutral", 0.12), ("surprise", 0.15)):
        for utt in sentences:
            frames = run(utt, EmotionTrack.parse(emotion))
            step = np.abs(np.diff(frames, axis=0))  # (T-1, 174) per-frame change
            assert step[:, jaw].max() <= max_jaw_step
            assert step.max() <= 0.6  # a lip closure takes at least 2-3 frames
            accel = np.abs(np.diff(frames[:, jaw], n=2))
            assert accel.max() <= max_jaw_step / 2


def test_speaker_style_scales_articulation_not_contacts(make_utterance, col):
    utt = make_utterance("B AA M AA P")
    jaw = col("CTRL_C_jaw.ty")
    hypo, ordinary, hyper = (run(utt, speaker_style=s) for s in (0.7, None, 1.3))
    assert hypo[:, jaw].max() < ordinary[:, jaw].max() < hyper[:, jaw].max()
    for frames in (hypo, hyper):
        for i in (0, 2, 4):
            assert frames[utt.mid_frame(i), col("CTRL_L_mouth_lipsTogetherU.ty")] >= 0.95
    with pytest.raises(InputError, match="speaker_style"):
        run(utt, speaker_style=3.0)


def test_adjacent_bilabials_hold_one_closure(make_utterance, col):
    """m-p in "jump" is one closure: the lips do not part between the two phones."""
    utt = make_utterance("AH M P S")
    closed = run(utt)[utt.mid_frame(1): utt.mid_frame(2) + 1, col("CTRL_L_mouth_lipsTogetherU.ty")]
    assert closed.min() >= 0.95


def test_every_phone_has_a_viseme():
    from training.phones import PHONES
    from training.teacher.visemes import FEATURES, VISEMES

    assert set(VISEMES) == set(PHONES)
    for phone, viseme in VISEMES.items():
        assert 1 <= len(viseme.targets) <= 2, phone
        assert all(name in FEATURES for target in viseme.targets for name in target), phone
        assert all(d.strength > 0 and d.lead_s > 0 and d.lag_s > 0 for d in viseme.dominance), phone
