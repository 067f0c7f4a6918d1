"""A labelled EAR corpus from a physiological model of dlib's EAR, matched to real recordings.

Per synthetic person: an open-eye EAR of 0.25-0.35 and a closed-eye EAR of 0.04-0.14 (absolute: a shut
lid gives about the same EAR whatever the open value), dlib's frame-to-frame landmark jitter (s.d.
0.005-0.016, partly correlated between frames, with occasional one-frame glitches) and slow head-pose
drift. Blinks close in 60-120 ms, stay shut for 0-80 ms (most), 80-400 ms (a fifth) or 0.4-1.2 s (long
closures, 8 %: seven or more frames at the closed level, as in real takes), and reopen more slowly
(100-300 ms); a quarter are partial (the lid stops 30-75 % of the way) and a tenth come as double
blinks. Distractors lower the EAR for seconds without closing the lid: squints (to 0.17-0.26),
smiles (to 0.19-0.28, the cheeks push the lower lid up) and downward glances (to 0.2-0.28, faster
onset); people blink during them too. A frame is labelled blink from when a blink has the lid 5 % of the
way from open to shut until, reopening, it is back within 15 % of open: real annotators mark almost the
whole lid movement, from the first frame of closing to late in the reopening.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

OPEN_EAR = (0.25, 0.35)
CLOSED_EAR = (0.04, 0.14)
LABEL_CLOSURE = 0.05
"""A frame is a blink frame from when a blink has the lid this far from open (0) to shut (1) ..."""
LABEL_REOPENED = 0.15
"""... until, reopening, the lid is back within this of open: real annotations end while the EAR is still
below open (the pyblinker take's last labelled frame: median 0.86 of the open level, first: 0.93)."""


@dataclass
class EarClip:
    """ear: ``(N,)`` mean EAR; labels: ``(N,)`` bool; blinks: (start_s, end_s) of each labelled blink;
    ignore: ``(N,)`` bool frames left out of scoring (uncertain labels), or None."""

    ear: np.ndarray
    labels: np.ndarray
    fps: float
    blinks: list[tuple[float, float]] = field(default_factory=list)
    distractors: list[tuple[float, float]] = field(default_factory=list)
    ignore: np.ndarray | None = None


def label_runs(labels: np.ndarray, fps: float) -> list[tuple[float, float]]:
    """(start_s, end_s) of each run of True frames."""
    padded = np.concatenate([[False], np.asarray(labels, bool), [False]])
    starts = np.flatnonzero(~padded[:-1] & padded[1:])
    ends = np.flatnonzero(padded[:-1] & ~padded[1:])
    return [(s / fps, e / fps) for s, e in zip(starts, ends)]


def distractor_frames(clip: EarClip) -> np.ndarray:
    """``(N,)`` bool: frames inside a squint, smile or glance that are not labelled blink."""
    t = np.arange(len(clip.ear)) / clip.fps
    inside = np.zeros(len(t), bool)
    for start_s, end_s in clip.distractors:
        inside |= (t >= start_s) & (t < end_s)
    return inside & ~np.asarray(clip.labels, bool)


def _blink_closure(t: np.ndarray, onset: float, close: float, hold: float, reopen: float) -> np.ndarray:
    """Lid closure (0 open .. 1 shut) of one blink: cosine close, hold, slower cosine reopening."""
    x = np.zeros_like(t)
    a = (t >= onset) & (t < onset + close)
    x[a] = 0.5 - 0.5 * np.cos(np.pi * (t[a] - onset) / close)
    x[(t >= onset + close) & (t < onset + close + hold)] = 1.0
    start = onset + close + hold
    b = (t >= start) & (t < start + reopen)
    x[b] = 0.5 + 0.5 * np.cos(np.pi * (t[b] - start) / reopen)
    return x


def _plateau(t: np.ndarray, start: float, ramp: float, hold: float, depth: float) -> np.ndarray:
    up = np.clip((t - start) / ramp, 0, 1)
    down = np.clip((start + ramp + hold + ramp - t) / ramp, 0, 1)
    return depth * np.minimum(up, down) ** 2 * (3 - 2 * np.minimum(up, down))  # smoothstep


def _hold_s(rng: np.random.Generator) -> float:
    kind = rng.random()
    if kind < 0.08:
        return float(rng.uniform(0.4, 1.2))  # long closure
    return float(rng.uniform(0.08, 0.4) if kind < 0.3 else rng.uniform(0.0, 0.08))


def _blinks(rng: np.random.Generator, t: np.ndarray, duration_s: float, rate: float) -> np.ndarray:
    """Blink closure (0..1) over the take."""
    closure = np.zeros_like(t)
    time = float(rng.exponential(60 / rate))
    while time < duration_s - 0.5:
        for _ in range(2 if rng.random() < 0.1 else 1):
            close, hold, reopen = float(rng.uniform(0.06, 0.12)), _hold_s(rng), float(rng.uniform(0.1, 0.3))
            depth = float(rng.uniform(0.85, 1.0)) if rng.random() > 0.25 else float(rng.uniform(0.3, 0.75))
            closure = np.maximum(closure, depth * _blink_closure(t, time, close, hold, reopen))
            time += close + hold + reopen + float(rng.uniform(0.05, 0.15))
        time += float(rng.exponential(60 / rate)) + 0.3
    return closure


SQUINT_EAR = (0.17, 0.26)
SMILE_EAR = (0.19, 0.28)
GLANCE_EAR = (0.2, 0.28)
"""EAR ranges reached by squints, smiles and downward glances: lower than open, never shut."""


def _distractors(rng: np.random.Generator, t: np.ndarray, duration_s: float,
                 open_ear: float) -> tuple[np.ndarray, list]:
    """Fractional EAR lowering by squints, smiles and downward glances, and their spans."""
    lowering = np.zeros_like(t)
    spans = []
    time = float(rng.uniform(0, 5))
    while time < duration_s - 1:
        kind = rng.integers(3)
        ramp = float((rng.uniform(0.2, 0.6), rng.uniform(0.3, 0.8), rng.uniform(0.15, 0.4))[kind])
        hold = float((rng.uniform(0.5, 5.0), rng.uniform(1.0, 5.0), rng.uniform(0.5, 3.0))[kind])
        level = float(rng.uniform(*(SQUINT_EAR, SMILE_EAR, GLANCE_EAR)[kind]))
        depth = max(0.05, 1 - level / open_ear)
        lowering = np.maximum(lowering, _plateau(t, time, ramp, hold, depth))
        spans.append((time, time + 2 * ramp + hold))
        time += 2 * ramp + hold + float(rng.uniform(2, 10))
    return lowering, spans


def _jitter(rng: np.random.Generator, n: int) -> np.ndarray:
    """dlib's landmark noise on EAR: AR(1) jitter plus rare one-frame glitches."""
    sd, rho = rng.uniform(0.005, 0.016), rng.uniform(0.0, 0.5)
    white = rng.normal(0, sd * np.sqrt(1 - rho ** 2), n)
    noise = np.empty(n)
    prev = rng.normal(0, sd)
    for k in range(n):
        prev = rho * prev + white[k]
        noise[k] = prev
    glitch = rng.random(n) < 1 / 600  # about one frame in 20 s at 30 fps
    noise[glitch] += rng.choice([-1, 1], glitch.sum()) * rng.uniform(0.03, 0.07, glitch.sum())
    return noise


def synth_clip(rng: np.random.Generator, duration_s: float = 60.0, fps: float = 30.0, distractors: bool = True,
               rate_per_min: float | None = None) -> EarClip:
    """One person, one take."""
    t = np.arange(int(duration_s * fps)) / fps
    open_ear, closed_ear = rng.uniform(*OPEN_EAR), rng.uniform(*CLOSED_EAR)
    rate = rate_per_min or float(np.clip(np.exp(rng.normal(3.0, 0.4)), 8, 45))
    blink = _blinks(rng, t, duration_s, rate)
    lowering, spans = _distractors(rng, t, duration_s, open_ear) if distractors else (np.zeros_like(t), [])
    pose = 1 + rng.uniform(0.02, 0.08) * np.sin(2 * np.pi * rng.uniform(0.05, 0.3) * t + rng.uniform(0, 2 * np.pi))
    eyes_open = open_ear * pose * (1 - lowering)
    shut = closed_ear * (1 + 0.15 * rng.standard_normal())  # the shut level varies a little per take
    ear = eyes_open + (np.minimum(shut, eyes_open) - eyes_open) * blink + _jitter(rng, len(t))
    reopening = np.concatenate([[False], np.diff(blink) < 0])
    labels = (blink >= LABEL_CLOSURE) & ~(reopening & (blink < LABEL_REOPENED))
    return EarClip(np.clip(ear, 0.0, None), labels, fps, label_runs(labels, fps), spans)


def corpus(rng: np.random.Generator, clips: int, duration_s: float = 60.0, distractors: bool = True,
           fps: float = 30.0) -> list[EarClip]:
    return [synth_clip(rng, duration_s, fps, distractors) for _ in range(clips)]
