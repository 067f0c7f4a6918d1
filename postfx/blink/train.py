"""Train the blink SVM (linear kernel, C = 0.8 as the reference code) and evaluate it.

    python -m postfx.blink.train --synthetic [--seed 0] [-o postfx/blink/data/default_svm.npz]
    emoface blink train LABELS.csv -o MODEL.npz      # your own per-frame labels

LABELS.csv columns: ``ear`` (per-frame EAR), ``label`` (1 = blink, 0 = not), optional ``fps``
(default 30; one value for the file); several takes can be separated with a ``take`` column.
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

from model.errors import InputError
from postfx.blink.corpus import EarClip, corpus
from postfx.blink.detector import DETECTOR_FPS, BlinkDetector, BlinkEvent, ThresholdDetector, resample_series, \
    window_features, windows

DEFAULT_PATH = Path(__file__).parent / "data" / "default_svm.npz"


def training_windows(clips: list[EarClip]) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for clip in clips:
        ear = resample_series(clip.ear, clip.fps)
        labels = resample_series(clip.labels.astype(float), clip.fps) > 0.5
        w = windows(ear)
        keep = ~np.isnan(w).any(axis=1)
        xs.append(w[keep])
        ys.append(labels[keep])
    return np.concatenate(xs), np.concatenate(ys)


def fit_svm(w: np.ndarray, y: np.ndarray, c: float = 0.8, seed: int = 0) -> BlinkDetector:
    from sklearn.svm import LinearSVC

    if y.all() or not y.any():
        raise InputError("training labels need both blink and non-blink frames")
    feats = window_features(w)
    mean, scale = feats.mean(axis=0), feats.std(axis=0) + 1e-9
    svm = LinearSVC(C=c, random_state=seed, max_iter=20000)
    svm.fit((feats - mean) / scale, y)
    return BlinkDetector(svm.coef_[0].astype(np.float64), float(svm.intercept_[0]), mean, scale)


def event_scores(clips: list[EarClip], detector) -> dict[str, float]:
    """Event-level precision, recall and F1: a detection that overlaps a true blink is a hit."""
    tp = fp = fn = 0
    for clip in clips:
        found: list[BlinkEvent] = detector.detect(clip.ear, clip.fps)
        matched = set()
        for ev in found:
            hit = next((k for k, (s, e) in enumerate(clip.blinks) if ev.start_s < e and ev.end_s > s
                        and k not in matched), None)
            if hit is None:
                fp += 1
            else:
                matched.add(hit)
                tp += 1
        fn += len(clip.blinks) - len(matched)
    p = tp / max(tp + fp, 1)
    r = tp / max(tp + fn, 1)
    return {"precision": p, "recall": r, "f1": 2 * p * r / max(p + r, 1e-12), "true_blinks": tp + fn,
            "detections": tp + fp}


def best_threshold(clips: list[EarClip]) -> ThresholdDetector:
    """The fixed threshold with the best event F1 on ``clips`` (the baseline at its best)."""
    scores = [(event_scores(clips, ThresholdDetector(th))["f1"], th) for th in np.arange(0.08, 0.32, 0.01)]
    return ThresholdDetector(float(max(scores)[1]))


def train_synthetic(seed: int = 0) -> tuple[BlinkDetector, dict]:
    rng = np.random.default_rng(seed)
    train = corpus(rng, 60, 60.0, distractors=True) + corpus(rng, 20, 60.0, distractors=False)
    detector = fit_svm(*training_windows(train), seed=seed)
    held_plain = corpus(np.random.default_rng(seed + 1000), 20, 60.0, distractors=False)
    held_distr = corpus(np.random.default_rng(seed + 2000), 20, 60.0, distractors=True)
    threshold = best_threshold(corpus(np.random.default_rng(seed + 3000), 20, 60.0, distractors=True))
    report = {"threshold": threshold.threshold}
    for name, clips in (("plain", held_plain), ("distractors", held_distr)):
        report[name] = {"svm": event_scores(clips, detector), "threshold": event_scores(clips, threshold)}
    return detector, report


def read_labels(path: str | Path) -> list[EarClip]:
    """Takes from a per-frame labels CSV (columns ear, label[, fps][, take])."""
    try:
        rows = list(csv.DictReader(Path(path).read_text().splitlines()))
    except FileNotFoundError:
        raise InputError(f"labels file not found: {path}") from None
    if not rows or not {"ear", "label"} <= set(rows[0]):
        raise InputError(f"{path}: needs a header with columns ear,label[,fps][,take]")
    takes: dict[str, list[dict]] = {}
    for row in rows:
        takes.setdefault(row.get("take", ""), []).append(row)
    clips = []
    try:
        for take in takes.values():
            ear = np.array([float(r["ear"]) if r["ear"] not in ("", "nan") else np.nan for r in take])
            labels = np.array([int(float(r["label"])) > 0 for r in take])
            clips.append(EarClip(ear, labels, float(take[0].get("fps") or DETECTOR_FPS)))
    except ValueError as exc:
        raise InputError(f"{path}: bad value: {exc}") from None
    return clips


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--synthetic", action="store_true", help="train on the synthetic physiological corpus")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-o", "--output", type=Path, default=DEFAULT_PATH)
    args = ap.parse_args(argv)
    if not args.synthetic:
        ap.error("use --synthetic (or `emoface blink train LABELS.csv` for your own labels)")
    detector, report = train_synthetic(args.seed)
    detector.save(args.output)
    print(f"wrote {args.output}; best fixed threshold {report['threshold']:.2f}")
    for name in ("plain", "distractors"):
        for kind in ("svm", "threshold"):
            s = report[name][kind]
            print(f"{name:<12}{kind:<10} precision {s['precision']:.3f} recall {s['recall']:.3f} f1 {s['f1']:.3f} "
                  f"({s['true_blinks']} blinks, {s['detections']} detections)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
