"""Blink detection from an EAR series: a linear SVM over 7-frame windows at 30 fps, and the
fixed-threshold baseline.

Series at other frame rates are resampled to 30 fps first. Each frame's window is EAR at
frames t-3..t+3; the SVM sees the 7 values, the 7 values minus the window's maximum (the dip
relative to the open eye around it) and the centre's depth below the window's ends, so a
brief dip (a blink) separates from a long, slow lowering (a squint or a smile). Windows that
touch a frame without a face are never blinks. Only runs of consecutive positive frames form
an event. The trained classifier is stored as plain arrays (``.npz``, no pickle).
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


def window_features(w: np.ndarray) -> np.ndarray:
    """``(N, 7)`` EAR windows -> ``(N, 22)`` SVM features: raw values, values relative to the
    window's maximum (difference and ratio: independent of the person's open-eye EAR), and the
    centre's depth below the window's ends."""
    w = np.asarray(w, dtype=np.float64)
    top = w.max(axis=1, keepdims=True)
    ends = (w[:, :2].mean(axis=1) + w[:, -2:].mean(axis=1)) / 2
    return np.concatenate([w, w - top, w / np.maximum(top, 1e-3), ((ends - w[:, HALF]) / np.maximum(ends, 1e-3))[:, None]],
                          axis=1)


MIN_RUN_FRAMES = 2
"""A blink needs at least this many consecutive positive frames at 30 fps (a lone frame is noise)."""


def events_from_mask(mask: np.ndarray, fps30: float, src_fps: float, n_src: int) -> list[BlinkEvent]:
    """Runs of consecutive positive 30 fps frames -> events in the source frame rate."""
    events = []
    padded = np.concatenate([[False], mask, [False]])
    starts = np.flatnonzero(~padded[:-1] & padded[1:])
    ends = np.flatnonzero(padded[:-1] & ~padded[1:]) - 1
    for s, e in zip(starts, ends):
        if e - s + 1 < MIN_RUN_FRAMES:
            continue
        start_s, end_s = s / fps30, (e + 1) / fps30
        sf = min(int(round(start_s * src_fps)), n_src - 1)
        ef = min(max(sf, int(round(end_s * src_fps)) - 1), n_src - 1)
        events.append(BlinkEvent(sf, ef, start_s, end_s))
    return events


class _Detector:
    def classify_windows(self, ear_windows: np.ndarray) -> np.ndarray:
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
        if valid.any():
            mask[valid] = self.classify_windows(w[valid])
        return events_from_mask(mask, DETECTOR_FPS, fps, len(ear))


@dataclass
class ThresholdDetector(_Detector):
    """Baseline: a frame is a blink when its EAR is below ``threshold``."""

    threshold: float = 0.2

    def classify_windows(self, ear_windows: np.ndarray) -> np.ndarray:
        w = np.asarray(ear_windows, dtype=np.float64)
        return w[:, HALF] < self.threshold


@dataclass
class BlinkDetector(_Detector):
    """Linear SVM: ``decision = ((features - mean) / scale) @ weights + bias > 0``."""

    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray

    def classify_windows(self, ear_windows: np.ndarray) -> np.ndarray:
        """``(N, 7)`` EAR windows at 30 fps -> ``(N,)`` bool (True = the centre frame is in a blink)."""
        w = np.asarray(ear_windows, dtype=np.float64)
        if w.ndim != 2 or w.shape[1] != WINDOW:
            raise InputError(f"EAR windows must be (N, {WINDOW}), got {w.shape}")
        return self.decision(w) > 0

    def decision(self, ear_windows: np.ndarray) -> np.ndarray:
        return ((window_features(ear_windows) - self.mean) / self.scale) @ self.weights + self.bias

    def save(self, path: str | Path) -> None:
        from model.files import atomic_path

        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, weights=self.weights, bias=np.float64(self.bias), mean=self.mean, scale=self.scale,
                         window=np.int64(WINDOW), fps=np.float64(DETECTOR_FPS))

    @classmethod
    def load(cls, path: str | Path) -> BlinkDetector:
        try:
            with np.load(path, allow_pickle=False) as z:
                if int(z["window"]) != WINDOW or float(z["fps"]) != DETECTOR_FPS:
                    raise InputError(f"{path}: classifier for {int(z['window'])}-frame windows at {float(z['fps'])} fps")
                return cls(z["weights"].astype(np.float64), float(z["bias"]), z["mean"], z["scale"])
        except FileNotFoundError:
            raise InputError(f"blink classifier not found: {path}") from None
        except (KeyError, ValueError, OSError) as exc:
            raise InputError(f"{path} is not a blink classifier: {exc}") from None

    @classmethod
    def default(cls) -> BlinkDetector:
        """The shipped classifier (trained on the synthetic corpus, see ``postfx.blink.train``)."""
        return cls.load(Path(str(resources.files("postfx").joinpath("blink/data/default_svm.npz"))))
