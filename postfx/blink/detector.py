"""Blink detection from an EAR series: a linear SVM over 7-frame windows at 30 fps, and the
fixed-threshold baseline.

Series at other frame rates are resampled to 30 fps first. Each frame's window is EAR at
frames t-3..t+3. The SVM sees the window's shape (the 7 values relative to the window's maximum,
the centre's depth below the window's ends), so a brief dip (a blink) separates from a slow
lowering (a squint or a smile), and its absolute level: the 7 values and the same values as a
fraction of the person's open-eye EAR, so a window entirely inside a long closure (all seven values
near 0.05-0.1, no dip to see) is still a blink. The open-eye EAR is a running high percentile of the
series (``open_eye_baseline``): long enough that a closure of a second does not pull it down, short
enough to follow head-pose drift. Windows that touch a frame without a face are never blinks. Only
runs of consecutive positive frames (one-frame gaps closed) form an event, split where the EAR comes back
up between two closures (``split_at_reopenings``: a double blink), and only if the EAR dips there: back up
on both sides (``is_dip``). The trained classifier is stored as plain arrays (``.npz``,
no pickle).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from model.errors import InputError

DETECTOR_FPS = 30.0
WINDOW = 7
HALF = WINDOW // 2


@dataclass(frozen=True)
class BlinkEvent:
    """A blink: frames are in the input series' frame rate; times in seconds."""

    start_frame: int
    end_frame: int  # inclusive
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict:
        return {**asdict(self), "duration_s": round(self.duration_s, 4)}


def resample_series(ear: np.ndarray, fps: float, target_fps: float = DETECTOR_FPS) -> np.ndarray:
    """Linear resampling by time; a target frame next to a missing (NaN) frame stays NaN."""
    ear = np.asarray(ear, dtype=np.float64)
    if fps <= 0:
        raise InputError(f"frame rate must be positive, got {fps}")
    if abs(fps - target_fps) < 1e-9 or len(ear) == 0:
        return ear.copy()
    t_src = np.arange(len(ear)) / fps
    t_dst = np.arange(int(np.floor((len(ear) - 1) / fps * target_fps)) + 1) / target_fps
    filled = np.where(np.isnan(ear), 0.0, ear)
    out = np.interp(t_dst, t_src, filled)
    missing = np.interp(t_dst, t_src, np.isnan(ear).astype(float)) > 0
    out[missing] = np.nan
    return out


def windows(ear30: np.ndarray) -> np.ndarray:
    """``(N, 7)`` windows centred on each frame (edges repeat the first/last value)."""
    padded = np.pad(np.asarray(ear30, dtype=np.float64), HALF, mode="edge")
    return np.lib.stride_tricks.sliding_window_view(padded, WINDOW)


TYPICAL_OPEN_EAR = 0.30
"""Open-eye EAR assumed when none is given (dlib's 68 points give 0.25-0.35 on open eyes)."""
BASELINE_PERCENTILE = 80.0
"""The open-eye EAR is this percentile of the EAR around each frame: blinks, even long closures,
fill far less than the remaining 20 % of a few seconds."""
BASELINE_HALF_WINDOW_S = 3.0
"""Half width of the running window (seconds) the open-eye percentile is taken over."""
FEATURE_VERSION = 2
"""Bumped whenever ``window_features`` changes; stored classifiers of another version are refused."""


