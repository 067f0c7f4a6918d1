"""A labelled EAR corpus from a physiological model (no labelled blink video is downloadable).

Per synthetic person: an open-eye baseline (0.22-0.36), landmark jitter, slow head-pose drift.
Blinks last 100-400 ms with a fast close (30 %), a short closed phase and a slower reopening;
some are partial (the lid stops half way) and some come as double blinks. Distractors lower the
EAR slowly and for long: squints (25-55 % for 0.5-4 s) and smiles (15-40 % for 1-5 s, cheeks
pushing the lower lid up). Frames are labelled blink while the lid is more than 25 % closed by
a blink.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class EarClip:
    """ear: ``(N,)`` mean EAR; labels: ``(N,)`` bool; blinks: (start_s, end_s) of each blink."""

    ear: np.ndarray
    labels: np.ndarray
    fps: float
    blinks: list[tuple[float, float]] = field(default_factory=list)
    distractors: list[tuple[float, float]] = field(default_factory=list)


def _blink_profile(t: np.ndarray, onset: float, duration: float, depth: float) -> np.ndarray:
    """Closure (0 open .. depth) over time for one blink."""
    close, hold = 0.3 * duration, 0.1 * duration
    reopen = duration - close - hold
    x = np.zeros_like(t)
    a = (t >= onset) & (t < onset + close)
    x[a] = 0.5 - 0.5 * np.cos(np.pi * (t[a] - onset) / close)
    x[(t >= onset + close) & (t < onset + close + hold)] = 1.0
    b = (t >= onset + close + hold) & (t < onset + duration)
    x[b] = 0.5 + 0.5 * np.cos(np.pi * (t[b] - onset - close - hold) / reopen)
    return x * depth


def _plateau(t: np.ndarray, start: float, ramp: float, hold: float, depth: float) -> np.ndarray:
    up = np.clip((t - start) / ramp, 0, 1)
    down = np.clip((start + ramp + hold + ramp - t) / ramp, 0, 1)
    return depth * np.minimum(up, down) ** 2 * (3 - 2 * np.minimum(up, down))  # smoothstep


def synth_clip(rng: np.random.Generator, duration_s: float = 60.0, fps: float = 30.0, distractors: bool = True,
               rate_per_min: float | None = None) -> EarClip:
    """One person, one take."""
    t = np.arange(int(duration_s * fps)) / fps
    base = rng.uniform(0.22, 0.36)
    closure = np.zeros_like(t)
    blink_closure = np.zeros_like(t)
    blinks = []
    rate = rate_per_min or float(np.clip(np.exp(rng.normal(3.0, 0.4)), 8, 45))
    time = float(rng.exponential(60 / rate))
    while time < duration_s - 0.5:
        n = 2 if rng.random() < 0.1 else 1
        for _ in range(n):
            duration = float(rng.uniform(0.1, 0.4))
            depth = float(rng.uniform(0.75, 0.95)) if rng.random() > 0.2 else float(rng.uniform(0.35, 0.6))
            blink_closure = np.maximum(blink_closure, _blink_profile(t, time, duration, depth))
            blinks.append((time, time + duration))
            time += duration + float(rng.uniform(0.05, 0.15))
        time += float(rng.exponential(60 / rate)) + 0.3
    spans = []
    if distractors:
        time = float(rng.uniform(0, 5))
        while time < duration_s - 1:
            kind = rng.random() < 0.5
            ramp = float(rng.uniform(0.2, 0.6) if kind else rng.uniform(0.3, 0.8))
            hold = float(rng.uniform(0.5, 4.0) if kind else rng.uniform(1.0, 5.0))
            depth = float(rng.uniform(0.25, 0.55) if kind else rng.uniform(0.15, 0.4))
            closure = np.maximum(closure, _plateau(t, time, ramp, hold, depth))
            spans.append((time, time + 2 * ramp + hold))
            time += 2 * ramp + hold + float(rng.uniform(2, 10))
    pose = 1 + 0.08 * np.sin(2 * np.pi * rng.uniform(0.05, 0.3) * t + rng.uniform(0, 2 * np.pi))
    openness = (1 - closure) * (1 - blink_closure)
    ear = base * pose * openness + rng.normal(0, rng.uniform(0.004, 0.015), len(t))
    return EarClip(np.clip(ear, 0.0, None), blink_closure > 0.25, fps, blinks, spans)


def corpus(rng: np.random.Generator, clips: int, duration_s: float = 60.0, distractors: bool = True,
           fps: float = 30.0) -> list[EarClip]:
    return [synth_clip(rng, duration_s, fps, distractors) for _ in range(clips)]
