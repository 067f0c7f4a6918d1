"""Correlation and lag between an animation curve and a reference curve, frame by frame.

Convention: a **positive lag means the animation is late** relative to the reference. At lag ``d`` the
animation's frame ``t + d`` is paired with the reference's frame ``t``; the best lag is the ``d`` in
``[-max_lag_frames, max_lag_frames]`` with the highest Pearson r (ties: the smallest ``|d|``).

NaN frames (no face found, no value) are skipped pairwise, never interpolated across. Curves at another
frame rate are brought to the animation's rate with :func:`resample` (linear interpolation in time;
an output frame next to a NaN source frame is NaN).

Pooled figures over several clips z-score each clip's curves over its valid frames first (faces and
takes differ in scale), then concatenate the lagged pairs of every clip.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from model.constants import FPS

MIN_FRAMES = 10
"""Fewer valid frame pairs than this give r = NaN."""
TIE = 1e-9
"""Correlations this close count as equal (a periodic curve matches at several lags)."""


@dataclass(frozen=True)
class LagFit:
    """r_zero: Pearson r at zero lag; lag_frames: best lag (positive = animation late); r_best: r there;
    lag_ms: ``lag_frames`` in ms, refined below a frame by a parabola through the peak and its neighbours;
    frames: valid frame pairs at zero lag."""

    r_zero: float
    lag_frames: int
    r_best: float
    lag_ms: float
    frames: int

    def to_dict(self) -> dict:
        return asdict(self)


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson r over the frames where both are finite; NaN if fewer than MIN_FRAMES or a flat curve."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < MIN_FRAMES or np.ptp(a[ok]) == 0 or np.ptp(b[ok]) == 0:
        return float("nan")
    x, y = a[ok] - a[ok].mean(), b[ok] - b[ok].mean()
    den = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / den) if den > 0 else float("nan")


def shifted(anim: np.ndarray, ref: np.ndarray, lag: int) -> tuple[np.ndarray, np.ndarray]:
    """The overlapping parts ``(anim[t + lag], ref[t])`` of two curves (cut to the shorter one first)."""
    n = min(len(anim), len(ref))
    anim, ref = np.asarray(anim[:n]), np.asarray(ref[:n])
    if abs(lag) >= n:
        return anim[:0], ref[:0]
    if lag >= 0:
        return anim[lag:], ref[: n - lag]
    return anim[: n + lag], ref[-lag:]


def zscore(x: np.ndarray) -> np.ndarray:
    """``(x - mean) / std`` over the finite values (NaN stays NaN; a flat curve becomes zeros)."""
    x = np.asarray(x, np.float64)
    ok = np.isfinite(x)
    if not ok.any():
        return x.copy()
    sd = x[ok].std()
    return (x - x[ok].mean()) / (sd if sd > 0 else 1.0)


def lag_curve(pairs: list[tuple[np.ndarray, np.ndarray]], max_lag_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """``(lags, r)``: pooled r at every lag in ``[-max_lag_frames, max_lag_frames]`` over ``(anim, ref)``
    pairs (each z-scored per clip when there are several)."""
    if len(pairs) > 1:
        pairs = [(zscore(a), zscore(r)) for a, r in pairs]
    lags = np.arange(-max_lag_frames, max_lag_frames + 1)
    rs = []
    for lag in lags:
        parts = [shifted(a, r, int(lag)) for a, r in pairs]
        rs.append(pearson(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])))
    return lags, np.array(rs)


def fit_lag(pairs: list[tuple[np.ndarray, np.ndarray]] | tuple[np.ndarray, np.ndarray], max_lag_frames: int = 12,
            fps: float = FPS) -> LagFit:
    """r at zero lag and the best lag of one ``(anim, ref)`` pair or of several pooled."""
    if isinstance(pairs, tuple):
        pairs = [pairs]
    lags, rs = lag_curve(pairs, max_lag_frames)
    zero = int(np.flatnonzero(lags == 0)[0])
    frames = int(sum(np.sum(np.isfinite(a[: len(r)]) & np.isfinite(r[: len(a)])) for a, r in pairs))
    if np.all(np.isnan(rs)):
        return LagFit(float("nan"), 0, float("nan"), float("nan"), frames)
    best_r = np.nanmax(rs)
    candidates = np.flatnonzero(rs >= best_r - TIE)
    k = int(candidates[np.argmin(np.abs(lags[candidates]))])
    return LagFit(float(rs[zero]), int(lags[k]), float(best_r), _refine(lags, rs, k) * 1000.0 / fps, frames)


def _refine(lags: np.ndarray, rs: np.ndarray, k: int) -> float:
    """Sub-frame peak position: vertex of the parabola through the peak and its two neighbours."""
    if k == 0 or k == len(rs) - 1 or not np.all(np.isfinite(rs[k - 1 : k + 2])):
        return float(lags[k])
    left, mid, right = rs[k - 1 : k + 2]
    den = left - 2 * mid + right
    return float(lags[k]) if den >= 0 else float(lags[k] + 0.5 * (left - right) / den)


def resample(curve: np.ndarray, src_fps: float, dst_fps: float = FPS, num_frames: int | None = None,
             offset_s: float = 0.0) -> np.ndarray:
    """``(num_frames,)`` values of ``curve`` (source frame ``k`` at time ``offset_s + k / src_fps``) at the
    times ``t / dst_fps``; see :func:`resample_times`."""
    times = offset_s + np.arange(len(curve)) / src_fps
    if num_frames is None:
        num_frames = int(np.floor((len(curve) / src_fps + offset_s) * dst_fps))
    return resample_times(curve, times, num_frames, dst_fps)


def resample_times(values: np.ndarray, times_s: np.ndarray, num_frames: int, dst_fps: float = FPS) -> np.ndarray:
    """``(num_frames,)`` values at the times ``t / dst_fps`` of samples taken at increasing ``times_s``, by linear
    interpolation between the two nearest samples. Outside the samples, or next to a NaN sample: NaN."""
    values, times_s = np.asarray(values, np.float64), np.asarray(times_s, np.float64)
    t = np.arange(num_frames) / dst_fps
    hi = np.searchsorted(times_s, t, side="left")  # first sample at or after t
    out = np.full(num_frames, np.nan)
    exact = (hi < len(times_s)) & np.isclose(times_s[np.minimum(hi, len(times_s) - 1)], t, rtol=0, atol=1e-9)
    out[exact] = values[hi[exact]]
    inside = ~exact & (hi > 0) & (hi < len(times_s))
    lo, hi = hi[inside] - 1, hi[inside]
    frac = (t[inside] - times_s[lo]) / (times_s[hi] - times_s[lo])
    out[inside] = values[lo] * (1 - frac) + values[hi] * frac  # a NaN neighbour gives NaN
    return out
