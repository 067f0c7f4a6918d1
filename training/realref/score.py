"""Score animation curves against one reference curve per clip: per clip, pooled, and median lag."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from training.realref.lag import fit_lag

SOURCES = ("raw", "postfx", "energy")
"""Model raw output, model after post-processing (no blink/gaze), energy baseline."""


@dataclass
class ScoredClip:
    """One clip: ``curves[source]`` is a ``(T,)`` animation curve, ``reference`` the ``(T,)`` real curve."""

    name: str
    curves: dict[str, np.ndarray]
    reference: np.ndarray


def score(clips: list[ScoredClip], max_lag_frames: int = 12) -> dict:
    """``{"clips": {name: {source: LagFit}}, "pooled": {source: LagFit}, "median_lag_frames": {source: lag},
    "median_r_zero": {source: r}}`` as plain dicts (JSON-ready)."""
    sources = [s for s in SOURCES if all(s in c.curves for c in clips)]
    per_clip = {c.name: {s: fit_lag((c.curves[s], c.reference), max_lag_frames) for s in sources} for c in clips}
    pooled = {s: fit_lag([(c.curves[s], c.reference) for c in clips], max_lag_frames) for s in sources}
    return {
        "clips": {n: {s: f.to_dict() for s, f in fits.items()} for n, fits in per_clip.items()},
        "pooled": {s: f.to_dict() for s, f in pooled.items()},
        "median_lag_frames": {s: median_finite([fits[s].lag_frames for fits in per_clip.values()]) for s in sources},
        "median_r_zero": {s: median_finite([fits[s].r_zero for fits in per_clip.values()]) for s in sources},
        "max_lag_frames": max_lag_frames,
    }


def median_finite(values: list[float]) -> float:
    """Median of the finite values (NaN if there are none)."""
    v = np.asarray(values, np.float64)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if len(v) else float("nan")
