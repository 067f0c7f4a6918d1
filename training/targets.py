"""Teacher targets with varied emotions: every utterance is paired with several emotion
variants (labels, intensities, tracks that change inside the clip)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.constants import EMOTIONS, FPS
from model.emotion import EmotionTrack
from training.dataset import Utterance
from training.teacher import animate_phones


@dataclass
class Variant:
    weights: np.ndarray  # (T, 7) float32
    intensity: np.ndarray  # (T,) float32
    targets: np.ndarray  # (T, 174) float16
    label: str  # dominant emotion (for recoverability)


def random_track(rng: np.random.Generator, duration_s: float) -> EmotionTrack:
    """A label with intensity, or (30 %) a change to another emotion inside the clip."""
    first = EMOTIONS[int(rng.integers(len(EMOTIONS)))]
    intensity = 0.0 if rng.random() < 0.08 else float(rng.uniform(0.3, 1.0))
    keys = [{"time": 0.0, "emotion": first, "intensity": intensity}]
    if rng.random() < 0.3 and duration_s > 1.0:
        keys.append({"time": float(rng.uniform(0.3, duration_s - 0.5)), "emotion": EMOTIONS[int(rng.integers(7))],
                     "intensity": float(rng.uniform(0.3, 1.0)), "transition": float(rng.uniform(0.1, 0.8))})
    return EmotionTrack.from_obj(keys)


def reference_frames(utt: Utterance, emotion: str = "neutral", seed: int = 0) -> np.ndarray:
    """``(T, 174)`` ground truth: a recorded take's own targets (``emotion`` is then its own), or the
    teacher's rendering of the utterance's phones with ``emotion``."""
    if utt.targets is not None:
        return utt.targets
    return animate_phones(utt.phones, EmotionTrack.parse(emotion), utt.num_frames, fps=FPS, seed=seed)


def emotions_of(utt: Utterance) -> tuple[str, ...]:
    """The emotions an utterance can be scored with: a take's own label, or all 7 for the teacher."""
    return (utt.emotion.keys[0].label,) if utt.targets is not None else EMOTIONS


def variants_for(utt: Utterance, count: int, seed: int) -> list[Variant]:
    """``count`` teacher renderings with random emotion tracks, or a recorded take's one fixed variant."""
    if utt.targets is not None:
        w, i = utt.emotion.at_frames(len(utt.targets), FPS)
        return [Variant(w, i, utt.targets.astype(np.float16), utt.emotion.keys[0].label)]
    rng = np.random.default_rng([seed, int.from_bytes(utt.utt_id.encode()[-4:].rjust(4, b"\0"), "big")])
    out = []
    for k in range(count):
        track = random_track(rng, utt.num_frames / FPS)
        w, i = track.at_frames(utt.num_frames, FPS)
        t = animate_phones(utt.phones, track, utt.num_frames, fps=FPS, seed=int(rng.integers(2**31)))
        out.append(Variant(w, i, t.astype(np.float16), track.keys[0].label if track.keys[0].intensity > 0
                           else "neutral"))
    return out
