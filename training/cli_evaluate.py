"""``emoface evaluate``: a model against the phonetic teacher and an energy baseline."""
from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="evaluate a model against the teacher and baselines")
    p.add_argument("--checkpoint", help="model checkpoint (default: the shipped model)")
    p.add_argument("--corpus", type=Path, required=True, help="corpus folder (emoface corpus build)")
    p.add_argument("--split", default="val", help="split to evaluate on (default: val, the held-out voice setting)")
    p.add_argument("--max-utterances", type=int, default=60)
    p.add_argument("--voice", help="only utterances whose voice starts with this (espeak, piper, recording, "
                                   "espeak:en-us+klatt4...)")
    p.add_argument("--reference-corpus", type=Path,
                   help="corpus whose train split fits the emotion classifier and the energy baseline "
                        "(default: --corpus; needed for a folder of imported recordings)")
    p.add_argument("--report", "--json", dest="report", type=Path, metavar="PATH",
                   help="also write the metrics to this JSON file (--json is the old spelling)")


def run(args: argparse.Namespace) -> int:
    from training.evaluate import evaluate, format_report, write_report

    report = evaluate(args.checkpoint, args.corpus, args.split, args.max_utterances, voice=args.voice,
                      reference_corpus=args.reference_corpus)
    print(format_report(report))
    if args.report:
        write_report(report, args.report)
    return 0
