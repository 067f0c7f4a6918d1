"""Numbers with one home: model sample rate, output frame rate, emotion names.

Every other module imports these; none re-declares them.
"""
from __future__ import annotations

from model.errors import InputError

SAMPLE_RATE_HZ = 16_000
"""Sample rate the audio encoders consume (mono float32)."""

FPS = 60
"""Output frame rate of the network (frames per second)."""

EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")
"""The 7 emotions in index order (alphabetical, as the EmoFace reference code)."""

NEUTRAL_INDEX = EMOTIONS.index("neutral")

EMOTION_PREFIXES: dict[str, str] = {name[:3]: name for name in EMOTIONS}
"""EmoFace dataset file-name prefixes (``ang``, ``dis``, ...) -> emotion name."""


def frame_count(num_samples: int, sample_rate_hz: int = SAMPLE_RATE_HZ, fps: int = FPS) -> int:
    """Frames for ``num_samples`` of audio: ``floor(n / sample_rate * fps)`` (integer maths)."""
    if num_samples < 0:
        raise ValueError(f"num_samples must be >= 0, got {num_samples}")
    return (num_samples * fps) // sample_rate_hz


def emotion_index(name: str) -> int:
    """Index of an emotion name (case-insensitive; 3-letter dataset prefixes accepted)."""
    key = name.strip().lower()
    key = EMOTION_PREFIXES.get(key, key)
    try:
        return EMOTIONS.index(key)
    except ValueError:
        raise UnknownEmotionError(name) from None


class UnknownEmotionError(InputError):
    """An emotion name that is not one of :data:`EMOTIONS`."""

    def __init__(self, name: str):
        super().__init__(f"unknown emotion {name!r}; expected one of: {', '.join(EMOTIONS)}")
        self.name = name
