"""Train the blink SVM (linear kernel, C = 0.8 as the reference code, classes weighted by their inverse
frequency: blink frames are rare) and evaluate it.

    python -m postfx.blink.train --synthetic [--real LABELS.csv [--real-takes TAKE ...]] [--real-weight 5]
        [--distractor-weight 5] [--seed 0] [-o postfx/blink/data/default_svm.npz]
    python -m postfx.blink.train --evaluate LABELS.csv [--model MODEL.npz]   # score on labelled takes
    emoface blink train LABELS.csv -o MODEL.npz      # your own per-frame labels

The shipped classifier: ``--synthetic --real labels_30fps.csv --real-takes first_half`` (the first 15 minutes
of the pyblinker take, see docs/blink.md; its second half is the hold-out).

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
from postfx.blink.corpus import EarClip, corpus, distractor_frames, label_runs
from postfx.blink.detector import DETECTOR_FPS, TYPICAL_OPEN_EAR, BlinkDetector, BlinkEvent, ThresholdDetector, \
    open_eye_baseline, resample_series, window_features, windows

DEFAULT_PATH = Path(__file__).parent / "data" / "default_svm.npz"


def _ignored(clip: EarClip) -> np.ndarray:
    return np.zeros(len(clip.ear), bool) if clip.ignore is None else np.asarray(clip.ignore, bool)


def near_boundary(labels: np.ndarray, frames: int) -> np.ndarray:
    """``(N,)`` bool: the ``frames`` frames on each side of every change of label (a blink starting at frame
    ``a``: ``a - frames .. a + frames - 1``)."""
    labels = np.asarray(labels, bool)
    if frames <= 0 or len(labels) == 0:
        return np.zeros(len(labels), bool)
    padded = np.pad(labels, frames, mode="edge")
    view = np.lib.stride_tricks.sliding_window_view(padded, 2 * frames + 1)  # (N, 2 * frames + 1)
    return view.min(axis=1) != view.max(axis=1)


def labelled_windows(clip: EarClip, tolerance_frames: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A take at 30 fps -> its scored windows ``(N, 7)``, their labels ``(N,)`` and open-eye EAR ``(N,)``
    (windows touching a frame without a face and frames labelled uncertain are left out; so are the
    ``tolerance_frames`` frames on each side of where a labelled blink starts or ends, when that is above 0)."""
    ear = resample_series(clip.ear, clip.fps)
    labels = resample_series(clip.labels.astype(float), clip.fps) > 0.5
    ignore = (resample_series(_ignored(clip).astype(float), clip.fps) > 0) | near_boundary(labels, tolerance_frames)
    w = windows(ear)
    keep = ~np.isnan(w).any(axis=1) & ~ignore
    return w[keep], labels[keep], open_eye_baseline(ear)[keep]


