"""``emoface plot ANIMATION -o OUT.png``: animation curves over time, grouped, events marked."""
from __future__ import annotations

import argparse
from pathlib import Path

from server.preview.plot import DEFAULT_GROUPS, PlotOptions, image_format, plot_animation
from server.runtime.formats import read


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plot", help="plot animation curves to an image",
                       description="Plot the control curves of an animation file (.json, .csv, .npz or .txt) "
                                   "over time, one panel per control group, with emotion keys and blink "
                                   "onsets marked. The output's extension picks the format: .png, .svg or .pdf.")
    p.add_argument("animation", type=Path, help="animation file: .json, .csv, .npz or .txt")
    p.add_argument("-o", "--output", type=Path, required=True, help="image file: .png, .svg or .pdf")
    p.add_argument("--groups", default="", help="comma-separated groups, one panel each "
                                                f"(default: {','.join(DEFAULT_GROUPS)})")
    p.add_argument("--controls", default="", help="comma-separated control names for an extra panel")
    p.add_argument("--max-legend", type=int, default=8, help="controls per panel drawn in colour (default %(default)s)")
    p.add_argument("--dpi", type=int, default=100, help="image resolution (default %(default)s)")


def _split(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(",") if x.strip())


def run(args: argparse.Namespace) -> int:
    image_format(args.output)  # fail on a bad extension before reading anything
    anim = read(args.animation)
    options = PlotOptions(groups=_split(args.groups), controls=_split(args.controls),
                          max_legend=max(0, args.max_legend), dpi=max(20, args.dpi),
                          title=f"{args.animation.name}: {anim.num_frames} frames, {anim.duration_s:.2f} s "
                                f"at {anim.fps:g} fps" + _model_note(anim))
    plot_animation(anim, args.output, options)
    blinks = len(anim.blinks)
    print(f"wrote {args.output} ({anim.num_frames} frames, {blinks} blink{'' if blinks == 1 else 's'} marked)")
    return 0


def _model_note(anim) -> str:
    model = anim.provenance.get("model_id") or anim.provenance.get("name")
    seed = anim.options.get("seed")
    return (f", model {model}" if model else "") + (f", seed {seed}" if seed is not None else "")


__all__ = ["add_parser", "run"]
