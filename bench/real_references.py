"""Every real reference for one checkpoint, or two side by side (before/after), in one run.

- talking-face video (jaw vs dlib inner-lip aperture), FACEGOOD takes (jaw vs mouth_stretch_c), optional
  EmoFace-layout keyed takes, and rest (silence, noise floors, pauses): see training/realref/;
- with ``--real-corpus`` (docs/training.md, "Real speech") and/or ``--corpus``: the teacher comparison of
  ``emoface evaluate``, its jaw r and lag rows, for each checkpoint.

Folders default to ../shared/realdata/<part>; an absent one is reported and skipped. Each video is decoded and
landmarked once for both checkpoints.

    python bench/real_references.py                                   # the shipped model
    python bench/real_references.py --checkpoint runs/new/model.safetensors --compare model/weights/default.safetensors
    python bench/real_references.py --real-corpus real_corpus --reference-corpus corpus --json real.json
"""
from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from training.realref.animate import DEFAULT_ENERGY, Animator
from training.realref.report import RealRefOptions, default_realdata, load_references, score_references
from training.realref.report_text import format_real

TEACHER_ROWS = (("jaw-open corr (pooled)", "jaw_corr", "{:.3f}"),
                ("jaw r0, median per clip", "jaw_r0_median", "{:.3f}"),
                ("jaw best lag, median (frames)", "jaw_lag_median", "{:+.1f}"),
                ("jaw best lag, pooled (ms)", "jaw_lag_pooled_ms", "{:+.0f}"),
                ("MAE mouth", "mae_mouth", "{:.4f}"), ("bilabial hit rate", "bilabial_hit_rate", "{:.3f}"))


def teacher_table(title: str, reports: list[dict]) -> list[str]:
    head = [f"{r['model_id'].split('@')[-1][:8]}" for r in reports] + ["energy"]
    lines = [f"{title}: {reports[0]['corpus']} [{reports[0]['split']}], {reports[0]['utterances']} utterances x "
             f"{reports[0]['clips'] // max(reports[0]['utterances'], 1)} emotions",
             f"  {'':<32}" + "".join(f"{h:>12}" for h in head)]
    for label, key, fmt in TEACHER_ROWS:
        cells = [fmt.format(r["model"][key]) for r in reports] + [fmt.format(reports[0]["energy_baseline"][key])]
        lines.append(f"  {label:<32}" + "".join(f"{c:>12}" for c in cells))
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", help="checkpoint (default: the shipped model)")
    ap.add_argument("--compare", help="a second checkpoint, reported beside the first")
    root = default_realdata()
    ap.add_argument("--talking-faces", type=Path, default=root / "talking_faces")
    ap.add_argument("--facegood", type=Path, default=root / "facegood")
    ap.add_argument("--keyed-takes", type=Path, help="EmoFace-layout takes (WAV/*.wav + *.txt)")
    ap.add_argument("--no-rest", action="store_true", help="skip the rest metrics")
    ap.add_argument("--real-corpus", type=Path, help="forced-aligned real speech (emoface corpus import)")
    ap.add_argument("--corpus", type=Path, help="synthetic corpus: jaw lag against the teacher on its val split")
    ap.add_argument("--reference-corpus", type=Path, help="train split for the emotion classifier and energy "
                                                          "baseline (default: --corpus)")
    ap.add_argument("--max-lag-frames", type=int, default=12)
    ap.add_argument("--json", type=Path, help="write every report as JSON")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    t0 = time.monotonic()
    checkpoints = [args.checkpoint] + ([args.compare] if args.compare else [])
    opts = RealRefOptions(talking_faces=args.talking_faces, facegood=args.facegood, keyed_takes=args.keyed_takes,
                          rest=not args.no_rest, max_lag_frames=args.max_lag_frames)
    refs = load_references(opts)
    baseline = DEFAULT_ENERGY
    if args.reference_corpus or args.corpus:
        from training.baselines import EnergyJawBaseline
        from training.dataset import load_split

        baseline = EnergyJawBaseline.fit(load_split(args.reference_corpus or args.corpus, "train")[:80])
    real = [score_references(Animator(c, baseline), refs, opts) for c in checkpoints]
    out = {"real": real}
    text = [format_real(real)]
    for title, corpus, voice in (("Forced-aligned real speech vs teacher", args.real_corpus, "recording"),
                                 ("Synthetic speech vs teacher", args.corpus, None)):
        if corpus is None:
            continue
        from training.evaluate import evaluate

        reports = [evaluate(c, corpus, "val", 200, voice=voice, reference_corpus=args.reference_corpus or args.corpus)
                   for c in checkpoints]
        out[title] = reports
        text += teacher_table(title, reports)
    print("\n".join(text))
    print(f"({time.monotonic() - t0:.0f} s; positive lag = the animation is late)")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
