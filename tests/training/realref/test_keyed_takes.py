"""Keyed takes: per-control r and lag against generated EmoFace-layout takes, with a stub animator."""
from __future__ import annotations

import numpy as np
import soundfile as sf

from model.rig import rig
from training.realref.animate import JAW, Curves
from training.realref.keyed_takes import read_folder, score_takes
from training.realref.lag import zscore


class ShiftingAnimator:
    """Returns each take's own keys delayed by ``delay`` frames (raw) and the keys themselves (postfx)."""

    def __init__(self, takes, delay: int):
        self.by_len = {t.num_frames: t.targets for t in takes}
        self.delay = delay
        self.emotions = []

    def curves(self, audio, emotion="neutral", key=None):
        self.emotions.append(emotion)
        keys = self.by_len[len(audio) * 60 // 16000]
        raw = np.roll(keys, self.delay, axis=0)
        return Curves(raw, keys.copy(), zscore(keys[:, rig().index(JAW)]))


def make_takes(root, rng):
    (root / "WAV").mkdir()
    jaw, lips = rig().index(JAW), rig().index("CTRL_L_mouth_lipsTogetherU.ty")
    for name, n in (("hap_take1", 240), ("neu_take2", 300)):  # lengths tell the takes apart in the stub
        keys = np.zeros((n, 174), np.float32)
        keys[:, jaw] = np.clip(np.convolve(rng.standard_normal(n), np.hanning(9), "same"), 0, None)
        keys[:, lips] = np.clip(np.convolve(rng.standard_normal(n), np.hanning(5), "same"), 0, None)
        np.savetxt(root / f"{name}.txt", keys, delimiter=",", fmt="%.5f")
        sf.write(root / "WAV" / f"{name}.wav", np.zeros(n * 16000 // 60, np.float32), 16000)


def test_per_control_lag_and_emotion_from_the_name(tmp_path):
    make_takes(tmp_path, np.random.default_rng(0))
    takes = read_folder(tmp_path)
    animator = ShiftingAnimator(takes, delay=3)
    out = score_takes(animator, takes, max_lag_frames=6)
    assert out["takes"] == 2
    assert sorted(animator.emotions) == ["happy", "neutral"]
    for control in (JAW, "CTRL_L_mouth_lipsTogetherU.ty"):
        assert out["controls"][control]["raw"]["pooled"]["lag_frames"] == 3
        assert out["controls"][control]["raw"]["median_lag_frames"] == 3
        assert out["controls"][control]["postfx"]["pooled"]["r_zero"] > 0.999
    assert "energy" in out["controls"][JAW] and "energy" not in out["controls"]["CTRL_L_mouth_lipsTogetherU.ty"]
    assert "CTRL_L_mouth_funnelU.ty" not in out["controls"]  # the keys never move it
