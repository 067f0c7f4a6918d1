"""Train the blink SVM (linear kernel, C = 0.8 as the reference code, classes weighted by their inverse
frequency: blink frames are rare) and evaluate it.

    python -m postfx.blink.train --synthetic [--seed 0] [-o postfx/blink/data/default_svm.npz]
    python -m postfx.blink.train --evaluate LABELS.csv [--model MODEL.npz]   # score on labelled takes
    emoface blink train LABELS.csv -o MODEL.npz      # your own per-frame labels

LABELS.csv columns: ``ear`` (per-frame EAR), ``label`` (1 = blink, 0 = not, -1 = uncertain: left out of
training and scoring), optional ``fps`` (default 30; one value per take); several takes can be separated
with a ``take`` column.
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

from model.errors import InputError
from postfx.blink.corpus import EarClip, corpus, label_runs
from postfx.blink.detector import DETECTOR_FPS, TYPICAL_OPEN_EAR, BlinkDetector, BlinkEvent, ThresholdDetector, \
    open_eye_baseline, resample_series, window_features, windows

DEFAULT_PATH = Path(__file__).parent / "data" / "default_svm.npz"


def _ignored(clip: EarClip) -> np.ndarray:
    return np.zeros(len(clip.ear), bool) if clip.ignore is None else np.asarray(clip.ignore, bool)


def labelled_windows(clip: EarClip) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A take at 30 fps -> its scored windows ``(N, 7)``, their labels ``(N,)`` and open-eye EAR ``(N,)``
    (windows touching a frame without a face and frames labelled uncertain are left out)."""
    ear = resample_series(clip.ear, clip.fps)
    labels = resample_series(clip.labels.astype(float), clip.fps) > 0.5
    ignore = resample_series(_ignored(clip).astype(float), clip.fps) > 0
    w = windows(ear)
    keep = ~np.isnan(w).any(axis=1) & ~ignore
    return w[keep], labels[keep], open_eye_baseline(ear)[keep]


