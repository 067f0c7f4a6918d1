"""Speed of the phonetic teacher: audio seconds of targets generated per compute second.

    .venv/bin/python bench/teacher.py [--seconds 10] [--repeats 20]

Random phone sequences with an emotion change; prints the median time and the real-time factor.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.constants import FPS  # noqa: E402
from model.emotion import EmotionTrack  # noqa: E402
from training.phones import PHONES, PhoneSpan  # noqa: E402
from training.teacher import animate_phones  # noqa: E402


def random_phones(rng: np.random.Generator, duration_s: float) -> list[PhoneSpan]:
    spans, t = [], 0.0
    while t < duration_s:
        d = float(rng.uniform(0.05, 0.2))
        spans.append(PhoneSpan(str(rng.choice(PHONES)), t, min(t + d, duration_s)))
        t += d
    return spans


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args(argv)
    phones = random_phones(np.random.default_rng(0), args.seconds)
    track = EmotionTrack.from_obj([{"time": 0, "emotion": "sad"},
                                   {"time": args.seconds / 2, "emotion": "happy", "transition": 1}])
    frames = int(args.seconds * FPS)
    animate_phones(phones, track, frames)  # warm-up
    times = []
    for k in range(args.repeats):
        t0 = time.perf_counter()
        animate_phones(phones, track, frames, seed=k)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print(f"teacher: {args.seconds:g} s of speech in {med * 1000:.1f} ms (median of {args.repeats}) "
          f"= {args.seconds / med:.0f}x real time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
