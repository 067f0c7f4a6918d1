"""Audio in: encoded bytes (WAV/FLAC/OGG) or raw PCM -> 16 kHz mono float32.

Decoding uses libsndfile (``soundfile``); resampling is polyphase (:mod:`server.runtime.polyphase`).
Every failure is an :class:`AudioError` with a message the caller can act on.
"""
from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import soundfile as sf

from model.constants import SAMPLE_RATE_HZ
from model.errors import InputError
from server.runtime.limits import MAX_CHANNELS, MAX_SAMPLE_RATE_HZ, MIN_SAMPLE_RATE_HZ  # re-exported
from server.runtime.polyphase import resample_poly

ENCODED_FORMATS = ("WAV", "FLAC", "OGG")
PCM_ENCODINGS = {"s16le": np.dtype("<i2"), "f32le": np.dtype("<f4")}


class AudioError(InputError):
    """Audio that cannot be decoded or is outside the accepted limits."""


@dataclass(frozen=True)
class AudioLimits:
    """max_duration_s: longest accepted clip (None = no limit besides memory)."""

    max_duration_s: float | None = None


def decode_bytes(data: bytes, limits: AudioLimits = AudioLimits()) -> np.ndarray:
    """Encoded WAV/FLAC/OGG bytes -> 16 kHz mono float32 ``(n,)``."""
    return to_model_rate(*read_bytes(data, limits))


def decode_file(path: str | Path, limits: AudioLimits = AudioLimits()) -> np.ndarray:
    """Read an audio file -> 16 kHz mono float32."""
    return to_model_rate(*read_file(path, limits))


def read_bytes(data: bytes, limits: AudioLimits = AudioLimits()) -> tuple[np.ndarray, int]:
    """Encoded WAV/FLAC/OGG bytes as they are: ``(samples (n, channels) float32, sample rate in Hz)``."""
    if not data:
        raise AudioError("audio is empty (0 bytes)")
    try:
        info = sf.info(io.BytesIO(data))
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        raise AudioError(f"cannot decode audio: {_sf_reason(exc)}; accepted: WAV, FLAC, OGG, or raw PCM") from None
    if info.format not in ENCODED_FORMATS:
        raise AudioError(f"unsupported audio container {info.format}; accepted: {', '.join(ENCODED_FORMATS)}")
    if info.format == "WAV":
        _check_wav_chunks(data)
    _check_stream(info.samplerate, info.channels, info.frames, limits)
    try:
        samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise AudioError(f"cannot decode audio: {_sf_reason(exc)}") from None
    return samples, rate


def read_file(path: str | Path, limits: AudioLimits = AudioLimits()) -> tuple[np.ndarray, int]:
    """An audio file as it is: ``(samples (n, channels) float32, sample rate in Hz)``."""
    p = Path(path)
    if not p.is_file():
        raise AudioError(f"audio file not found: {p}")
    return read_bytes(p.read_bytes(), limits)


