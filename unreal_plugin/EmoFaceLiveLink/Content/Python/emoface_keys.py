"""Frame-rate conversion, key times, key reduction and audio alignment for the Sequencer import.

Standard library only, no ``unreal`` import. Times stay exact fractions (:class:`fractions.Fraction`)
until they become integer frame numbers, so a 60 fps bake lands on the right frames of a 24, 30 or
60 fps sequence (and of NTSC rates such as 30000/1001).

Sequencer's terms, used throughout:

- *display rate*: the sequence's frame rate shown in the UI (24 fps, ...); *display frames* count it;
- *tick resolution*: the finer rate keys are stored at (24000 ticks per second by default);
- *source fps*: the bake's frame rate (60 fps). Baked frame *i* shows the face at ``i / fps`` seconds
  after the first audio sample (``emoface`` makes ``floor(samples / sample_rate * fps)`` frames).

Key rates (``key_rate``):

- ``"display"`` (default): one key on every display frame the clip covers, its value the bake's
  curve linearly interpolated at that frame's time; keys sit on whole frames, which is what
  animators edit. At a 60 fps display rate this is exactly one key per baked frame.
- ``"source"``: one key per baked frame at its exact time in ticks (sub-frame keys in a 24 or 30
  fps sequence), so nothing is resampled.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

KEY_RATES = ("display", "source")


class KeyTimeError(ValueError):
    """Key times that cannot be represented (a frame rate, or ticks too coarse for the keys)."""


def frame_rate(value: object) -> Fraction:
    """A positive frame rate from ``24``, ``29.97``, ``"30000/1001"``, ``(30000, 1001)`` or a Fraction.

    Decimal NTSC rates (23.976, 29.97, 59.94) become their exact ``N * 1000 / 1001`` fractions.
    """
    try:
        if isinstance(value, tuple) and len(value) == 2:
            rate = Fraction(int(value[0]), int(value[1]))
        elif isinstance(value, str) and "/" in value:
            numerator, denominator = value.split("/", 1)
            rate = Fraction(int(numerator), int(denominator))
        elif isinstance(value, Fraction):
            rate = value
        elif isinstance(value, (int, float, str)) and not isinstance(value, bool):
            rate = _ntsc(Fraction(value).limit_denominator(1000))
        else:
            raise TypeError
    except (TypeError, ValueError, ZeroDivisionError):
        raise KeyTimeError(f"not a frame rate: {value!r} (use e.g. 24, 29.97, '30000/1001' or (24, 1))") from None
    if rate <= 0:
        raise KeyTimeError(f"frame rate must be positive, got {value!r}")
    return rate


def _ntsc(rate: Fraction) -> Fraction:
    """``29.97`` -> ``30000/1001``: a decimal within 0.005 of ``N * 1000 / 1001`` is that NTSC rate."""
    if rate.denominator == 1:
        return rate
    n = round(float(rate) * 1.001)
    return Fraction(n * 1000, 1001) if n >= 1 and abs(float(rate) - n * 1000 / 1001) < 0.005 else rate


def covered_frames(num_frames: int, source_fps: Fraction, rate: Fraction) -> int:
    """How many frames at ``rate`` the clip's duration ``num_frames / source_fps`` covers (rounded up)."""
    return math.ceil(Fraction(num_frames) * rate / source_fps)


# ----------------------------------------------------------------------------- key times
@dataclass(frozen=True)
class KeyPlan:
    """Where the keys of every control go.

    time_unit: ``"display"`` (``frames`` are display frames) or ``"tick"`` (tick-resolution frames);
    frames: the key times, absolute in the sequence (``start_frame`` included), strictly increasing;
    positions: for each key, the (possibly fractional) baked frame it samples;
    max_rounding_s: the largest distance between a key's time and its exact baked time (0 unless
    ``key_rate="source"`` meets a tick resolution that cannot hold the source frames exactly).
    """

    time_unit: str
    frames: tuple[int, ...]
    positions: tuple[Fraction, ...]
    max_rounding_s: float = 0.0


def plan_keys(num_frames: int, source_fps: Fraction, display_rate: Fraction, tick_rate: Fraction,
              start_frame: int = 0, key_rate: str = "display") -> KeyPlan:
    """Key times for a clip of ``num_frames`` whose frame 0 plays at display frame ``start_frame``."""
    if key_rate not in KEY_RATES:
        raise KeyTimeError(f"key_rate must be one of {KEY_RATES}, got {key_rate!r}")
    if num_frames < 1:
        raise KeyTimeError("a clip needs at least one frame")
    if key_rate == "display":
        count = covered_frames(num_frames, source_fps, display_rate)
        positions = tuple(Fraction(k) * source_fps / display_rate for k in range(count))
        return KeyPlan("display", tuple(start_frame + k for k in range(count)), positions)
    start_tick = Fraction(start_frame) * tick_rate / display_rate
    exact = [start_tick + Fraction(i) * tick_rate / source_fps for i in range(num_frames)]
    ticks = tuple(round(t) for t in exact)
    if any(b <= a for a, b in zip(ticks, ticks[1:])):
        raise KeyTimeError(f"the tick resolution {_rate_text(tick_rate)} cannot hold one key per frame at "
                           f"{_rate_text(source_fps)} fps; use key_rate='display' or a finer tick resolution")
    worst = max(abs(Fraction(t) - e) for t, e in zip(ticks, exact))
    return KeyPlan("tick", ticks, tuple(Fraction(i) for i in range(num_frames)), float(worst / tick_rate))


