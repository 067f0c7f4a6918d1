"""``emoface info``: the model, its provenance, the controls and the emotions."""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="show the model, its provenance, controls and emotions")
    p.add_argument("--checkpoint", type=Path, help="model checkpoint (default: the shipped model)")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    from server.runtime.model_info import checkpoint_info  # reads the metadata only: no torch

    info = checkpoint_info(args.checkpoint)
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    cfg = info["config"]
    status = "trained" if info["trained"] else "UNTRAINED placeholder: animation will not follow speech"
    print(f"model:      {info['model_id']} ({status})")
    print(f"config:     {cfg['name']}: {cfg['audio_encoder']} encoder ({cfg['audio_width']} wide, "
          f"{cfg['audio_layers']} layers) + Audio2Rig ({cfg['num_layers']} layers, d_model {cfg['d_model']})")
    for key, value in info["provenance"].items():
        if key not in ("model_id", "trained"):
            print(f"  {key}: {json.dumps(value) if isinstance(value, (dict, list)) else value}")
    print(f"output:     {len(info['controls'])} controls at {info['fps']} fps; audio resampled to "
          f"{info['sample_rate_hz']} Hz mono")
    print(f"emotions:   {', '.join(info['emotions'])}")
    print("controls:   " + ", ".join(info["controls"]))
    return 0
