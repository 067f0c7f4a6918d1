"""Savitzky-Golay smoothing along time (paper: window 15, order 3, edge mode "nearest").

Implemented as a correlation with Savitzky-Golay taps (:func:`savgol_taps`) over an
edge-padded signal, which is what ``scipy.signal.savgol_filter(mode="nearest")`` computes,
so :class:`StreamSmoother` can reproduce the offline result frame by frame. A stream that
cannot wait for the full half window uses an asymmetric window (``lookahead_frames``)
evaluated off-centre.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from postfx._validate import check_int


@dataclass(frozen=True)
class SmoothingOptions:
    """Savitzky-Golay parameters.

    enabled: apply smoothing at all.
    window_frames: odd window length in frames (paper: 15).
    polyorder: polynomial order, below the window length (paper: 3).
    """

    enabled: bool = True
    window_frames: int = 15
    polyorder: int = 3

    def __post_init__(self) -> None:
        check_int("smoothing.window_frames", self.window_frames, 3, 301)
        if self.window_frames % 2 == 0:
            raise_even(self.window_frames)
        check_int("smoothing.polyorder", self.polyorder, 0, self.window_frames - 1)

    @property
    def half_window(self) -> int:
        return self.window_frames // 2


def raise_even(window: int) -> None:
    from model.errors import InputError

    raise InputError(f"option smoothing.window_frames must be odd, got {window}")


def _coeffs(opts: SmoothingOptions, lookahead: int) -> tuple[np.ndarray, int]:
    """Correlation taps and left extent for a window reaching ``lookahead`` frames ahead."""
    h = opts.half_window
    lookahead = min(lookahead, h)
    left = opts.window_frames - 1 - lookahead
    return savgol_taps(opts.window_frames, opts.polyorder, left), left


def savgol_taps(window_frames: int, polyorder: int, left: int) -> np.ndarray:
    """Savitzky-Golay taps ``(window_frames,)`` for ``x[t-left .. t+window_frames-1-left]``: the value at
    ``t`` of the least-squares polynomial of degree ``polyorder`` over the window (what
    ``scipy.signal.savgol_coeffs(window_frames, polyorder, pos=left, use="dot")`` returns, without
    importing scipy.signal, which takes about a second)."""
    x = np.arange(-left, window_frames - left, dtype=np.float64)  # (W,) frame offsets from t
    vandermonde = x ** np.arange(polyorder + 1).reshape(-1, 1)  # (P+1, W)
    unit = np.zeros(polyorder + 1)
    unit[0] = 1.0  # the polynomial's value (derivative 0) at offset 0
    return np.linalg.lstsq(vandermonde, unit, rcond=None)[0]


def smooth(frames: np.ndarray, opts: SmoothingOptions) -> np.ndarray:
    """Smooth ``(T, C)`` frames along time; returns float32 of the same shape."""
    if not opts.enabled or len(frames) == 0:
        return frames.astype(np.float32, copy=True)
    taps, left = _coeffs(opts, opts.half_window)
    right = opts.window_frames - 1 - left
    padded = np.pad(frames.astype(np.float64), ((left, right), (0, 0)), mode="edge")  # (T+W-1, C)
    windows = np.lib.stride_tricks.sliding_window_view(padded, opts.window_frames, axis=0)  # (T, C, W)
    return (windows @ taps).astype(np.float32)


class StreamSmoother:
    """Incremental smoothing: push raw frames, get smoothed frames once their window is in.

    With ``lookahead_frames >= half_window`` the output equals :func:`smooth` on the whole
    clip exactly. A smaller lookahead uses an off-centre window and emits frames sooner.
    """

    def __init__(self, opts: SmoothingOptions, lookahead_frames: int | None = None):
        self.opts = opts
        h = opts.half_window
        self.lookahead = h if lookahead_frames is None else max(0, min(lookahead_frames, h))
        self._taps, self._left = _coeffs(opts, self.lookahead)
        self._buf: np.ndarray | None = None  # (left + pending, C) raw frames incl. left padding
        self._emitted = 0
        self._received = 0

    @property
    def delay_frames(self) -> int:
        """Frames the smoother holds back before a frame is final."""
        return self.lookahead if self.opts.enabled else 0

    def push(self, frames: np.ndarray) -> np.ndarray:
        """Add raw ``(n, C)`` frames; return the smoothed frames now final."""
        frames = np.asarray(frames, dtype=np.float64)
        if len(frames) == 0:
            return np.zeros((0, frames.shape[1] if frames.ndim == 2 else 0), np.float32)
        if not self.opts.enabled:
            self._received += len(frames)
            self._emitted += len(frames)
            return frames.astype(np.float32)
        if self._buf is None:
            self._buf = np.repeat(frames[:1], self._left, axis=0)
        self._buf = np.concatenate([self._buf, frames])
        self._received += len(frames)
        return self._drain(final=False)

    def finish(self) -> np.ndarray:
        """Emit the held-back frames, padding the end with the last frame."""
        if not self.opts.enabled or self._buf is None or self._emitted == self._received:
            return np.zeros((0, 0 if self._buf is None else self._buf.shape[1]), np.float32)
        return self._drain(final=True)

    def _drain(self, final: bool) -> np.ndarray:
        assert self._buf is not None
        w = self.opts.window_frames
        if final:
            right = w - 1 - self._left
            self._buf = np.concatenate([self._buf, np.repeat(self._buf[-1:], right, axis=0)])
        ready = len(self._buf) - (w - 1)
        if not final:
            ready = min(ready, self._received - self._emitted)
        if ready <= 0:
            return np.zeros((0, self._buf.shape[1]), np.float32)
        windows = np.lib.stride_tricks.sliding_window_view(self._buf[: ready + w - 1], w, axis=0)  # (ready, C, W)
        out = (windows @ self._taps).astype(np.float32)
        self._buf = self._buf[ready:]
        self._emitted += ready
        return out
