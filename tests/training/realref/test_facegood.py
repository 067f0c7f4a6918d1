"""FACEGOOD layout on generated takes: name order evidence, mouth channel at 60 fps on the audio's clock."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from training.realref.facegood import (MOUTH_OPEN, NAME_FILE, OTHER_NAME_FILE, channel_names, read_folder,
                                       symmetric_pairs)

NAMES = ["brow_lower_l", "tongue_Scale_X", "brow_lower_r", "mouth_press_l", "mouth_press_r", MOUTH_OPEN,
         "cheek_raise_l", "cheek_raise_r"]
OTHER = [NAMES[0]] + NAMES[2:] + [NAMES[1]]  # like shirley_1119: one name moved to the end


def make_folder(root, rng, frames: int = 90):
    np.save(root / NAME_FILE, np.array(NAMES, dtype=object), allow_pickle=True)
    np.save(root / OTHER_NAME_FILE, np.array(OTHER, dtype=object), allow_pickle=True)
    values = np.zeros((frames, len(NAMES)))
    for left in ("brow_lower", "mouth_press", "cheek_raise"):
        curve = np.abs(np.convolve(rng.standard_normal(frames), np.hanning(5), "same"))
        values[:, NAMES.index(f"{left}_l")] = curve
        values[:, NAMES.index(f"{left}_r")] = curve * 0.98
    values[:, NAMES.index(MOUTH_OPEN)] = np.linspace(0, 1, frames)
    np.save(root / "bs_value_take1.npy", values)
    sf.write(root / "take1.wav", np.zeros(frames * 16000 // 30, np.float32), 16000)
    return values


def test_name_order_evidence_and_mouth_channel(tmp_path):
    values = make_folder(tmp_path, np.random.default_rng(0))
    assert symmetric_pairs(values, channel_names(tmp_path)) == (3, 3)
    agree, _ = symmetric_pairs(values, channel_names(tmp_path, OTHER_NAME_FILE))
    assert agree == 0
    (take,) = read_folder(tmp_path)
    assert take.name == "take1" and len(take.mouth) == 180
    # 30 fps frame k at k/30 s: the 60 fps frame 2k carries it exactly, 2k+1 lies halfway to the next
    ramp = values[:, NAMES.index(MOUTH_OPEN)]
    assert take.mouth[::2][:-1] == pytest.approx(ramp[:-1])
    assert take.mouth[1:-2:2] == pytest.approx((ramp[:-1] + ramp[1:]) / 2)
    assert np.isnan(take.mouth[-1])  # past the last 30 fps frame: unknown, not extrapolated
