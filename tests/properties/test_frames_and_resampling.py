"""Frame counts and resampled lengths for any duration and rate (hypothesis)."""
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.constants import frame_count
from server.runtime.audio_io import resample, to_model_rate

# shared/reference/emoface_paper.md, "Network": frames for n samples at 16 kHz = floor(n / 16000 * 60).
PAPER_RATE_HZ, PAPER_FPS = 16_000, 60
COMMON_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 176400, 192000]
# any rate the service accepts (4-192 kHz) on a 100 Hz grid: every resampling ratio stays cheap to filter
rates = st.one_of(st.sampled_from(COMMON_RATES), st.integers(40, 1920).map(lambda r: r * 100))


@given(st.integers(0, 10**12))
def test_frame_count_is_the_papers_floor(n):
    assert frame_count(n) == math.floor(Fraction(n, PAPER_RATE_HZ) * PAPER_FPS)


@given(st.integers(0, 10**9), st.integers(1, 400_000), st.integers(1, 1000))
def test_frame_count_for_any_rate_and_fps(n, rate, fps):
    t = frame_count(n, rate, fps)
    assert t == n * fps // rate
    assert t / fps <= n / rate < (t + 1) / fps  # frame t-1 starts inside the audio, frame t would not end in it


@given(st.integers(0, 10**9), st.integers(1, 10**6))
def test_frame_count_is_monotonic_and_additive_within_one_frame(a, b):
    assert frame_count(a) <= frame_count(a + b)
    assert frame_count(a) + frame_count(b) <= frame_count(a + b) <= frame_count(a) + frame_count(b) + 1


@given(st.integers(-10**9, -1))
def test_negative_sample_counts_are_rejected(n):
    with pytest.raises(ValueError):
        frame_count(n)


@settings(max_examples=60, deadline=None)
@given(rates, st.integers(0, 20_000), st.integers(0, 2**32 - 1))
def test_resampled_length_is_floor_of_duration_times_rate(rate, n, seed):
    x = np.random.default_rng(seed).uniform(-1, 1, n).astype(np.float32)
    y = resample(x, rate, PAPER_RATE_HZ)
    assert y.dtype == np.float32
    assert len(y) == n * PAPER_RATE_HZ // rate
    assert frame_count(len(y)) <= math.floor(Fraction(n, rate) * PAPER_FPS)  # never more frames than the audio lasts


@settings(max_examples=30, deadline=None)
@given(rates, st.integers(1, 8), st.integers(0, 8000))
def test_to_model_rate_mixes_channels_and_keeps_the_duration(rate, channels, n):
    x = np.tile(np.linspace(-0.5, 0.5, n, dtype=np.float32)[:, None], (1, channels))
    y = to_model_rate(x, rate)
    assert y.ndim == 1 and len(y) == n * PAPER_RATE_HZ // rate
    if rate == PAPER_RATE_HZ:
        assert np.allclose(y, x[:, 0], atol=1e-6)  # identical channels mix to themselves


@settings(max_examples=30, deadline=None)
@given(rates, st.floats(-0.9, 0.9), st.integers(2000, 8000))
def test_resampling_keeps_a_constant_signal_away_from_the_edges(rate, level, n):
    y = resample(np.full(n, level, np.float32), rate, PAPER_RATE_HZ)
    edge = max(len(y) // 5, 1)
    assert np.allclose(y[edge:-edge], level, atol=2e-3)
