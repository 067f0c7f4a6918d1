"""``emoface blink detect|fit|train``: measure blink behaviour from video."""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("blink", help="measure blink behaviour from video (detect, fit, train)")
    verbs = p.add_subparsers(dest="verb", required=True, metavar="VERB")
    d = verbs.add_parser("detect", help="blink events of a face video")
    d.add_argument("video", type=Path)
    d.add_argument("-o", "--output", type=Path, required=True, help="events JSON")
    d.add_argument("--plot", type=Path, help="PNG of EAR over time with the blinks marked")
    d.add_argument("--model", type=Path, help="classifier .npz (default: the shipped one)")
    d.add_argument("--threshold", type=float, help="use the fixed-threshold detector instead of the SVM")
    f = verbs.add_parser("fit", help="fit a blink-rate profile from one or more videos")
    f.add_argument("videos", type=Path, nargs="+")
    f.add_argument("-o", "--output", type=Path, required=True, help="profile JSON for --blink-profile")
    f.add_argument("--model", type=Path)
    t = verbs.add_parser("train", help="train a classifier from per-frame labels (CSV: ear,label[,fps][,take])")
    t.add_argument("labels", type=Path)
    t.add_argument("-o", "--output", type=Path, required=True, help="classifier .npz")


def _detector(args):
    from postfx.blink.detector import BlinkDetector, ThresholdDetector

    if getattr(args, "threshold", None) is not None:
        return ThresholdDetector(args.threshold)
    return BlinkDetector.load(args.model) if args.model else BlinkDetector.default()


def run(args: argparse.Namespace) -> int:
    from postfx.blink.video import ear_from_video

    if args.verb == "train":
        from postfx.blink.train import fit_svm, read_labels, training_windows

        detector = fit_svm(*training_windows(read_labels(args.labels)))
        detector.save(args.output)
        print(f"wrote {args.output}")
        return 0
    detector = _detector(args)
    if args.verb == "detect":
        series = ear_from_video(args.video)
        events = detector.detect(series.mean, series.fps)
        out = {"video": str(args.video), "fps": series.fps, "frames": len(series.mean),
               "frames_without_face": int((~series.face_found).sum()), "blinks": [e.to_dict() for e in events],
               "ear": [None if v != v else round(float(v), 4) for v in series.mean]}
        from model.files import atomic_path

        with atomic_path(args.output) as tmp:
            tmp.write_text(json.dumps(out))
        if args.plot:
            _plot(series, events, args.plot)
        print(f"{len(events)} blinks in {len(series.mean) / series.fps:.1f} s of video -> {args.output}")
        return 0
    from postfx.blink.fit import profile, write_profile

    takes = []
    for video in args.videos:
        series = ear_from_video(video)
        takes.append(detector.detect(series.mean, series.fps))
    data = profile(takes, [str(v) for v in args.videos])
    write_profile(data, args.output)
    print(f"mu {data['mu']}, sigma {data['sigma']} from {data['num_intervals']} intervals -> {args.output}")
    return 0


def _plot(series, events, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    t = np.arange(len(series.mean)) / series.fps
    fig, ax = plt.subplots(figsize=(12, 3.5))
    ax.plot(t, series.mean, lw=1, label="EAR (mean of both eyes)")
    for k, e in enumerate(events):
        ax.axvspan(e.start_s, e.end_s, color="tab:red", alpha=0.3, label="blink" if k == 0 else None)
    missing = ~series.face_found
    if missing.any():
        ax.plot(t[missing], np.zeros(missing.sum()), "k|", label="no face")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("EAR")
    ax.set_title(f"{len(events)} blinks")
    ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
