"""Fixtures for the preview tests: named poses (control dicts) and short animations."""
from __future__ import annotations

import numpy as np
import pytest

from model.constants import FPS, SAMPLE_RATE_HZ
from model.rig import rig
from server.runtime.animation import Animation


def both(stem: str, value: float) -> dict[str, float]:
    """``{CTRL_L_<stem>: value, CTRL_R_<stem>: value}``."""
    return {f"CTRL_{s}_{stem}": value for s in "LR"}


POSES: dict[str, dict[str, float]] = {
    "rest": {},
    "open_vowel": {"CTRL_C_jaw.ty": 0.7},
    "bilabial": {"CTRL_C_jaw.ty": 0.2, **both("mouth_lipsTogetherU.ty", 1.0), **both("mouth_lipsTogetherD.ty", 1.0),
                 **both("mouth_pressU.ty", 0.5)},
    "smile": {**both("mouth_cornerPull.ty", 0.9), **both("eye_cheekRaise.ty", 0.5)},
    "frown": {**both("mouth_cornerDepress.ty", 0.9), **both("brow_raiseIn.ty", 0.6)},
    "blink": both("eye_blink.ty", 1.0),
    "squint": {**both("eye_squintInner.ty", 0.8), **both("eye_lidPress.ty", 0.5)},
    "wide": both("eye_blink.ty", -0.8),
    "look_right": {"CTRL_C_eye.tx": 0.9},
    "look_left": {"CTRL_C_eye.tx": -0.9},
}


@pytest.fixture(scope="session")
def poses() -> dict[str, dict[str, float]]:
    return POSES


def talking(num_frames: int, rng: np.random.Generator) -> np.ndarray:
    """``(T, 174)``: jaw opening and closing at syllable rate plus small seeded noise on the mouth."""
    t = np.arange(num_frames) / FPS
    full = np.zeros((num_frames, len(rig())), np.float32)
    full[:, rig().index("CTRL_C_jaw.ty")] = 0.6 * np.sin(2 * np.pi * 2.0 * t) ** 2
    mouth = rig().group_indices("mouth")
    full[:, mouth] = np.clip(rng.normal(0, 0.05, (num_frames, len(mouth))), 0, 1)
    return full


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture
def talking_anim(rng) -> Animation:
    """1.5 s (90 frames) of talking with a happy -> sad emotion track and two blinks."""
    emotion = {"keys": [{"time": 0.0, "emotion": "happy", "intensity": 0.8},
                        {"time": 0.7, "emotion": "sad", "intensity": 0.5, "transition": 0.3}]}
    return Animation(talking(90, rng), rig().names, FPS, {"seed": 5}, {"model_id": "test"}, emotion, (20, 70))


@pytest.fixture
def tone() -> np.ndarray:
    """1.5 s of a 220 Hz tone at 16 kHz (float32)."""
    n = int(1.5 * SAMPLE_RATE_HZ)
    return (0.3 * np.sin(2 * np.pi * 220 * np.arange(n) / SAMPLE_RATE_HZ)).astype(np.float32)
