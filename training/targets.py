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


def variants_for(utt: Utterance, count: int, seed: int) -> list[Variant]:
    rng = np.random.default_rng([seed, int.from_bytes(utt.utt_id.encode()[-4:].rjust(4, b"\0"), "big")])
    out = []
    for k in range(count):
        track = random_track(rng, utt.num_frames / FPS)
        w, i = track.at_frames(utt.num_frames, FPS)
        t = animate_phones(utt.phones, track, utt.num_frames, fps=FPS, seed=int(rng.integers(2**31)))
        out.append(Variant(w, i, t.astype(np.float16), track.keys[0].label if track.keys[0].intensity > 0
                           else "neutral"))
    return out
