"""``emoface corpus build --out DIR``: synthesise the training corpus (resumable)."""
from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("corpus", help="build the synthetic speech corpus")
    verbs = p.add_subparsers(dest="verb", required=True, metavar="VERB")
    b = verbs.add_parser("build", help="synthesise utterances with phone timings (rerun to resume)")
    b.add_argument("--out", type=Path, required=True, help="corpus folder")
    b.add_argument("--scale", choices=["quick", "small", "full"], default="small",
                   help="quick: a few lines (tests); small: ~360 lines; full: ~1400 lines")
    b.add_argument("--count", type=int, help="number of utterances (overrides --scale)")
    b.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> int:
    from training.corpus.build import build

    added = build(args.out, args.scale, args.seed, args.count)
    print(f"added {added} utterances to {args.out} (manifest: {args.out / 'manifest.jsonl'})")
    return 0
