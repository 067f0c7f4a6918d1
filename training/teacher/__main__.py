"""Animate a phone alignment with the teacher and write it as an animation file.

    python -m training.teacher ALIGNMENT.json -o out.csv [--emotion happy:0.6 | --emotion-track T.json]
        [--num-frames N | --duration-s S] [--seed 0] [--speaker-style 1.0]

``ALIGNMENT.json`` is what ``training.phones.save_alignment`` writes. The output format
follows the extension (csv, json, npz, txt), so teacher targets can be previewed and
plotted with the same tools as model output.
"""
from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path

from model.constants import FPS
from model.emotion import EmotionTrack
from model.errors import InputError


@dataclass(frozen=True)
class RenderConfig:
    """One rendering: ``alignment`` (JSON phone spans), ``output`` (animation file),
    ``emotion`` (label or label:intensity) or ``emotion_track`` (JSON track file),
    length as ``num_frames`` or ``duration_s`` (default: to the end of the last phone),
    ``seed`` and ``speaker_style`` as for ``animate_phones``."""

    alignment: Path
    output: Path
    emotion: str = "neutral"
    emotion_track: Path | None = None
    num_frames: int | None = None
    duration_s: float | None = None
    seed: int = 0
    speaker_style: float | None = None


def parse_args(argv: list[str] | None) -> RenderConfig:
    p = argparse.ArgumentParser(prog="python -m training.teacher", description=__doc__.splitlines()[0])
    p.add_argument("alignment", type=Path, help="phone alignment JSON (list of {phone, start_s, end_s})")
    p.add_argument("-o", "--output", type=Path, required=True, help="animation file (.csv, .json, .npz, .txt)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--emotion", default="neutral", help="NAME or NAME:INTENSITY (default neutral)")
    group.add_argument("--emotion-track", type=Path, help="emotion track JSON with time-coded keys")
    length = p.add_mutually_exclusive_group()
    length.add_argument("--num-frames", type=int, help="output length in frames at 60 fps")
    length.add_argument("--duration-s", type=float, help="output length in seconds")
    p.add_argument("--seed", type=int, default=0, help="natural-variation seed (default 0)")
    p.add_argument("--speaker-style", type=float, help="articulation scale 0.5-1.5 (default 1)")
    a = p.parse_args(argv)
    return RenderConfig(a.alignment, a.output, a.emotion, a.emotion_track, a.num_frames, a.duration_s,
                        a.seed, a.speaker_style)


def render(cfg: RenderConfig) -> Path:
    """Animate ``cfg.alignment`` and write ``cfg.output``; returns the path written."""
    from server.runtime.animation import Animation
    from server.runtime.formats import write
    from training.phones import load_alignment
    from training.teacher import animate_phones

    try:
        phones = load_alignment(cfg.alignment)
    except FileNotFoundError:
        raise InputError(f"alignment file not found: {cfg.alignment}") from None
    except (ValueError, TypeError, KeyError) as exc:
        raise InputError(f"{cfg.alignment} is not a phone alignment: {exc}") from None
    track = EmotionTrack.load(cfg.emotion_track) if cfg.emotion_track else EmotionTrack.parse(cfg.emotion)
    if cfg.num_frames is not None:
        num_frames = cfg.num_frames
    else:
        end_s = cfg.duration_s if cfg.duration_s is not None else max((s.end_s for s in phones), default=0.0)
        num_frames = math.floor(end_s * FPS)
    frames = animate_phones(phones, track, num_frames, seed=cfg.seed, speaker_style=cfg.speaker_style)
    anim = Animation(frames, options={"seed": cfg.seed, "speaker_style": cfg.speaker_style},
                     provenance={"model_id": "phonetic-teacher", "alignment": str(cfg.alignment)},
                     emotion=track.to_obj())
    return write(anim, cfg.output)


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)
    try:
        path = render(cfg)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
