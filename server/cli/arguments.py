"""Command-line arguments several commands share, declared once: what to animate with (emotion,
model, seed), the post-processing flags, and loading the model. Defaults shown in the help come
from the option dataclasses (``%(default)s`` or their fields), never typed by hand."""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from model.emotion import EmotionTrack
from model.errors import InputError
from postfx.blink.sampler import BlinkOptions
from postfx.chain import PostFxOptions
from postfx.gains import GainOptions
from postfx.gate_stage import GATE_DETECTORS, SpeechGateOptions
from postfx.gaze import GazeOptions
from postfx.smoothing import SmoothingOptions
from server.runtime.options import RequestOptions


def add_animation_arguments(p: argparse.ArgumentParser, title: str | None = None, description: str | None = None,
                            seed_help: str = "seed for blinks and gaze (default: random)"):
    """``--emotion``/``--emotion-track``, ``--checkpoint`` and ``--seed`` (in an argument group when
    ``title`` is given, which is returned for more arguments), then the post-processing flags."""
    g = p.add_argument_group(title, description) if title else p
    emo = g.add_mutually_exclusive_group()
    emo.add_argument("--emotion", default="neutral", help="NAME or NAME:INTENSITY (default: %(default)s)")
    emo.add_argument("--emotion-track", type=Path, help="JSON emotion track (time-coded keys)")
    g.add_argument("--checkpoint", type=Path, help="model checkpoint (default: the shipped model)")
    g.add_argument("--seed", type=int, help=seed_help)
    add_postfx_arguments(p)
    return g


def add_postfx_arguments(p: argparse.ArgumentParser) -> None:
    blink, gains = BlinkOptions(), GainOptions()
    g = p.add_argument_group("post-processing")
    g.add_argument("--no-smoothing", action="store_true", help="skip Savitzky-Golay smoothing")
    g.add_argument("--no-blink", action="store_true", help="no synthesised blinks")
    g.add_argument("--no-gaze", action="store_true", help="no random gaze")
    g.add_argument("--blink-profile", help="blink profile JSON from `emoface blink fit` (sets mu and sigma)")
    g.add_argument("--blink-mu", type=float, help=f"mean of ln(blinks per minute) (default {blink.mu:g})")
    g.add_argument("--blink-sigma", type=float, help=f"s.d. of ln(blinks per minute) (default {blink.sigma:g})")
    add_speech_gate_argument(g)
    g.add_argument("--mouth-gain", type=float, default=gains.mouth,
                   help="gain on mouth, jaw, teeth, tongue (default %(default)g)")
    g.add_argument("--upper-face-gain", type=float, default=gains.upper_face,
                   help="gain on brows, eyes, nose (default %(default)g)")


def add_speech_gate_argument(g, what: str = "speech-activity gate: rest the mouth where nobody speaks") -> None:
    g.add_argument("--speech-gate", choices=GATE_DETECTORS, default=SpeechGateOptions().detector,
                   help=f"{what} (default: %(default)s)")


def speech_gate_from_args(args: argparse.Namespace) -> SpeechGateOptions:
    return SpeechGateOptions(detector=args.speech_gate)


def request_from_args(args: argparse.Namespace, controls: tuple[str, ...] = ()) -> tuple[EmotionTrack,
                                                                                           RequestOptions]:
    """The emotion track and request options the shared arguments describe."""
    track = EmotionTrack.load(args.emotion_track) if args.emotion_track else EmotionTrack.parse(args.emotion)
    return track, RequestOptions(postfx_options_from_args(args), controls, args.seed)


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
            speech_gate=speech_gate_from_args(args),
        )
    except TypeError as exc:  # a dataclass rejected a value type
        raise InputError(str(exc)) from None


def load_pipeline(checkpoint: Path | None, threads: int | None = None, quantize: bool = False):
    """The pipeline of ``--checkpoint``; warns on stderr when its model is untrained."""
    from server.runtime.pipeline import Pipeline, RuntimeOptions

    pipeline = Pipeline.load(checkpoint, RuntimeOptions(threads=threads, quantize=quantize))
    if not pipeline.trained:
        print(f"emoface: warning: model {pipeline.model_id} is UNTRAINED (placeholder weights); "
              "its mouth will not follow speech", file=sys.stderr)
    return pipeline
