"""``emoface train CONFIG.json``: train a model on a corpus with phonetic-teacher targets."""
from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train an EmoFace model from a config file",
                       description="Train from a JSON config (see training/configs/small.json). Rerun with the same "
                                   "`out` to resume. Writes OUT/model.safetensors.")
    p.add_argument("config", type=Path, help="training config JSON")
    p.add_argument("--corpus", help="override the config's corpus folder")
    p.add_argument("--out", help="override the config's run folder")
    p.add_argument("--minutes", type=float, help="override the wall-clock budget")


def run(args: argparse.Namespace) -> int:
    from training.train import TrainConfig, train

    cfg = TrainConfig.load(args.config, corpus=args.corpus, out=args.out, minutes=args.minutes)
    Path(cfg.out).mkdir(parents=True, exist_ok=True)
    (Path(cfg.out) / "config.json").write_text(json.dumps(asdict(cfg), indent=1))
    path = train(cfg, command=getattr(args, "command_line", None))
    print(f"wrote {path}")
    return 0
