"""Artist-keyed takes in the EmoFace layout (``WAV/<name>.wav`` + 174-column ``<name>.txt`` at 60 fps):
per-control r at zero lag and best lag of the model against the keys, for the mouth controls.

Each take is animated with its own emotion (from the file-name prefix, as ``training.dataset`` reads it).
The energy baseline is scored against the jaw only.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from model.constants import EMOTIONS, FPS
from model.rig import rig
from training.dataset import Utterance, read_emoface_layout
from training.realref.animate import JAW
from training.realref.lag import fit_lag
from training.realref.score import median_finite

MOUTH_CONTROLS = (JAW, "CTRL_L_mouth_lipsTogetherU.ty", "CTRL_R_mouth_lipsTogetherU.ty",
                  "CTRL_L_mouth_lipsTogetherD.ty", "CTRL_R_mouth_lipsTogetherD.ty", "CTRL_L_mouth_funnelU.ty",
                  "CTRL_L_mouth_purseU.ty", "CTRL_L_mouth_cornerPull.ty", "CTRL_L_mouth_stretch.ty",
                  "CTRL_L_mouth_lowerLipDepress.ty", "CTRL_L_mouth_upperLipRaise.ty")
"""Mouth controls scored per take."""


def read_folder(folder: str | Path) -> list[Utterance]:
    """Every take of an EmoFace-layout folder (train and val alike)."""
    return read_emoface_layout(folder)


def score_takes(animator, takes: list[Utterance], max_lag_frames: int = 12) -> dict:
    """``{"controls": {control: {source: {"r_zero", "lag_frames" (median per take), "pooled": LagFit}}}}``;
    sources: ``raw``, ``postfx`` and, for the jaw, ``energy``. Controls the keys never move are skipped."""
    pairs: dict[tuple[str, str], list] = {}
    for utt in takes:
        curves = animator.curves(utt.audio(), _emotion(utt), key=f"keyed:{utt.utt_id}")
        for control in MOUTH_CONTROLS:
            k = rig().index(control)
            ref = utt.targets[:, k]
            if np.ptp(ref) == 0:
                continue
            for src in ("raw", "postfx") + (("energy",) if control == JAW else ()):
                anim = curves.energy if src == "energy" else getattr(curves, src)[:, k]
                pairs.setdefault((control, src), []).append((anim, ref))
    out: dict = {"takes": len(takes), "controls": {}, "max_lag_frames": max_lag_frames}
    for (control, src), clip_pairs in pairs.items():
        fits = [fit_lag(p, max_lag_frames) for p in clip_pairs]
        out["controls"].setdefault(control, {})[src] = {
            "median_r_zero": median_finite([f.r_zero for f in fits]),
            "median_lag_frames": median_finite([f.lag_frames for f in fits]),
            "pooled": fit_lag(clip_pairs, max_lag_frames).to_dict()}
    return out


def _emotion(utt: Utterance) -> str:
    """The take's label (a take's emotion track is one key, from its file-name prefix)."""
    return EMOTIONS[int(np.argmax(utt.emotion.at_frames(1, FPS)[0][0]))]


def format_takes(reports: list[dict]) -> list[str]:
    first = reports[0]["keyed_takes"]
    lines = [f"Artist-keyed takes ({first['takes']} takes): per control, pooled r at zero lag / best lag (frames)"]
    for control, by_src in first["controls"].items():
        cells = []
        for k, r in enumerate(reports):
            for src in by_src:
                d = r["keyed_takes"]["controls"].get(control, {}).get(src)
                if d:
                    cells.append(f"{'' if src == 'energy' else r['model_id'].split('@')[-1][:8] + ' '}{src} "
                                 f"{d['pooled']['r_zero']:.2f}/{d['pooled']['lag_frames']:+d}")
        lines.append(f"  {control:<34}" + "  ".join(cells))
    return lines