def training_windows(clips: list[EarClip]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All clips' windows ``(N, 7)``, labels ``(N,)`` and open-eye EAR ``(N,)``."""
    parts = [labelled_windows(clip) for clip in clips]
    return tuple(np.concatenate([p[k] for p in parts]) for k in range(3))


def fit_svm(w: np.ndarray, y: np.ndarray, open_ear: float | np.ndarray = TYPICAL_OPEN_EAR, c: float = 0.8,
            seed: int = 0, sample_weight: np.ndarray | None = None) -> BlinkDetector:
    """Linear SVM on ``(N, 7)`` windows, ``(N,)`` labels and open-eye EAR, the classes weighted by their
    inverse frequency; ``sample_weight``: ``(N,)`` per-window weights on top (real takes against synthetic
    ones, squint windows)."""
    from sklearn.svm import LinearSVC

    if y.all() or not y.any():
        raise InputError("training labels need both blink and non-blink frames")
    feats = window_features(w, open_ear)
    mean, scale = feats.mean(axis=0), feats.std(axis=0) + 1e-9
    svm = LinearSVC(C=c, random_state=seed, max_iter=20000, class_weight="balanced")
    svm.fit((feats - mean) / scale, y, sample_weight=sample_weight)
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


def window_scores(clips: list[EarClip], detector, tolerance_frames: int = 0) -> dict[str, float]:
    """Window-level precision, recall and F1: each scored 7-frame window (centre frame labelled blink or
    not, uncertain frames left out) classified on its own, with the take's open-eye EAR. With
    ``tolerance_frames`` above 0, the windows centred on that many frames on each side of where a labelled
    blink starts or ends are not scored either (where exactly a lid movement starts and ends is the
    annotator's call)."""
    tp = fp = fn = scored = 0
    for clip in clips:
        w, y, base = labelled_windows(clip, tolerance_frames)
        pred = detector.classify_windows(w, base) if len(w) else np.zeros(0, bool)
        tp, fp, fn = tp + int(np.sum(pred & y)), fp + int(np.sum(pred & ~y)), fn + int(np.sum(~pred & y))
        scored += len(w)
    return {**_prf(tp, fp, fn), "windows": scored, "blink_windows": tp + fn}


def best_threshold(clips: list[EarClip]) -> ThresholdDetector:
    """The fixed threshold with the best event F1 on ``clips`` (the baseline at its best)."""
    scores = [(event_scores(clips, ThresholdDetector(th))["f1"], th) for th in np.arange(0.08, 0.32, 0.01)]
    return ThresholdDetector(float(max(scores)[1]))


REAL_WEIGHT = 5.0
"""Weight of a real labelled window against a synthetic one's 1 when real takes join the training (the
pyblinker training half has 27,000 windows, the synthetic corpus 144,000)."""
DISTRACTOR_WEIGHT = 5.0
"""Weight of a synthetic window inside a squint, smile or glance (and not in a blink): the real take's person
never squints, so without it the real windows teach "EAR 0.2 is a blink". Both weights: the best window F1
in two-fold cross-validation inside the training half of the pyblinker take among the pairs that report no
blink in the synthetic squints and smiles of the tests and keep the talking-face clips' window F1 at least
the previous classifier's (their hand labels mark a narrower span than pyblinker's; docs/blink.md,
``bench/blink_weights.py``)."""


def fit_mixed(seed: int = 0, real: list[EarClip] | None = None, real_weight: float = REAL_WEIGHT,
              distractor_weight: float = DISTRACTOR_WEIGHT) -> BlinkDetector:
    """The SVM on 80 synthetic takes of 60 s (windows inside squints, smiles and glances weighted
    ``distractor_weight``) and, if given, real labelled takes (each window weighted ``real_weight``)."""
    rng = np.random.default_rng(seed)
    train = corpus(rng, 60, 60.0, distractors=True) + corpus(rng, 20, 60.0, distractors=False)
    w, y, base = training_windows(train)  # synthetic takes: 30 fps, no gaps, one window per frame
    weight = np.where(np.concatenate([distractor_frames(clip) for clip in train]), float(distractor_weight), 1.0)
    if real:
        rw, ry, rbase = training_windows(real)
        w, y, base = np.concatenate([w, rw]), np.concatenate([y, ry]), np.concatenate([base, rbase])
        weight = np.concatenate([weight, np.full(len(rw), float(real_weight))])
    return fit_svm(w, y, base, seed=seed, sample_weight=weight)


def train_synthetic(seed: int = 0, real: list[EarClip] | None = None, real_weight: float = REAL_WEIGHT,
                    distractor_weight: float = DISTRACTOR_WEIGHT) -> tuple[BlinkDetector, dict]:
    """``fit_mixed``, scored on held-out synthetic takes (with and without distractors) beside the best fixed
    threshold, chosen on further takes."""
    detector = fit_mixed(seed, real, real_weight, distractor_weight)
    held_plain = corpus(np.random.default_rng(seed + 1000), 20, 60.0, distractors=False)
    held_distr = corpus(np.random.default_rng(seed + 2000), 20, 60.0, distractors=True)
    threshold = best_threshold(corpus(np.random.default_rng(seed + 3000), 20, 60.0, distractors=True))
    report = {"threshold": threshold.threshold}
    for name, clips in (("plain", held_plain), ("distractors", held_distr)):
        report[name] = scores(clips, detector, threshold)
    return detector, report


TOLERANCE_FRAMES = 2
"""The second window convention leaves out the windows centred on the frames, this many on each side of where a
labelled blink starts or ends (``window_scores``); the first scores every window."""


def scores(clips: list[EarClip], detector, threshold: ThresholdDetector) -> dict[str, dict[str, dict]]:
    """{"svm"|"threshold": {"windows"|"windows_tolerant"|"events": precision, recall, f1, counts}}."""
    return {kind: {"windows": window_scores(clips, det),
                   "windows_tolerant": window_scores(clips, det, TOLERANCE_FRAMES),
                   "events": event_scores(clips, det)}
            for kind, det in (("svm", detector), ("threshold", threshold))}


def _prf_text(m: dict) -> str:
    return f"P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f}"


def _print_scores(name: str, report: dict) -> None:
    for kind, by_level in report.items():
        w, t, e = by_level["windows"], by_level["windows_tolerant"], by_level["events"]
        print(f"{name:<14} {kind:<10} windows {_prf_text(w)} | windows +-{TOLERANCE_FRAMES} {_prf_text(t)} | "
              f"events {_prf_text(e)} ({e['true_blinks']} blinks, {e['detections']} detections)")


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


def take_names(path: str | Path) -> list[str]:
    """The take names of a labels CSV in the order ``read_labels`` returns the takes ("" without a column)."""
    with Path(path).open() as fh:
        return list(dict.fromkeys(row.get("take", "") for row in csv.DictReader(fh)))


def _select_takes(path: Path, wanted: list[str] | None) -> list[EarClip]:
    clips, names = read_labels(path), take_names(path)
    if not wanted:
        return clips
    missing = set(wanted) - set(names)
    if missing:
        raise InputError(f"{path}: no take named {', '.join(sorted(missing))} (takes: {', '.join(names)})")
    return [clip for clip, name in zip(clips, names) if name in wanted]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--synthetic", action="store_true", help="train on the synthetic physiological corpus")
    ap.add_argument("--real", type=Path, metavar="LABELS.csv", help="with --synthetic: real labelled takes to add")
    ap.add_argument("--real-takes", nargs="+", metavar="TAKE", help="only these takes of --real (default: all)")
    ap.add_argument("--real-weight", type=float, default=REAL_WEIGHT, help="weight of a real window (synthetic: 1)")
    ap.add_argument("--distractor-weight", type=float, default=DISTRACTOR_WEIGHT,
                    help="weight of a synthetic window inside a squint, smile or glance")
    ap.add_argument("--evaluate", type=Path, metavar="LABELS.csv", help="score a classifier on labelled takes")
    ap.add_argument("--model", type=Path, help="classifier to evaluate (default: the shipped one)")
    ap.add_argument("--threshold", type=float, default=0.2, help="fixed EAR threshold shown beside the SVM")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-o", "--output", type=Path, default=DEFAULT_PATH)
    args = ap.parse_args(argv)
    if args.evaluate:
        detector = BlinkDetector.load(args.model) if args.model else BlinkDetector.default()
        clips, names = read_labels(args.evaluate), take_names(args.evaluate)
        for name, clip in zip(names, clips):
            _print_scores(name or "take", scores([clip], detector, ThresholdDetector(args.threshold)))
        if len(clips) > 1:
            _print_scores("all", scores(clips, detector, ThresholdDetector(args.threshold)))
        return 0
    if not args.synthetic:
        ap.error("use --synthetic or --evaluate (or `emoface blink train LABELS.csv` for your own labels)")
    real = None
    if args.real:
        real = _select_takes(args.real, args.real_takes)
    detector, report = train_synthetic(args.seed, real, args.real_weight, args.distractor_weight)
    detector.save(args.output)
    print(f"wrote {args.output}; best fixed threshold {report['threshold']:.2f}")
    for name in ("plain", "distractors"):
        _print_scores(name, report[name])
    return 0


if __name__ == "__main__":
    sys.exit(main())
