"""How the shipped blink SVM's training weights were chosen: (real weight, squint weight) pairs side by side.

    nice -n 19 .venv/bin/python bench/blink_weights.py [--blinkdata ../../blinkdata] [--pairs 5:5 10:5 20:5 ...]

For each pair (``--real-weight`` and ``--distractor-weight`` of ``python -m postfx.blink.train``): two-fold
cross-validation inside the training half of the pyblinker take (train on the synthetic corpus and one of its
two quarters, score the windows of the other; the held-out second half is never read), the number of
synthetic squint and smile takes with a false blink (``bench/blink_real.py``'s check, landmark jitter 0.01),
and the window F1 on the hand-labelled talking-face clips. The rule (docs/blink.md): the best mean
cross-validated window F1 among the pairs with no false blink whose talking-face window F1 is at least the
first pass's 0.807.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from blink_real import false_blinks_in_squints  # noqa: E402

from postfx.blink.corpus import EarClip, label_runs  # noqa: E402
from postfx.blink.train import event_scores, fit_mixed, read_labels, take_names, window_scores  # noqa: E402

FIRST_PASS_TALKING_FACES_F1 = 0.807


def _part(clip: EarClip, start: int, stop: int) -> EarClip:
    labels = clip.labels[start:stop]
    ignore = None if clip.ignore is None else clip.ignore[start:stop]
    return EarClip(clip.ear[start:stop], labels, clip.fps, label_runs(labels, clip.fps), ignore=ignore)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blinkdata", type=Path, default=ROOT.parents[1] / "blinkdata")
    ap.add_argument("--pairs", nargs="+", default=["0:1", "0:5", "2:5", "5:1", "5:5", "10:5", "10:10", "20:5"],
                    metavar="REAL:SQUINT")
    args = ap.parse_args(argv)
    path = args.blinkdata / "pyblinker/labels_30fps.csv"
    first = next(c for c, n in zip(read_labels(path), take_names(path)) if n == "first_half")
    half = len(first.ear) // 2
    quarters = [_part(first, 0, half), _part(first, half, len(first.ear))]
    faces = read_labels(args.blinkdata / "talking_faces/labels_dlib.csv")
    print("| real weight | squint weight | CV windows F1 (quarters) | mean | CV events F1 | false blinks in "
          "squints / smiles | talking faces windows F1 | passes |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for pair in args.pairs:
        real_weight, squint_weight = (float(x) for x in pair.split(":"))
        folds = []
        for k in (0, 1):
            det = fit_mixed(0, [quarters[k]], real_weight, squint_weight)
            folds.append((window_scores([quarters[1 - k]], det)["f1"], event_scores([quarters[1 - k]], det)["f1"]))
        det = fit_mixed(0, [first], real_weight, squint_weight)
        squints, smiles = false_blinks_in_squints(det, 0.01)
        faces_f1 = window_scores(faces, det)["f1"]
        ok = squints == smiles == 0 and faces_f1 >= FIRST_PASS_TALKING_FACES_F1
        print(f"| {real_weight:g} | {squint_weight:g} | {folds[0][0]:.3f}, {folds[1][0]:.3f} | "
              f"{np.mean([f[0] for f in folds]):.3f} | {folds[0][1]:.3f}, {folds[1][1]:.3f} | {squints} / {smiles} | "
              f"{faces_f1:.3f} | {'yes' if ok else 'no'} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
