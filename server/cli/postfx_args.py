"""Command-line flags for the post-processing options, shared by every command that animates."""
from __future__ import annotations

import argparse
from dataclasses import replace

from model.errors import InputError
from postfx.blink.sampler import BlinkOptions
from postfx.chain import PostFxOptions
from postfx.gains import GainOptions
from postfx.gaze import GazeOptions
from postfx.smoothing import SmoothingOptions


def add_postfx_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("post-processing")
    g.add_argument("--no-smoothing", action="store_true", help="skip Savitzky-Golay smoothing")
    g.add_argument("--no-blink", action="store_true", help="no synthesised blinks")
    g.add_argument("--no-gaze", action="store_true", help="no random gaze")
    g.add_argument("--blink-profile", help="blink profile JSON from `emoface blink fit` (sets mu and sigma)")
    g.add_argument("--blink-mu", type=float, help="mean of ln(blinks per minute) (default 3.518)")
    g.add_argument("--blink-sigma", type=float, help="s.d. of ln(blinks per minute) (default 0.532)")
    g.add_argument("--mouth-gain", type=float, default=1.0, help="gain on mouth, jaw, teeth, tongue (default 1)")
    g.add_argument("--upper-face-gain", type=float, default=1.0, help="gain on brows, eyes, nose (default 1)")


def postfx_options_from_args(args: argparse.Namespace) -> PostFxOptions:
    blink = BlinkOptions.from_profile(args.blink_profile) if args.blink_profile else BlinkOptions()
    if args.blink_mu is not None:
        blink = replace(blink, mu=args.blink_mu)
    if args.blink_sigma is not None:
        blink = replace(blink, sigma=args.blink_sigma)
    try:
        return PostFxOptions(
            smoothing=SmoothingOptions(enabled=not args.no_smoothing),
            gains=GainOptions(mouth=args.mouth_gain, upper_face=args.upper_face_gain),
            blink=replace(blink, enabled=not args.no_blink),
            gaze=GazeOptions(enabled=not args.no_gaze),
        )
    except TypeError as exc:  # a dataclass rejected a value type
        raise InputError(str(exc)) from None
