"""Evaluate a model against the phonetic teacher on held-out audio (``emoface evaluate``).

Metrics (each also for the audio-energy baseline where it applies):
- MAE over all 174 controls, the mouth group and the eye group (the paper's Table 2 columns);
- jaw-open correlation with the teacher (pooled over clips), and its timing: per clip, r at zero lag and the
  best lag within +-12 frames (positive = the model is late; :mod:`training.realref.lag`), as medians over
  clips. On ``real_corpus`` the teacher renders a forced alignment of real speech, so this is the lag on real
  speech against the aligner;
- bilabial closure hit rate: share of P/B/M (>= 40 ms) at whose middle frame the model closes the
  lips (mean of the four lipsTogether controls), relative to its own lips at the clip's vowels, by at
  least half as much as the teacher does;
- emotion recoverability: a logistic-regression classifier trained on the teacher's upper-face and
  mouth-corner controls (train split) names the requested emotion from the model's output.
The network's raw output is compared (no smoothing, blinks or gaze: the teacher has none). With ``postfx``
options the same metrics are also given for that output through the post-processing chain (speech gate,
smoothing, gains; give blinks and gaze off), which is what a user gets, under ``"postfx"``.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.checkpoint import load_model
from model.constants import EMOTIONS, FPS, SAMPLE_RATE_HZ
from model.emotion import EmotionTrack
from model.errors import InputError
from model.inference import InferenceEngine
from model.rig import rig
from postfx.chain import PostFxChain, PostFxOptions
from training.baselines import EnergyJawBaseline
from training.dataset import Utterance, load_split
from training.phones import VOWELS
from training.realref.lag import fit_lag
from training.targets import emotions_of, reference_frames

LIPS = ("CTRL_L_mouth_lipsTogetherU.ty", "CTRL_L_mouth_lipsTogetherD.ty", "CTRL_R_mouth_lipsTogetherU.ty",
        "CTRL_R_mouth_lipsTogetherD.ty")
EMOTION_FEATURE_GROUPS = ("brow", "nose")
EMOTION_FEATURE_CONTROLS = ("CTRL_L_mouth_cornerPull.ty", "CTRL_R_mouth_cornerPull.ty",
                            "CTRL_L_mouth_cornerDepress.ty", "CTRL_R_mouth_cornerDepress.ty",
                            "CTRL_L_eye_squintInner.ty", "CTRL_R_eye_squintInner.ty", "CTRL_L_eye_cheekRaise.ty",
                            "CTRL_R_eye_cheekRaise.ty", "CTRL_L_eye_blink.ty", "CTRL_R_eye_blink.ty",
                            "CTRL_L_mouth_upperLipRaise.ty", "CTRL_R_mouth_upperLipRaise.ty")


@dataclass
class Clip:
    utt: Utterance
    emotion: str
    pred: np.ndarray  # (T, 174)
    teacher: np.ndarray  # (T, 174)
    audio: np.ndarray  # the utterance's 16 kHz audio (shared by its emotions' clips)


def emotion_features(frames: np.ndarray) -> np.ndarray:
    idx = np.concatenate([rig().select(EMOTION_FEATURE_GROUPS), rig().indices(EMOTION_FEATURE_CONTROLS)])
    return frames[:, idx].mean(axis=0)


def _clips(engine: InferenceEngine, utts: list[Utterance]) -> list[Clip]:
    """Each utterance with each of its emotions (all 7 for the teacher, a take's own label)."""
    clips = []
    for utt in utts:
        truth = {e: reference_frames(utt, e) for e in emotions_of(utt)}
        audio = utt.audio()
        feats = engine.encode(audio)[: min(utt.num_frames, *(len(t) for t in truth.values()))]
        for emotion, frames in truth.items():
            track = utt.emotion if utt.targets is not None else EmotionTrack.parse(emotion)
            w, i = track.at_frames(len(feats), FPS)
            clips.append(Clip(utt, emotion, engine.head(feats, w, i), frames[: len(feats)], audio))
    return clips


def postfx_frames(clips: list[Clip], opts: PostFxOptions) -> dict[int, np.ndarray]:
    """Each clip's prediction through the post-processing chain (seed 0), keyed by ``id(clip)``: the frames
    ``emoface animate`` writes with these options. The chain's gate hears the clip's audio, cut to its frames."""
    out = {}
    for c in clips:
        samples = c.audio[: -(-len(c.pred) * SAMPLE_RATE_HZ // FPS)]  # exactly len(c.pred) frames
        out[id(c)] = PostFxChain(opts, seed=0, fps=FPS).process(c.pred, samples)
    return out


def bilabial_hits(utt: Utterance, pred: np.ndarray, teacher: np.ndarray) -> tuple[int, int]:
    """(hits, bilabials): at a P/B/M's middle frame the model must close the lips, relative to its
    own lips at the clip's vowels, by at least half as much as the teacher does."""
    lips = rig().indices(LIPS)

    def closure(frames: np.ndarray) -> np.ndarray:
        return frames[:, lips].mean(axis=1)

    def mid(span) -> int:
        return min(int((span.start_s + span.end_s) / 2 * FPS), len(pred) - 1)

    vowels = [mid(s) for s in utt.phones or [] if s.phone in VOWELS]
    if not vowels:
        return 0, 0
    p_open, t_open = closure(pred)[vowels].mean(), closure(teacher)[vowels].mean()
    hits = total = 0
    for span in utt.phones or []:
        if span.phone in ("P", "B", "M") and span.end_s - span.start_s >= 0.04:
            f = mid(span)
            total += 1
            hits += closure(pred)[f] - p_open >= 0.5 * (closure(teacher)[f] - t_open)
    return hits, total


def jaw_timing(pairs: list[tuple[np.ndarray, np.ndarray]], max_lag_frames: int = 12) -> dict:
    """Median over clips of the jaw's r at zero lag and best lag (frames; positive = late) against the teacher,
    and the best lag of all clips pooled. Clips whose jaw does not move (r undefined) are left out."""
    fits = [f for f in (fit_lag(p, max_lag_frames) for p in pairs) if np.isfinite(f.r_zero)]
    pooled = fit_lag(pairs, max_lag_frames)
    return {"jaw_r0_median": float(np.median([f.r_zero for f in fits])) if fits else float("nan"),
            "jaw_lag_median": float(np.median([f.lag_frames for f in fits])) if fits else float("nan"),
            "jaw_lag_pooled": float(pooled.lag_frames), "jaw_lag_pooled_ms": pooled.lag_ms}


def _emotion_classifier(train_utts: list[Utterance]):
    from sklearn.linear_model import LogisticRegression

    x, y = [], []
    for k, utt in enumerate(train_utts):
        for emotion in emotions_of(utt):
            x.append(emotion_features(reference_frames(utt, emotion, seed=k)))
            y.append(EMOTIONS.index(emotion))
    return LogisticRegression(max_iter=2000).fit(np.array(x), np.array(y))


def evaluate(checkpoint: str | None, corpus: str | Path, split: str = "val", max_utts: int = 60,
             classifier_utts: int = 40, voice: str | None = None, reference_corpus: str | Path | None = None,
             postfx: PostFxOptions | None = None) -> dict:
    """Metrics on up to ``max_utts`` utterances of ``split`` whose voice starts with ``voice``
    (``espeak``, ``piper``, ``recording``, ``espeak:en-us+klatt4``...; None = all). The emotion
    classifier and the energy baseline are fitted on the train split of ``reference_corpus``
    (default: ``corpus``), so a folder of imported recordings alone can be evaluated. With ``postfx``, the
    same metrics for the post-processed output too (:func:`postfx_frames`)."""
    loaded = load_model(checkpoint)
    engine = InferenceEngine(loaded.model)
    utts = [u for u in load_split(corpus, split) if voice is None or u.voice.startswith(voice)][:max_utts]
    if not utts:
        raise InputError(f"{corpus} has no {split} utterances" + (f" with a voice starting {voice!r}" if voice else ""))
    train_utts = load_split(reference_corpus or corpus, "train")
    if not train_utts:
        raise InputError(f"{reference_corpus or corpus} has no train utterances to fit the emotion classifier and "
                         "the baseline on (give --reference-corpus)")
    clips = _clips(engine, utts)
    jaw = rig().index("CTRL_C_jaw.ty")
    mouth, eye = rig().group_indices("mouth"), rig().group_indices("eye")
    baseline = EnergyJawBaseline.fit(train_utts[:80])

    def table(get):
        errs = [np.abs(get(c) - c.teacher) for c in clips]
        all_ = np.concatenate(errs)
        pred_jaw = np.concatenate([get(c)[:, jaw] for c in clips])
        true_jaw = np.concatenate([c.teacher[:, jaw] for c in clips])
        hits = np.sum([bilabial_hits(c.utt, get(c), c.teacher) for c in clips], axis=0)
        return {"mae_all": float(all_.mean()), "mae_mouth": float(all_[:, mouth].mean()),
                "mae_eye": float(all_[:, eye].mean()), "jaw_corr": float(np.corrcoef(pred_jaw, true_jaw)[0, 1]),
                "bilabial_hit_rate": float(hits[0] / max(hits[1], 1)), "bilabials": int(hits[1]),
                **jaw_timing([(get(c)[:, jaw], c.teacher[:, jaw]) for c in clips])}

    base_frames = {c.utt.utt_id: baseline.predict(c.utt) for c in clips}
    clf = _emotion_classifier(train_utts[:classifier_utts])

    def recovered(get) -> float:
        """Share of clips whose requested emotion the classifier names from ``get(clip)``."""
        return float(np.mean([clf.predict(emotion_features(get(c))[None])[0] == EMOTIONS.index(c.emotion)
                              for c in clips]))

    model = table(lambda c: c.pred)
    model["emotion_recovered"] = recovered(lambda c: c.pred)
    report = {"model_id": loaded.model_id, "corpus": str(corpus), "split": split, "utterances": len(utts),
              "voices": sorted({u.voice for u in utts}),
              "clips": len(clips), "model": model,
              "energy_baseline": {**table(lambda c: base_frames[c.utt.utt_id][: len(c.teacher)]),
                                  "emotion_recovered": 1 / len(EMOTIONS)},
              "teacher_self": {"emotion_recovered": recovered(lambda c: c.teacher)}}
    if postfx is not None:
        post = postfx_frames(clips, postfx)
        report["postfx"] = {**table(lambda c: post[id(c)]), "emotion_recovered": recovered(lambda c: post[id(c)])}
        report["postfx_speech_gate"] = dataclasses.asdict(postfx.speech_gate)
    return report


def format_report(r: dict) -> str:
    rows = [("MAE all", "mae_all"), ("MAE mouth", "mae_mouth"), ("MAE eye", "mae_eye"), ("jaw-open corr", "jaw_corr"),
            ("jaw r0, median per clip", "jaw_r0_median"), ("jaw best lag, median (fr)", "jaw_lag_median"),
            ("jaw best lag, pooled (ms)", "jaw_lag_pooled_ms"),
            ("bilabial closure hit rate", "bilabial_hit_rate"), ("emotion recovered", "emotion_recovered")]
    post = r.get("postfx")
    lines = [f"{r['model_id']} on {r['corpus']} [{r['split']}]: {r['utterances']} utterances x 7 emotions",
             f"voices: {', '.join(r.get('voices', []))}",
             f"{'metric':<28}{'model':>10}{'energy baseline':>18}" + (f"{'model postfx':>14}" if post else "")]
    for label, key in rows:
        if key in r["model"]:
            lines.append(f"{label:<28}{r['model'][key]:>10.4f}{r['energy_baseline'][key]:>18.4f}"
                         + (f"{post[key]:>14.4f}" if post else ""))
    if post:
        gate = r["postfx_speech_gate"]
        reach = f", onset reach {gate['onset_s']:g} s" if gate["detector"] == "silero" else ""
        lines.append(f"(postfx: the chain without blinks and gaze, speech gate {gate['detector']}{reach})")
    lines.append(f"(teacher's own emotion recoverability: {r['teacher_self']['emotion_recovered']:.4f}; "
                 f"baseline emotion = chance; lag: positive = late)")
    if "real" in r:
        from training.realref.report_text import format_real

        lines += ["", format_real([r["real"]])]
    return "\n".join(lines)


def write_report(r: dict, path: str | Path) -> None:
    Path(path).write_text(json.dumps(r, indent=1))