def open_eye_baseline(ear30: np.ndarray, half_window_s: float = BASELINE_HALF_WINDOW_S,
                      percentile: float = BASELINE_PERCENTILE) -> np.ndarray:
    """``(N,)`` open-eye EAR per frame of a 30 fps series: the ``percentile`` of the valid (non-NaN)
    values within ``half_window_s`` of the frame; ``TYPICAL_OPEN_EAR`` where there are none."""
    ear = np.asarray(ear30, dtype=np.float64)
    half = max(1, int(round(half_window_s * DETECTOR_FPS)))
    if len(ear) == 0:
        return ear.copy()
    padded = np.pad(ear, half, mode="constant", constant_values=np.nan)
    view = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)  # (N, 2 * half + 1)
    step = max(1, half // 15)  # the percentile of a running window changes slowly: compute every `step` frames
    idx = np.arange(0, len(ear), step)
    rows = view[idx]
    some = ~np.isnan(rows).all(axis=1)
    sampled = np.full(len(idx), TYPICAL_OPEN_EAR)
    sampled[some] = np.nanpercentile(rows[some], percentile, axis=1)
    return np.interp(np.arange(len(ear)), idx, sampled)


def window_features(w: np.ndarray, open_ear: float | np.ndarray = TYPICAL_OPEN_EAR) -> np.ndarray:
    """``(N, 7)`` EAR windows and the open-eye EAR (scalar or ``(N,)``) -> ``(N, 31)`` SVM features:
    the 7 values; the 7 values minus the window's maximum and divided by it (the window's shape,
    independent of the person's open-eye EAR); the centre's depth below the mean of the window's two
    first and two last values, as a fraction of that mean; the 7 values as a fraction of the open-eye
    EAR (how far the lid is closed, even where the window is flat); the window's minimum as that
    fraction; and the valley: how far the centre lies below the lower of the highest value on its left
    and the highest on its right, as a fraction of the open-eye EAR (a dip rises on both sides, a step
    down into a squint or a glance on one only)."""
    w = np.asarray(w, dtype=np.float64)
    top = w.max(axis=1, keepdims=True)
    ends = (w[:, :2].mean(axis=1) + w[:, -2:].mean(axis=1)) / 2
    depth = (ends - w[:, HALF]) / np.maximum(ends, 1e-3)
    base = np.maximum(np.broadcast_to(np.asarray(open_ear, dtype=np.float64), (len(w),))[:, None], 1e-3)
    openness = w / base
    valley = (np.minimum(w[:, :HALF].max(axis=1), w[:, HALF + 1:].max(axis=1)) - w[:, HALF]) / base[:, 0]
    return np.concatenate([w, w - top, w / np.maximum(top, 1e-3), depth[:, None], openness,
                           openness.min(axis=1, keepdims=True), valley[:, None]], axis=1)


MIN_RUN_FRAMES = 2
"""A blink needs at least this many consecutive positive frames at 30 fps (a lone frame is noise)."""
BRIDGE_FRAMES = 1
"""Gaps of at most this many negative frames inside a blink are closed first (jitter, not a reopening)."""


def events_from_mask(mask: np.ndarray, fps30: float, src_fps: float, n_src: int) -> list[BlinkEvent]:
    """Runs of consecutive positive 30 fps frames (gaps up to ``BRIDGE_FRAMES`` closed) -> events in the
    source frame rate."""
    events = []
    mask = np.asarray(mask, bool).copy()
    for gap in range(1, BRIDGE_FRAMES + 1):  # a gap of `gap` frames with positives on both sides
        if len(mask) > gap + 1:
            inner = mask[: -gap - 1] & mask[gap + 1:]
            for k in range(1, gap + 1):
                mask[k: len(mask) - gap - 1 + k] |= inner
    padded = np.concatenate([[False], mask, [False]])
    starts = np.flatnonzero(~padded[:-1] & padded[1:])
    ends = np.flatnonzero(padded[:-1] & ~padded[1:]) - 1
    for s, e in zip(starts, ends):
        if e - s + 1 >= MIN_RUN_FRAMES:
            events.append(_event(int(s), int(e), src_fps, n_src, fps30))
    return events


def _event(start: int, end: int, src_fps: float, n_src: int, fps30: float = DETECTOR_FPS) -> BlinkEvent:
    """Frames ``start..end`` (inclusive) at ``fps30`` -> an event in the source frame rate."""
    start_s, end_s = start / fps30, (end + 1) / fps30
    sf = min(int(round(start_s * src_fps)), n_src - 1)
    ef = min(max(sf, int(round(end_s * src_fps)) - 1), n_src - 1)
    return BlinkEvent(sf, ef, start_s, end_s)


CONTEXT_FRAMES = 6
"""Frames (at 30 fps) on each side of a candidate blink whose highest EAR is the level it must dip below."""
MAX_DIP_RATIO = 0.7
"""A candidate blink is kept only if its lowest EAR is below this fraction of the lower of the two side
levels: a lid that closes and reopens comes back up on both sides; the end of a squint, or noise inside one,
does not. Chosen on the real pyblinker take and on synthetic squints (see docs/blink.md)."""


def is_dip(ear30: np.ndarray, start: int, end: int, context: int = CONTEXT_FRAMES,
           ratio: float = MAX_DIP_RATIO) -> bool:
    """Whether frames ``start..end`` (inclusive, 30 fps) dip below ``ratio`` times the lower of the highest
    EAR among the ``context`` frames before and among those after them (one side is enough at the series'
    ends)."""
    before = ear30[max(0, start - context):start]
    after = ear30[end + 1:end + 1 + context]
    sides = [float(np.nanmax(x)) for x in (before, after) if len(x) and not np.isnan(x).all()]
    return not sides or float(np.nanmin(ear30[start:end + 1])) < ratio * min(sides)


MIN_REOPENING = 0.3
"""A candidate blink is split in two where the EAR rises between two closures by at least this fraction of the
open-eye EAR above the lower closure on each side (a double blink; noise on a shut lid is far smaller)."""


def split_at_reopenings(ear30: np.ndarray, open_ear: np.ndarray, start: int, end: int,
                        min_rise: float = MIN_REOPENING) -> list[tuple[int, int]]:
    """Frames ``start..end`` (inclusive, 30 fps) -> one or more (start, end) pieces, cut at the frame where the
    EAR comes back up highest between two closures, if it rises by ``min_rise`` of the open-eye EAR above the
    lowest EAR on both sides; pieces shorter than ``MIN_RUN_FRAMES`` are dropped. Recursive."""
    seg = np.asarray(ear30[start:end + 1], dtype=np.float64)
    if len(seg) < 2 * MIN_RUN_FRAMES + 1 or np.isnan(seg).any():
        return [(start, end)] if end - start + 1 >= MIN_RUN_FRAMES else []
    left_min = np.minimum.accumulate(seg)  # lowest EAR up to each frame
    right_min = np.minimum.accumulate(seg[::-1])[::-1]  # lowest EAR from each frame on
    rise = np.full(len(seg), -np.inf)
    rise[1:-1] = seg[1:-1] - np.maximum(left_min[:-2], right_min[2:])  # above the lower closure on each side
    k = int(np.argmax(rise))
    if rise[k] < min_rise * float(open_ear[start + k]):
        return [(start, end)]
    return (split_at_reopenings(ear30, open_ear, start, start + k - 1, min_rise)
            + split_at_reopenings(ear30, open_ear, start + k + 1, end, min_rise))


class _Detector:
    require_dip = False
    """Drop candidate events that are no dip (``is_dip``)."""

    def classify_windows(self, ear_windows: np.ndarray, open_ear: float | np.ndarray = TYPICAL_OPEN_EAR) -> np.ndarray:
        raise NotImplementedError

    def detect(self, ear_series: np.ndarray, fps: float) -> list[BlinkEvent]:
        """Blink events in an EAR series at any frame rate (NaN = no face)."""
        ear = np.asarray(ear_series, dtype=np.float64)
        if ear.ndim != 1:
            raise InputError(f"EAR series must be 1-D, got shape {ear.shape}")
        ear30 = resample_series(ear, fps)
        if len(ear30) == 0:
            return []
        w = windows(ear30)
        valid = ~np.isnan(w).any(axis=1)
        mask = np.zeros(len(w), bool)
        base = open_eye_baseline(ear30)
        if valid.any():
            mask[valid] = self.classify_windows(w[valid], base[valid])
        events = events_from_mask(mask, DETECTOR_FPS, fps, len(ear))
        if not self.require_dip:
            return events
        pieces = [piece for e in events for piece in split_at_reopenings(
            ear30, base, int(round(e.start_s * DETECTOR_FPS)), int(round(e.end_s * DETECTOR_FPS)) - 1)]
        return [_event(s, e, fps, len(ear)) for s, e in pieces if is_dip(ear30, s, e)]


@dataclass
class ThresholdDetector(_Detector):
    """Baseline: a frame is a blink when its EAR is below ``threshold``."""

    threshold: float = 0.2

    def classify_windows(self, ear_windows: np.ndarray, open_ear: float | np.ndarray = TYPICAL_OPEN_EAR) -> np.ndarray:
        """``open_ear`` is ignored: the threshold is absolute."""
        w = np.asarray(ear_windows, dtype=np.float64)
        return w[:, HALF] < self.threshold


@dataclass
class BlinkDetector(_Detector):
    """Linear SVM: ``decision = ((features - mean) / scale) @ weights + bias > 0``; events must be dips."""

    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray
    require_dip = True

    def classify_windows(self, ear_windows: np.ndarray, open_ear: float | np.ndarray = TYPICAL_OPEN_EAR) -> np.ndarray:
        """``(N, 7)`` EAR windows at 30 fps -> ``(N,)`` bool (True = the centre frame is in a blink).

        ``open_ear``: the person's open-eye EAR, one value or one per window (``detect`` estimates it
        from the whole series with ``open_eye_baseline``); by default a typical 0.30."""
        w = np.asarray(ear_windows, dtype=np.float64)
        if w.ndim != 2 or w.shape[1] != WINDOW:
            raise InputError(f"EAR windows must be (N, {WINDOW}), got {w.shape}")
        base = np.asarray(open_ear, dtype=np.float64)
        if base.ndim > 1 or (base.ndim == 1 and len(base) != len(w)):
            raise InputError(f"open_ear must be one value or one per window ({len(w)}), got shape {base.shape}")
        return self.decision(w, base) > 0

    def decision(self, ear_windows: np.ndarray, open_ear: float | np.ndarray = TYPICAL_OPEN_EAR) -> np.ndarray:
        return ((window_features(ear_windows, open_ear) - self.mean) / self.scale) @ self.weights + self.bias

    def save(self, path: str | Path) -> None:
        from model.files import atomic_path

        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, weights=self.weights, bias=np.float64(self.bias), mean=self.mean, scale=self.scale,
                         window=np.int64(WINDOW), fps=np.float64(DETECTOR_FPS), features=np.int64(FEATURE_VERSION))

    @classmethod
    def load(cls, path: str | Path) -> BlinkDetector:
        try:
            with np.load(path, allow_pickle=False) as z:
                if int(z["window"]) != WINDOW or float(z["fps"]) != DETECTOR_FPS:
                    raise InputError(f"{path}: classifier for {int(z['window'])}-frame windows "
                                     f"at {float(z['fps'])} fps")
                version = int(z["features"]) if "features" in z.files else 1
                if version != FEATURE_VERSION:
                    raise InputError(f"{path}: trained on version-{version} features, this detector computes version "
                                     f"{FEATURE_VERSION}; retrain it (`emoface blink train LABELS.csv -o MODEL.npz`)")
                return cls(z["weights"].astype(np.float64), float(z["bias"]), z["mean"], z["scale"])
        except FileNotFoundError:
            raise InputError(f"blink classifier not found: {path}") from None
        except (KeyError, ValueError, OSError) as exc:
            raise InputError(f"{path} is not a blink classifier: {exc}") from None

    @classmethod
    def default(cls) -> BlinkDetector:
        """The shipped classifier (trained on the synthetic corpus, see ``postfx.blink.train``)."""
        return cls.load(Path(str(resources.files("postfx").joinpath("blink/data/default_svm.npz"))))
