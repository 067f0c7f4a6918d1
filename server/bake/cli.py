"""``emoface bake MANIFEST -o OUTDIR``: bake dialogue lines, resumably."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from server.runtime.formats import FORMATS


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bake", help="bake a manifest of dialogue lines (resumable)",
                       description="Bake every line of a CSV (header row) or JSON Lines manifest with fields id, "
                                   "audio, emotion[, seed, options]. Unchanged lines are skipped; rerun after a "
                                   "crash to finish the rest. Exit code 1 if any line failed.")
    p.add_argument("manifest", type=Path, help="manifest .csv or .jsonl")
    p.add_argument("-o", "--output", type=Path, required=True, help="output directory")
    p.add_argument("--format", action="append", choices=FORMATS, dest="formats",
                   help="output format (repeatable; default json)")
    p.add_argument("--workers", type=int, default=1, help="local worker processes or Ray actors (default %(default)s)")
    p.add_argument("--ray", metavar="ADDRESS", help="bake on Ray: 'local' starts one here, 'auto' joins the "
                                                    "running cluster, or ray://HOST:PORT")
    p.add_argument("--checkpoint", help="model checkpoint (default: the shipped model)")
    p.add_argument("--force", action="store_true", help="rebake lines even if unchanged")


def run(args: argparse.Namespace) -> int:
    from server.bake.runner import BakeConfig, run_bake

    cfg = BakeConfig(args.manifest, args.output, tuple(dict.fromkeys(args.formats or ["json"])), args.workers,
                     args.ray, args.checkpoint, args.force)
    summary = run_bake(cfg)
    print(summary.text())
    for line_id, record in summary.records.items():
        if record["status"] == "failed":
            print(f"  failed {line_id}: {record['error']}", file=sys.stderr)
    return 1 if summary.count("failed") else 0