def sample(values: Sequence[float], positions: Sequence[Fraction]) -> list[float]:
    """``values`` linearly interpolated at fractional frame ``positions`` (held after the last frame)."""
    last = len(values) - 1
    out = []
    for p in positions:
        if p >= last:
            out.append(float(values[last]))
            continue
        i = math.floor(p)
        frac = float(p - i)
        out.append(float(values[i]) if frac == 0 else values[i] + (values[i + 1] - values[i]) * frac)
    return out


def key_seconds(plan: KeyPlan, display_rate: Fraction, tick_rate: Fraction) -> list[float]:
    """Each key's time in seconds from the sequence's frame 0."""
    rate = display_rate if plan.time_unit == "display" else tick_rate
    return [float(Fraction(f) / rate) for f in plan.frames]


# ----------------------------------------------------------------------------- key reduction
def reduce_keys(times: Sequence[float], curves: Sequence[Sequence[float]], tolerance: float | None) -> list[int]:
    """Indices of the keys to keep so that linear interpolation between kept keys reproduces every
    dropped key of every curve within ``tolerance`` (the curves share key times, e.g. the X and Y
    of a Vector2D control). First and last keys are always kept; ``tolerance=None`` keeps all.

    Greedy, one pass: from an anchor key, extend the segment while the slope to the candidate end
    stays inside every skipped key's feasible slope interval ``[(v - tol - v0) / dt, (v + tol - v0) / dt]``.
    """
    n = len(times)
    if tolerance is None or n <= 2:
        return list(range(n))
    if not (isinstance(tolerance, (int, float)) and math.isfinite(tolerance) and tolerance >= 0):
        raise ValueError(f"reduce tolerance must be a non-negative number or None, got {tolerance!r}")
    kept, anchor = [0], 0
    lows, highs = [-math.inf] * len(curves), [math.inf] * len(curves)
    j = 1
    while j < n:
        dt = times[j] - times[anchor]
        slopes = [(c[j] - c[anchor]) / dt for c in curves]
        if all(lo <= s <= hi for s, lo, hi in zip(slopes, lows, highs)):
            for k, c in enumerate(curves):  # j may be skipped by a longer segment: add its interval
                lows[k] = max(lows[k], (c[j] - tolerance - c[anchor]) / dt)
                highs[k] = min(highs[k], (c[j] + tolerance - c[anchor]) / dt)
            j += 1
            continue
        anchor = j - 1
        kept.append(anchor)
        lows, highs = [-math.inf] * len(curves), [math.inf] * len(curves)
    if kept[-1] != n - 1:
        kept.append(n - 1)
    return kept


# ----------------------------------------------------------------------------- audio alignment
@dataclass(frozen=True)
class Alignment:
    """Where the clip and its audio sit in the sequence, in display frames (end frames exclusive).

    start_frame: where baked frame 0 and the first audio sample both play (the audio section's start);
    offset_s: ``start_frame`` in seconds from the sequence's frame 0;
    clip_end_frame: ``start_frame`` + the display frames the clip covers;
    audio_end_frame: ``start_frame`` + the display frames the audio covers (None if its length is unknown);
    playback_start_frame / playback_end_frame: a playback range covering the clip and its audio (and,
    for an existing sequence, its previous range).
    """

    start_frame: int
    offset_s: float
    clip_end_frame: int
    audio_end_frame: int | None
    playback_start_frame: int
    playback_end_frame: int


def align(num_frames: int, source_fps: Fraction, display_rate: Fraction, start_frame: int = 0,
          audio_duration_s: float | None = None, existing_range: tuple[int, int] | None = None) -> Alignment:
    """Align the clip and its audio so that frame 0 and the first audio sample play together."""
    clip_end = start_frame + covered_frames(num_frames, source_fps, display_rate)
    audio_end = None
    if audio_duration_s is not None:
        if not (math.isfinite(audio_duration_s) and audio_duration_s > 0):
            raise KeyTimeError(f"audio duration must be a positive number of seconds, got {audio_duration_s!r}")
        audio_end = start_frame + max(1, math.ceil(Fraction(audio_duration_s) * display_rate - Fraction(1, 10**6)))
    lo, hi = start_frame, max(clip_end, audio_end or clip_end)
    if existing_range is not None:
        lo, hi = min(lo, existing_range[0]), max(hi, existing_range[1])
    return Alignment(start_frame, float(Fraction(start_frame) / display_rate), clip_end, audio_end, lo, hi)


def _rate_text(rate: Fraction) -> str:
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"