def training_windows(clips: list[EarClip]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All clips' windows ``(N, 7)``, labels ``(N,)`` and open-eye EAR ``(N,)``."""
    parts = [labelled_windows(clip) for clip in clips]
    return tuple(np.concatenate([p[k] for p in parts]) for k in range(3))


def fit_svm(w: np.ndarray, y: np.ndarray, open_ear: float | np.ndarray = TYPICAL_OPEN_EAR, c: float = 0.8,
            seed: int = 0) -> BlinkDetector:
    from sklearn.svm import LinearSVC

    if y.all() or not y.any():
        raise InputError("training labels need both blink and non-blink frames")
    feats = window_features(w, open_ear)
    mean, scale = feats.mean(axis=0), feats.std(axis=0) + 1e-9
    svm = LinearSVC(C=c, random_state=seed, max_iter=20000, class_weight="balanced")
    svm.fit((feats - mean) / scale, y)
    return BlinkDetector(svm.coef_[0].astype(np.float64), float(svm.intercept_[0]), mean, scale)


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    return {"precision": p, "recall": r, "f1": 2 * p * r / max(p + r, 1e-12)}


def event_scores(clips: list[EarClip], detector) -> dict[str, float]:
    """Event-level precision, recall and F1: a detection that overlaps a true blink is a hit (one hit per
    blink; further detections on the same blink are not counted against the detector); one that overlaps
    only frames labelled uncertain is neither hit nor false alarm; any other is a false alarm."""
    tp = fp = fn = detections = 0
    for clip in clips:
        found: list[BlinkEvent] = detector.detect(clip.ear, clip.fps)
        unsure = label_runs(_ignored(clip), clip.fps)
        matched = set()
        for ev in found:
            hits = {k for k, (s, e) in enumerate(clip.blinks) if ev.start_s < e and ev.end_s > s}
            if hits:
                tp += len(hits - matched)
                matched |= hits
            elif not any(ev.start_s < e and ev.end_s > s for s, e in unsure):
                fp += 1
        detections += len(found)
        fn += len(clip.blinks) - len(matched)
    return {**_prf(tp, fp, fn), "true_blinks": tp + fn, "detections": detections}


def window_scores(clips: list[EarClip], detector) -> dict[str, float]:
    """Window-level precision, recall and F1: each scored 7-frame window (centre frame labelled blink or
    not, uncertain frames left out) classified on its own, with the take's open-eye EAR."""
    tp = fp = fn = scored = 0
    for clip in clips:
        w, y, base = labelled_windows(clip)
        pred = detector.classify_windows(w, base) if len(w) else np.zeros(0, bool)
        tp, fp, fn = tp + int(np.sum(pred & y)), fp + int(np.sum(pred & ~y)), fn + int(np.sum(~pred & y))
        scored += len(w)
    return {**_prf(tp, fp, fn), "windows": scored, "blink_windows": tp + fn}


def best_threshold(clips: list[EarClip]) -> ThresholdDetector:
    """The fixed threshold with the best event F1 on ``clips`` (the baseline at its best)."""
    scores = [(event_scores(clips, ThresholdDetector(th))["f1"], th) for th in np.arange(0.08, 0.32, 0.01)]
    return ThresholdDetector(float(max(scores)[1]))


def train_synthetic(seed: int = 0) -> tuple[BlinkDetector, dict]:
    """Train on 80 synthetic takes of 60 s; score on held-out takes (with and without distractors) beside
    the best fixed threshold, chosen on further takes."""
    rng = np.random.default_rng(seed)
    train = corpus(rng, 60, 60.0, distractors=True) + corpus(rng, 20, 60.0, distractors=False)
    detector = fit_svm(*training_windows(train), seed=seed)
    held_plain = corpus(np.random.default_rng(seed + 1000), 20, 60.0, distractors=False)
    held_distr = corpus(np.random.default_rng(seed + 2000), 20, 60.0, distractors=True)
    threshold = best_threshold(corpus(np.random.default_rng(seed + 3000), 20, 60.0, distractors=True))
    report = {"threshold": threshold.threshold}
    for name, clips in (("plain", held_plain), ("distractors", held_distr)):
        report[name] = scores(clips, detector, threshold)
    return detector, report


def scores(clips: list[EarClip], detector, threshold: ThresholdDetector) -> dict[str, dict[str, dict]]:
    """{"svm"|"threshold": {"windows"|"events": precision, recall, f1, counts}}."""
    return {kind: {"windows": window_scores(clips, det), "events": event_scores(clips, det)}
            for kind, det in (("svm", detector), ("threshold", threshold))}


def _print_scores(name: str, report: dict) -> None:
    for kind, by_level in report.items():
        w, e = by_level["windows"], by_level["events"]
        print(f"{name:<14} {kind:<10} windows P {w['precision']:.3f} R {w['recall']:.3f} F1 {w['f1']:.3f} | "
              f"events P {e['precision']:.3f} R {e['recall']:.3f} F1 {e['f1']:.3f} "
              f"({e['true_blinks']} blinks, {e['detections']} detections)")


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
            code = np.array([int(float(r["label"])) for r in take])
            fps = float(take[0].get("fps") or DETECTOR_FPS)
            clips.append(EarClip(ear, code > 0, fps, label_runs(code > 0, fps), ignore=code < 0))
    except ValueError as exc:
        raise InputError(f"{path}: bad value: {exc}") from None
    return clips


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--synthetic", action="store_true", help="train on the synthetic physiological corpus")
    ap.add_argument("--evaluate", type=Path, metavar="LABELS.csv", help="score a classifier on labelled takes")
    ap.add_argument("--model", type=Path, help="classifier to evaluate (default: the shipped one)")
    ap.add_argument("--threshold", type=float, default=0.2, help="fixed EAR threshold shown beside the SVM")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-o", "--output", type=Path, default=DEFAULT_PATH)
    args = ap.parse_args(argv)
    if args.evaluate:
        detector = BlinkDetector.load(args.model) if args.model else BlinkDetector.default()
        clips = read_labels(args.evaluate)
        with args.evaluate.open() as fh:
            names = list(dict.fromkeys(row.get("take", "") for row in csv.DictReader(fh)))
        for name, clip in zip(names, clips):
            _print_scores(name or "take", scores([clip], detector, ThresholdDetector(args.threshold)))
        if len(clips) > 1:
            _print_scores("all", scores(clips, detector, ThresholdDetector(args.threshold)))
        return 0
    if not args.synthetic:
        ap.error("use --synthetic or --evaluate (or `emoface blink train LABELS.csv` for your own labels)")
    detector, report = train_synthetic(args.seed)
    detector.save(args.output)
    print(f"wrote {args.output}; best fixed threshold {report['threshold']:.2f}")
    for name in ("plain", "distractors"):
        _print_scores(name, report[name])
    return 0


if __name__ == "__main__":
    sys.exit(main())
