"""Polyphase resampling in NumPy: the same filter and alignment as ``scipy.signal.resample_poly``
(Kaiser-windowed sinc, beta 5, 10 taps per side at the slower rate), without importing
``scipy.signal``, which takes about a second and would be every command's slowest import.

Only the outputs are computed, never the zero-stuffed upsampled signal: output ``j`` sits at
position ``j * down`` of the upsampled grid and needs one phase of the filter, ``h[r::up]`` with
``r = j * down % up``, against the input samples ending at ``j * down // up``.
"""
from __future__ import annotations

import numpy as np

KAISER_BETA = 5.0
TAPS_PER_SIDE = 10  # at the slower of the two rates
_CHUNK_OUTPUTS = 1 << 16  # outputs computed per block, bounding memory for hours of audio


def lowpass_taps(up: int, down: int) -> np.ndarray:
    """The anti-aliasing filter ``(2 * half_len + 1,)``, gain ``up``, as scipy's ``firwin`` builds it."""
    max_rate = max(up, down)
    cutoff = 1.0 / max_rate  # relative to the Nyquist rate of the upsampled signal
    half_len = TAPS_PER_SIDE * max_rate
    m = np.arange(2 * half_len + 1) - half_len
    h = cutoff * np.sinc(cutoff * m) * np.kaiser(2 * half_len + 1, KAISER_BETA)
    return h / h.sum() * up


def resample_poly(x: np.ndarray, up: int, down: int) -> np.ndarray:
    """``(n,)`` float signal resampled by ``up / down`` (coprime) -> ``(ceil(n * up / down),)`` float64."""
    x = np.asarray(x, dtype=np.float64)
    if up == down == 1:
        return x.copy()
    h = lowpass_taps(up, down)
    half_len = (len(h) - 1) // 2
    n_out = -(-len(x) * up // down)
    pre_pad = down - half_len % down  # zeros before the filter so its centre falls on an output
    first = (half_len + pre_pad) // down  # outputs of the filter's delay, skipped
    h = np.concatenate([np.zeros(pre_pad), h])
    phases = -(-len(h) // up)  # taps per phase
    padded = np.concatenate([h, np.zeros(up * phases - len(h))])
    bank = padded.reshape(phases, up).T[:, ::-1]  # (up, L): bank[r, L-1-t] = h[r + up * t], oldest input first
    j = np.arange(first, first + n_out, dtype=np.int64)
    last_in = j * down // up  # index of the newest input sample each output sees
    xpad = np.concatenate([np.zeros(phases - 1), x, np.zeros(max(0, int(last_in[-1]) + 1 - len(x)))])
    windows = np.lib.stride_tricks.sliding_window_view(xpad, phases)  # windows[q] = x[q-L+1 .. q]
    out = np.empty(n_out)
    for s in range(0, n_out, _CHUNK_OUTPUTS):
        sl = slice(s, s + _CHUNK_OUTPUTS)
        out[sl] = np.einsum("jt,jt->j", windows[last_in[sl]], bank[j[sl] * down % up])
    return out
