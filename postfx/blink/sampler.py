"""Blink synthesis as in EmoFace: log-normal blink rate, a 13-frame closing multiplier.

A rate (blinks per minute) is drawn from a log-normal with parameters ``mu`` and
``sigma`` (mean and s.d. of ln(rate)), clamped to [``min_rate_per_min``,
``max_rate_per_min``]; the next blink follows after ``60 / rate`` seconds, then a new
rate is drawn. Each blink scales both blink controls as ``v' = 1 - (1 - v) * k`` with the
paper's multiplier ``k`` (13 frames at 60 fps, resampled in time for other rates).
Events are generated forward from the injected generator, so any prefix of a clip gets
the same blinks whatever the clip's total length.
"""
from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from model.errors import InputError
from model.rig import rig
from postfx._validate import check_range

PAPER_MULTIPLIER_60FPS = np.array(
    [0.95, 0.75, 0.55, 0.30, 0.00, 0.05, 0.15, 0.25, 0.35, 0.45, 0.60, 0.75, 0.90], dtype=np.float64
)
"""Per-frame openness multiplier of one blink at 60 fps (0 = fully closed)."""


@dataclass(frozen=True)
class BlinkOptions:
    """Blink sampler parameters.

    enabled: add blinks at all.
    mu, sigma: mean and standard deviation of ln(blinks per minute) (paper fit: 3.518, 0.532).
    min_rate_per_min, max_rate_per_min: clamp of the sampled rate (paper: 15, 100).
    """

    enabled: bool = True
    mu: float = 3.518
    sigma: float = 0.532
    min_rate_per_min: float = 15.0
    max_rate_per_min: float = 100.0

    def __post_init__(self) -> None:
        check_range("blink.mu", self.mu, 0.0, 6.0)
        check_range("blink.sigma", self.sigma, 0.0, 3.0)
        check_range("blink.min_rate_per_min", self.min_rate_per_min, 0.5, 200.0)
        check_range("blink.max_rate_per_min", self.max_rate_per_min, self.min_rate_per_min, 200.0)

    @classmethod
    def from_profile(cls, path: str | Path, base: BlinkOptions | None = None) -> BlinkOptions:
        """Options with ``mu``/``sigma`` from a blink profile JSON (``emoface blink fit``)."""
        try:
            obj = json.loads(Path(path).read_text(encoding="utf-8"))
            mu, sigma = float(obj["mu"]), float(obj["sigma"])
        except FileNotFoundError:
            raise InputError(f"blink profile not found: {path}") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"blink profile {path} needs numeric 'mu' and 'sigma': {exc}") from None
        return replace(base or cls(), mu=mu, sigma=sigma)


def blink_multiplier(fps: float) -> np.ndarray:
    """The paper's 13-frame multiplier resampled in time to ``fps`` (same duration)."""
    n60 = len(PAPER_MULTIPLIER_60FPS)
    duration_s = n60 / 60.0
    n = max(3, int(round(duration_s * fps)))
    t_src = (np.arange(n60) + 0.5) / 60.0
    t_dst = (np.arange(n) + 0.5) * duration_s / n
    k = np.interp(t_dst, t_src, PAPER_MULTIPLIER_60FPS)
    k[int(np.argmin(np.abs(t_dst - t_src[int(np.argmin(PAPER_MULTIPLIER_60FPS))])))] = 0.0  # keep full closure
    return k


class BlinkTrack:
    """Blink onsets generated forward in time; apply to any frame range, in any order."""

    def __init__(self, opts: BlinkOptions, rng: np.random.Generator, fps: float):
        self.opts, self.rng, self.fps = opts, rng, fps
        self.kernel = blink_multiplier(fps)
        self.onsets: list[int] = []  # frame index where each blink's multiplier starts
        self._next_s = self._interval_s()

    def _interval_s(self) -> float:
        rate = float(np.exp(self.rng.normal(self.opts.mu, self.opts.sigma)))
        rate = min(max(rate, self.opts.min_rate_per_min), self.opts.max_rate_per_min)
        return 60.0 / rate

    def extend_to(self, end_frame: int) -> None:
        """Generate every blink whose onset lies before ``end_frame``."""
        while self._next_s * self.fps < end_frame:
            self.onsets.append(int(round(self._next_s * self.fps)))
            self._next_s += self._interval_s()

    def multiplier(self, start_frame: int, num_frames: int) -> np.ndarray:
        """Openness multiplier ``(num_frames,)`` for frames ``start..start+n-1`` (1 = no blink)."""
        self.extend_to(start_frame + num_frames)
        out = np.ones(num_frames)
        first = bisect.bisect_left(self.onsets, start_frame - len(self.kernel))
        for onset in self.onsets[first:]:
            lo, hi = onset - start_frame, onset - start_frame + len(self.kernel)
            if lo >= num_frames:
                break
            if hi <= 0:
                continue
            a, b = max(lo, 0), min(hi, num_frames)
            out[a:b] = np.minimum(out[a:b], self.kernel[a - lo : b - lo])
        return out

    def apply(self, frames: np.ndarray, start_frame: int = 0) -> np.ndarray:
        """Return ``frames`` (T, 174) with blinks applied to both blink controls."""
        if not self.opts.enabled or len(frames) == 0:
            return frames
        k = self.multiplier(start_frame, len(frames))[:, None]  # (T, 1)
        cols = rig().flagged("blink")
        out = frames.copy()
        out[:, cols] = 1.0 - (1.0 - out[:, cols]) * k
        return out
