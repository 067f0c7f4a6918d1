"""Blink detector on every real labelled set, and on synthetic squints and smiles, for one or two classifiers.

    nice -n 19 .venv/bin/python bench/blink_real.py [--blinkdata ../../blinkdata] [--model M.npz] [--compare OLD.npz]

Sets (docs/blink.md, "Measured"; kept outside the repository except the committed excerpt, provenance in
``BLINKDATA/PROVENANCE.md``): the pyblinker take by halves (the shipped classifier is trained on
``first_half``; ``second_half`` is its hold-out, and the committed 6-minute excerpt lies inside it), the
talking-face clips (dlib EAR, hand-labelled) and the JeFaPaTo MediaPipe series. Each row: windows (every
labelled window), windows +-2 (windows centred on the 2 frames on each side of where a labelled blink starts
or ends left out), events. Then the number of synthetic squint and smile takes in which a false blink is
reported (seeds not used by the tests). A missing file is reported and skipped. ``--compare`` scores another
classifier with this code (windows are classified the same way; events go through this code's event step).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from postfx.blink.detector import BlinkDetector  # noqa: E402
from postfx.blink.train import TOLERANCE_FRAMES, event_scores, read_labels, take_names, window_scores  # noqa: E402

SETS = (  # (name, labels CSV relative to --blinkdata or the repository, takes or None for all, role)
    ("pyblinker first half", "pyblinker/labels_30fps.csv", ["first_half"], "trained on"),
    ("pyblinker second half", "pyblinker/labels_30fps.csv", ["second_half"], "held out"),
    ("pyblinker excerpt (committed)", ROOT / "tests/postfx/blink/data/pyblinker_ear_excerpt.csv", None, "held out"),
    ("talking faces (dlib)", "talking_faces/labels_dlib.csv", None, "evaluation only"),
    ("JeFaPaTo (MediaPipe)", "jefapato/labels_mediapipe.csv", None, "evaluation only"),
)


def _prf(m: dict) -> str:
    return f"{m['precision']:.3f} / {m['recall']:.3f} / {m['f1']:.3f}"


def _lower(ear: np.ndarray, start: int, frames: int, level: float, ramp: int) -> None:
    """EAR down to ``level`` over ``ramp`` frames, held for ``frames``, and back (a squint or a smile)."""
    top = float(np.median(ear))
    ear[start - ramp:start] += np.linspace(0, level - top, ramp)
    ear[start:start + frames] += level - top
    ear[start + frames:start + frames + ramp] += np.linspace(level - top, 0, ramp)


def false_blinks_in_squints(detector, jitter: float, seeds: range = range(100, 120)) -> tuple[int, int]:
    """(squint takes with a false blink out of 3 x len(seeds), smile takes out of len(seeds)): 12 s at an open
    EAR of 0.3 with Gaussian landmark jitter; squints to 0.19-0.21 for 2-5 s, smiles to 0.23 for 5 s."""
    squints = smiles = 0
    for seed in seeds:
        for level, frames in ((0.20, 120), (0.19, 60), (0.21, 150)):
            ear = 0.3 + np.random.default_rng(seed).normal(0, jitter, 360)
            _lower(ear, 100, frames, level, 10)
            squints += bool(detector.detect(ear, 30.0))
        ear = 0.3 + np.random.default_rng(seed).normal(0, jitter, 360)
        _lower(ear, 80, 150, 0.23, 20)
        smiles += bool(detector.detect(ear, 30.0))
    return squints, smiles


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blinkdata", type=Path, default=ROOT.parents[1] / "blinkdata")
    ap.add_argument("--model", type=Path, help="classifier (default: the shipped one)")
    ap.add_argument("--compare", type=Path, help="a second classifier scored beside it")
    args = ap.parse_args(argv)
    detectors = [("shipped" if not args.model else args.model.name,
                  BlinkDetector.load(args.model) if args.model else BlinkDetector.default())]
    if args.compare:
        detectors.append((args.compare.name, BlinkDetector.load(args.compare)))
    print(f"| set | role | classifier | windows P / R / F1 | windows +-{TOLERANCE_FRAMES} P / R / F1 | "
          "events P / R / F1 | blinks, detections |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, rel, takes, role in SETS:
        path = rel if isinstance(rel, Path) else args.blinkdata / rel
        if not path.exists():
            print(f"| {name} | missing: {path} | | | | | |")
            continue
        clips = [c for c, n in zip(read_labels(path), take_names(path)) if takes is None or n in takes]
        for label, det in detectors:
            w, t, e = window_scores(clips, det), window_scores(clips, det, TOLERANCE_FRAMES), event_scores(clips, det)
            print(f"| {name} | {role} | {label} | {_prf(w)} | {_prf(t)} | {_prf(e)} | "
                  f"{e['true_blinks']}, {e['detections']} |")
    for jitter in (0.01, 0.02):
        for label, det in detectors:
            squints, smiles = false_blinks_in_squints(det, jitter)
            print(f"synthetic squints, jitter {jitter}: {label}: false blinks in {squints} of 60 squint takes, "
                  f"{smiles} of 20 smile takes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
