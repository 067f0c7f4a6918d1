"""A trivial baseline: audio energy -> jaw open (every other control at rest)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.constants import FPS, SAMPLE_RATE_HZ
from model.rig import rig
from training.dataset import Utterance
from training.targets import reference_frames

HOP = SAMPLE_RATE_HZ // FPS  # samples per frame (266)


def frame_energy_db(audio: np.ndarray, num_frames: int) -> np.ndarray:
    """RMS level per 60 fps frame in dB (floor -80)."""
    n = num_frames * HOP
    x = np.pad(audio[:n], (0, max(0, n - len(audio)))).reshape(num_frames, HOP)
    return 20 * np.log10(np.sqrt((x.astype(np.float64) ** 2).mean(axis=1)) + 1e-4)


@dataclass
class EnergyJawBaseline:
    """jaw = clip(a * (dB - clip max dB) + b, 0, 1), a and b fitted by least squares."""

    a: float
    b: float

    @classmethod
    def fit(cls, utts: list[Utterance]) -> EnergyJawBaseline:
        x, y = [], []
        jaw = rig().index("CTRL_C_jaw.ty")
        for utt in utts:
            db = frame_energy_db(utt.audio(), utt.num_frames)
            x.append(db - db.max())
            y.append(reference_frames(utt, "neutral")[: utt.num_frames, jaw])
        a, b = np.polyfit(np.concatenate(x), np.concatenate(y), 1)
        return cls(float(a), float(b))

    def predict(self, utt: Utterance) -> np.ndarray:
        db = frame_energy_db(utt.audio(), utt.num_frames)
        out = np.zeros((utt.num_frames, len(rig())), np.float32)
        out[:, rig().index("CTRL_C_jaw.ty")] = np.clip(self.a * (db - db.max()) + self.b, 0, 1)
        return out
