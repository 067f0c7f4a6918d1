"""Audio augmentation that keeps phone timings exact: gain, noise, reverberation, speed
perturbation (pitch and tempo together, spans rescaled) and sample-rate round trips."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from server.runtime.audio_io import resample
from training.phones import PhoneSpan


@dataclass(frozen=True)
class Augment:
    """speed: > 1 faster and higher; gain: linear; snr_db: None = no noise; reverb_s: RT60-like decay
    (0 = dry); round_trip_hz: resample down to this rate and back (0 = off)."""

    speed: float = 1.0
    gain: float = 1.0
    snr_db: float | None = None
    reverb_s: float = 0.0
    round_trip_hz: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def random_augment(rng: np.random.Generator, strength: float = 1.0) -> Augment:
    return Augment(
        speed=float(rng.uniform(1 - 0.1 * strength, 1 + 0.1 * strength)),
        gain=float(10 ** (rng.uniform(-12, 4) / 20)),
        snr_db=float(rng.uniform(15, 40)) if rng.random() < 0.6 * strength else None,
        reverb_s=float(rng.uniform(0.1, 0.5)) if rng.random() < 0.4 * strength else 0.0,
        round_trip_hz=int(rng.choice([8000, 11025])) if rng.random() < 0.25 * strength else 0,
    )


def apply(audio: np.ndarray, rate: int, spans: list[PhoneSpan], aug: Augment, rng: np.random.Generator
          ) -> tuple[np.ndarray, list[PhoneSpan]]:
    """Augmented audio at ``rate`` and the phone spans moved to match."""
    x = audio.astype(np.float64)
    if aug.speed != 1.0:  # play faster: resample to fewer samples at the same rate
        x = resample(x.astype(np.float32), int(round(rate * aug.speed)), rate).astype(np.float64)
        spans = [PhoneSpan(s.phone, s.start_s / aug.speed, s.end_s / aug.speed) for s in spans]
    if aug.reverb_s > 0:
        n = int(aug.reverb_s * rate)
        ir = rng.standard_normal(n) * np.exp(-6.9 * np.arange(n) / n)  # -60 dB over reverb_s
        ir[0] = 1.0 / 0.3
        x = np.convolve(x, ir * 0.3)[: len(x)]
    if aug.round_trip_hz:
        x = resample(resample(x.astype(np.float32), rate, aug.round_trip_hz), aug.round_trip_hz, rate)
        x = np.pad(x.astype(np.float64), (0, max(0, len(audio) - len(x))))[: len(x)]
    if aug.snr_db is not None:
        power = np.mean(x**2) + 1e-12
        x = x + rng.standard_normal(len(x)) * np.sqrt(power / 10 ** (aug.snr_db / 10))
    x = x * aug.gain
    peak = np.abs(x).max()
    if peak > 0.99:
        x = x * (0.99 / peak)
    return x.astype(np.float32), spans
