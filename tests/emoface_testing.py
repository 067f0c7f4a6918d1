"""Test helpers shared by every test package: the ``emoface`` command, a tiny model config and test audio."""
from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import soundfile as sf
import torch

from model.config import EmoFaceConfig
from model.constants import SAMPLE_RATE_HZ

EMOFACE = [sys.executable, "-m", "server.cli"]
"""The ``emoface`` console command in the interpreter running the tests (no venv layout assumed)."""


def emoface(*args, timeout_s: float = 300, **kw) -> subprocess.CompletedProcess:
    """Run ``emoface ARGS...`` as a user would (a real process); text output captured."""
    return subprocess.run([*EMOFACE, *map(str, args)], capture_output=True, text=True, timeout=timeout_s, **kw)


TINY_CONFIG = EmoFaceConfig(name="tiny-test", audio_encoder="whisper", audio_width=64, audio_layers=1, audio_heads=2,
                            audio_ffn=128, d_model=32, num_layers=2, num_heads=2, ffn_dim=64, dropout=0.0,
                            emotion_embed_dim=16, window_s=4.0, overlap_s=1.0)


def make_tiny_model(config: EmoFaceConfig = TINY_CONFIG, seed: int = 0):
    """A random tiny network whose output layer is not zero, so outputs depend on inputs."""
    from model.checkpoint import new_model

    model = new_model(config, pretrained_encoder=False, seed=seed)
    with torch.no_grad():
        model.out_fn.weight.normal_(0.0, 0.2, generator=torch.Generator().manual_seed(seed))
    return model


def speechlike(duration_s: float, sample_rate_hz: int = SAMPLE_RATE_HZ, seed: int = 0) -> np.ndarray:
    """Deterministic speech-like test audio: voiced bursts with a moving pitch, float32 mono."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(duration_s * sample_rate_hz)) / sample_rate_hz
    f0 = 120 + 30 * np.sin(2 * np.pi * 0.7 * t)
    voiced = np.sin(2 * np.pi * np.cumsum(f0) / sample_rate_hz) + 0.5 * np.sin(4 * np.pi * np.cumsum(f0) / sample_rate_hz)
    envelope = (np.sin(2 * np.pi * 3.0 * t) > -0.2).astype(float) * (0.5 + 0.5 * np.sin(2 * np.pi * 0.5 * t) ** 2)
    return (0.3 * voiced * envelope + 0.01 * rng.standard_normal(len(t))).astype(np.float32)


def encode_audio(samples: np.ndarray, sample_rate_hz: int, fmt: str = "WAV", subtype: str | None = None) -> bytes:
    """Encode samples ((n,) or (n, ch)) into WAV/FLAC/OGG bytes."""
    buf = io.BytesIO()
    sf.write(buf, samples, sample_rate_hz, format=fmt, subtype=subtype)
    return buf.getvalue()