def decode_pcm(data: bytes, encoding: str, sample_rate_hz: int, channels: int,
               limits: AudioLimits = AudioLimits()) -> np.ndarray:
    """Raw interleaved PCM (``s16le`` or ``f32le``) -> 16 kHz mono float32."""
    if encoding not in PCM_ENCODINGS:
        raise AudioError(f"unsupported PCM encoding {encoding!r}; accepted: {', '.join(PCM_ENCODINGS)}")
    dtype = PCM_ENCODINGS[encoding]
    if channels < 1 or channels > MAX_CHANNELS:
        raise AudioError(f"channels must be 1..{MAX_CHANNELS}, got {channels}")
    frame_bytes = dtype.itemsize * channels
    if len(data) % frame_bytes:
        raise AudioError(f"PCM byte count {len(data)} is not a multiple of {frame_bytes} ({encoding}, {channels} ch)")
    _check_stream(sample_rate_hz, channels, len(data) // frame_bytes, limits)
    samples = np.frombuffer(data, dtype=dtype).reshape(-1, channels)
    if dtype.kind == "i":
        samples = samples.astype(np.float32) / 32768.0
    elif not np.all(np.isfinite(samples)):
        raise AudioError("PCM contains NaN or infinite samples")
    return to_model_rate(samples.astype(np.float32), sample_rate_hz)


def to_model_rate(samples: np.ndarray, rate_hz: int) -> np.ndarray:
    """``(n, channels)`` or ``(n,)`` float audio -> mono float32 at :data:`SAMPLE_RATE_HZ`."""
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    return resample(mono.astype(np.float32), rate_hz, SAMPLE_RATE_HZ)


def resample(x: np.ndarray, from_hz: int, to_hz: int) -> np.ndarray:
    """Polyphase resampling by the exact rational ratio."""
    if from_hz == to_hz or len(x) == 0:
        return x.astype(np.float32, copy=False)
    ratio = Fraction(to_hz, from_hz)
    y = resample_poly(x.astype(np.float64), ratio.numerator, ratio.denominator)
    n = math.floor(len(x) * to_hz / from_hz)
    return y[:n].astype(np.float32)


class StreamResampler:
    """Polyphase resampling of a signal that arrives in pieces, equal to resampling it whole.

    Each call resamples only a buffered segment that starts on a multiple of the
    decimation factor, with ``pad`` input samples of margin on the left and holds back
    the last ``pad`` samples' outputs until more input (or :meth:`finish`) arrives, so the
    FIR filter never sees a chunk edge. Matches :func:`resample` of the whole signal to
    float32 rounding; adds ``pad / from_hz`` s of delay (< 2 ms).
    """

    def __init__(self, from_hz: int, to_hz: int = SAMPLE_RATE_HZ):
        ratio = Fraction(to_hz, from_hz)
        self.up, self.down = ratio.numerator, ratio.denominator
        self.pad = math.ceil(10 * max(self.up, self.down) / self.up) + 2  # filter half-length (input samples)
        self._buf = np.zeros(0, np.float64)
        self._buf_start = 0  # absolute input index of self._buf[0] (a multiple of self.down)
        self._in_total = 0
        self._out_done = 0

    def push(self, x: np.ndarray) -> np.ndarray:
        """Add mono input ``(n,)``; return the output samples that became final."""
        self._buf = np.concatenate([self._buf, np.asarray(x, np.float64)])
        self._in_total += len(x)
        return self._emit(max(0, (self._in_total - self.pad) * self.up // self.down))

    def finish(self) -> np.ndarray:
        """End of input: the remaining outputs (total = floor(n_in * to / from))."""
        return self._emit(self._in_total * self.up // self.down)

    def _emit(self, out_end: int) -> np.ndarray:
        if self.up == self.down == 1:
            out, self._buf = self._buf.astype(np.float32), np.zeros(0, np.float64)
            self._out_done = self._in_total
            return out
        if out_end <= self._out_done:
            return np.zeros(0, np.float32)
        in_pos = self._out_done * self.down // self.up  # input index of the first output wanted
        seg_start = max(self._buf_start, (in_pos - self.pad) // self.down * self.down)
        y = resample_poly(self._buf[seg_start - self._buf_start:], self.up, self.down)
        first = seg_start * self.up // self.down
        out = y[self._out_done - first: out_end - first].astype(np.float32)
        self._out_done = out_end
        keep = max(self._buf_start, (self._out_done * self.down // self.up - self.pad) // self.down * self.down)
        self._buf, self._buf_start = self._buf[keep - self._buf_start:], keep
        return out


def _check_stream(rate: int, channels: int, frames: int, limits: AudioLimits) -> None:
    if not MIN_SAMPLE_RATE_HZ <= rate <= MAX_SAMPLE_RATE_HZ:
        raise AudioError(f"sample rate {rate} Hz is outside {MIN_SAMPLE_RATE_HZ}-{MAX_SAMPLE_RATE_HZ} Hz")
    if channels < 1 or channels > MAX_CHANNELS:
        raise AudioError(f"audio has {channels} channels; accepted 1..{MAX_CHANNELS}")
    if frames == 0:
        raise AudioError("audio contains no samples")
    duration = frames / rate
    if limits.max_duration_s is not None and duration > limits.max_duration_s:
        raise AudioError(f"audio is {duration:.1f} s long; the limit is {limits.max_duration_s:g} s")


def _check_wav_chunks(data: bytes) -> None:
    """AudioError when bytes follow the last RIFF chunk (junk appended after the audio is refused, not ignored).

    A truncated ``data`` chunk, or one written without seeking (size 0 or 0xFFFFFFFF), is left to the decoder.
    """
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return
    pos = 12
    while pos < len(data):
        chunk_id, size = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "little")
        end = pos + 8 + size + (size & 1)
        if chunk_id == b"data" and (size in (0, 0xFFFFFFFF) or end > len(data) + 1):
            return
        if pos + 8 > len(data) or end > len(data) + 1:  # (+1: a missing pad byte after an odd-sized last chunk)
            raise AudioError(f"{len(data) - pos} byte(s) after the WAV's last complete chunk; "
                             "send only the WAV file's bytes")
        pos = end


def _sf_reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    return re.sub(r"^Error opening <_io\.BytesIO object[^>]*>: ", "", text).strip().rstrip(".")
