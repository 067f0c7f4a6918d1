"""``emoface convert``: foreign weights -> an EmoFace checkpoint.

- ``--reference MODEL.pth``: the public EmoFace reference checkpoint layout (converted with
  the per-frame attention compatibility switch on);
- ``--hf-encoder DIR --preset paper|small``: a new, untrained network whose speech encoder
  comes from a local Hugging Face wav2vec2/Whisper directory (a starting point for training).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from model.config import EmoFaceConfig


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("convert", help="convert reference or Hugging Face weights to a checkpoint")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--reference", type=Path, help="EmoFace reference-code state dict (.pth)")
    src.add_argument("--hf-encoder", type=Path, help="local Hugging Face wav2vec2 or Whisper directory")
    p.add_argument("--preset", default="paper", choices=["paper", "small"], help="network preset for --hf-encoder")
    heads = EmoFaceConfig.paper().num_heads
    p.add_argument("--heads", type=int, help=f"attention heads of the reference Audio2Rig (default {heads})")
    p.add_argument("-o", "--output", type=Path, required=True, help="output .safetensors checkpoint")


def run(args: argparse.Namespace) -> int:
    from model.checkpoint import save_checkpoint
    from model.convert import hf_encoder_config, load_hf_audio_encoder, load_reference_checkpoint
    from model.network import EmoFace

    if args.reference:
        model = load_reference_checkpoint(args.reference, args.heads)
        meta = {"name": "reference-converted", "trained": True,
                "provenance": {"converted_from": str(args.reference), "reference_compat": True}}
    else:
        model = EmoFace(hf_encoder_config(args.hf_encoder, EmoFaceConfig.preset(args.preset)))
        load_hf_audio_encoder(model, args.hf_encoder)
        meta = {"name": f"{args.preset}-hf-init", "trained": False,
                "provenance": {"audio_encoder_from": str(args.hf_encoder)}}
    save_checkpoint(model, args.output, meta, include_packaged_encoder=True)
    print(f"wrote {args.output} ({model.config.name}, reference_compat={model.config.reference_compat})")
    return 0
