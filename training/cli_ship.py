"""``emoface ship RUN/model.safetensors``: stamp provenance and make a trained run the default."""
from __future__ import annotations

import argparse
from pathlib import Path

from model.metadata import default_checkpoint_path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ship", help="stamp a trained run's checkpoint with provenance and make it the default",
                       description="Copy RUN/model.safetensors (weights unchanged) with provenance for `emoface info`.")
    p.add_argument("checkpoint", type=Path, help="a trained run's model.safetensors")
    p.add_argument("-o", "--output", type=Path, default=None,
                   help="where to write it (default: the packaged model/weights/default.safetensors)")
    p.add_argument("--evaluation", type=Path, action="append", default=[],
                   help="an `emoface evaluate --json` report to record (repeatable)")


def run(args: argparse.Namespace) -> int:
    from training.ship import ship

    path = ship(args.checkpoint, args.output or default_checkpoint_path(), args.evaluation)
    print(f"wrote {path}")
    return 0
