"""Emotion tracks: labels, intensities and time-coded keys -> per-frame emotion input.

A plain label is a track with one key, so a label, a label with intensity and a
time-coded track all go through :meth:`EmotionTrack.at_times`.

Key semantics: at ``time_s`` the track starts moving from wherever it is to the key's
weights and intensity, linearly over ``transition_s`` seconds (0 = a cut). Before the
first key the first key holds.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model.constants import EMOTIONS, FPS, UnknownEmotionError, emotion_index
from model.errors import InputError


class EmotionSpecError(InputError):
    """A malformed emotion label, intensity or track."""


@dataclass(frozen=True)
class EmotionKey:
    """One key of a track. ``weights`` has one entry per emotion and sums to 1."""

    time_s: float
    weights: tuple[float, ...]
    intensity: float = 1.0
    transition_s: float = 0.0

    def __post_init__(self) -> None:
        if len(self.weights) != len(EMOTIONS):
            raise EmotionSpecError(f"emotion weights need {len(EMOTIONS)} values, got {len(self.weights)}")
        if not np.isfinite(self.time_s) or self.time_s < 0:
            raise EmotionSpecError(f"emotion key time must be a finite number >= 0, got {self.time_s}")
        if not 0.0 <= self.intensity <= 1.0:
            raise EmotionSpecError(f"emotion intensity must be in [0, 1], got {self.intensity}")
        if not np.isfinite(self.transition_s) or self.transition_s < 0:
            raise EmotionSpecError(f"emotion transition must be >= 0 seconds, got {self.transition_s}")
        if any((not np.isfinite(w)) or w < 0 for w in self.weights) or abs(sum(self.weights) - 1.0) > 1e-4:
            raise EmotionSpecError("emotion weights must be >= 0 and sum to 1")

    @property
    def label(self) -> str:
        """Name of the dominant emotion."""
        return EMOTIONS[int(np.argmax(self.weights))]


def one_hot(label: str) -> tuple[float, ...]:
    w = [0.0] * len(EMOTIONS)
    w[emotion_index(label)] = 1.0
    return tuple(w)


def normalise_weights(weights: dict[str, float] | list[float] | tuple[float, ...]) -> tuple[float, ...]:
    """Weights given as a name -> weight mapping or a 7-vector, normalised to sum 1."""
    if isinstance(weights, dict):
        vec = [0.0] * len(EMOTIONS)
        for name, value in weights.items():
            vec[emotion_index(name)] += float(value)
    else:
        vec = [float(v) for v in weights]
    total = sum(vec)
    if len(vec) != len(EMOTIONS) or total <= 0 or any(v < 0 or not np.isfinite(v) for v in vec):
        raise EmotionSpecError(f"emotion weights must be {len(EMOTIONS)} non-negative numbers with a positive sum")
    return tuple(v / total for v in vec)


def parse_intensity(text: str | float) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise EmotionSpecError(f"emotion intensity must be a number in [0, 1], got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise EmotionSpecError(f"emotion intensity must be in [0, 1], got {value}")
    return value


@dataclass(frozen=True)
class EmotionTrack:
    """An ordered sequence of :class:`EmotionKey` (times non-decreasing, at least one key)."""

    keys: tuple[EmotionKey, ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise EmotionSpecError("an emotion track needs at least one key")
        times = [k.time_s for k in self.keys]
        if any(b < a for a, b in zip(times, times[1:])):
            raise EmotionSpecError("emotion key times must be in non-decreasing order")

    # -- constructors -------------------------------------------------------
    @classmethod
    def constant(cls, label: str = "neutral", intensity: float = 1.0) -> EmotionTrack:
        return cls((EmotionKey(0.0, one_hot(label), parse_intensity(intensity)),))

    @classmethod
    def parse(cls, spec: str) -> EmotionTrack:
        """``"happy"`` or ``"happy:0.6"`` (label with intensity)."""
        if not isinstance(spec, str) or not spec.strip():
            raise EmotionSpecError("empty emotion; expected NAME or NAME:INTENSITY")
        label, _, intensity = spec.strip().partition(":")
        return cls.constant(label, parse_intensity(intensity) if intensity else 1.0)

    @classmethod
    def from_obj(cls, obj: Any) -> EmotionTrack:
        """From JSON data: a list of keys or ``{"keys": [...]}``.

        Each key: ``time`` (s), ``emotion`` (label) or ``weights`` (name -> weight or a
        7-list), optional ``intensity`` (default 1) and ``transition`` (s, default 0).
        """
        raw = obj.get("keys") if isinstance(obj, dict) else obj
        if not isinstance(raw, list) or not raw:
            raise EmotionSpecError('an emotion track is a non-empty list of keys or {"keys": [...]}')
        keys = [key_from_obj(k) for k in raw]
        return cls(tuple(sorted(keys, key=lambda k: k.time_s)))

    @classmethod
    def load(cls, path: str | Path) -> EmotionTrack:
        try:
            obj = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise EmotionSpecError(f"emotion track file not found: {path}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise EmotionSpecError(f"emotion track {path} is not valid JSON: {exc}") from None
        return cls.from_obj(obj)

    def to_obj(self) -> dict[str, Any]:
        return {
            "keys": [
                {
                    "time": k.time_s,
                    "weights": dict(zip(EMOTIONS, k.weights)),
                    "intensity": k.intensity,
                    "transition": k.transition_s,
                }
                for k in self.keys
            ]
        }

    def with_keys(self, more: list[EmotionKey] | tuple[EmotionKey, ...]) -> EmotionTrack:
        """A new track with extra keys merged in time order (stable for equal times)."""
        return EmotionTrack(tuple(sorted((*self.keys, *more), key=lambda k: k.time_s)))

    # -- evaluation ---------------------------------------------------------
    def _start_states(self) -> tuple[np.ndarray, np.ndarray]:
        """State (weights, intensity) just before each key starts its transition."""
        targets = np.array([k.weights for k in self.keys], dtype=np.float64)
        intens = np.array([k.intensity for k in self.keys], dtype=np.float64)
        start_w, start_i = targets.copy(), intens.copy()
        for i in range(1, len(self.keys)):
            prev = self.keys[i - 1]
            dt = self.keys[i].time_s - prev.time_s
            alpha = 1.0 if prev.transition_s <= 0 else min(1.0, dt / prev.transition_s)
            start_w[i] = start_w[i - 1] + alpha * (targets[i - 1] - start_w[i - 1])
            start_i[i] = start_i[i - 1] + alpha * (intens[i - 1] - start_i[i - 1])
        return start_w, start_i

    def at_times(self, times_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Weights ``(T, 7)`` and intensity ``(T,)`` (float32) at the given times."""
        times = np.asarray(times_s, dtype=np.float64)
        key_times = np.array([k.time_s for k in self.keys])
        idx = np.clip(np.searchsorted(key_times, times, side="right") - 1, 0, None)  # (T,)
        start_w, start_i = self._start_states()
        targets = np.array([k.weights for k in self.keys])
        intens = np.array([k.intensity for k in self.keys])
        trans = np.array([k.transition_s for k in self.keys])
        elapsed = np.maximum(times - key_times[idx], 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            alpha = np.where(trans[idx] > 0, np.clip(elapsed / trans[idx], 0.0, 1.0), 1.0)
        before_first = times < key_times[0]
        alpha = np.where(before_first, 1.0, alpha)
        weights = start_w[idx] + alpha[:, None] * (targets[idx] - start_w[idx])  # (T, 7)
        intensity = start_i[idx] + alpha * (intens[idx] - start_i[idx])  # (T,)
        return weights.astype(np.float32), intensity.astype(np.float32)

    def at_frames(self, num_frames: int, fps: float = FPS, start_frame: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Per-frame weights and intensity for frames ``start_frame .. start_frame+num_frames-1``."""
        return self.at_times((start_frame + np.arange(num_frames)) / fps)


def key_from_obj(obj: Any) -> EmotionKey:
    if not isinstance(obj, dict):
        raise EmotionSpecError(f"an emotion key must be an object, got {obj!r}")
    unknown = set(obj) - {"time", "emotion", "weights", "intensity", "transition"}
    if unknown:
        raise EmotionSpecError(f"unknown emotion key field(s): {', '.join(sorted(unknown))}")
    if ("emotion" in obj) == ("weights" in obj):
        raise EmotionSpecError('each emotion key needs exactly one of "emotion" or "weights"')
    try:
        weights = one_hot(obj["emotion"]) if "emotion" in obj else normalise_weights(obj["weights"])
        time_s = float(obj.get("time", 0.0))
        transition_s = float(obj.get("transition", 0.0))
    except UnknownEmotionError as exc:
        raise EmotionSpecError(str(exc)) from None
    except (TypeError, ValueError) as exc:
        raise EmotionSpecError(f"bad emotion key {obj!r}: {exc}") from None
    return EmotionKey(time_s, weights, parse_intensity(obj.get("intensity", 1.0)), transition_s)
