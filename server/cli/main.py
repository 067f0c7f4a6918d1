"""The ``emoface`` console command: parses and validates, then calls the pipeline.

Each subcommand lives in its own module exposing ``add_parser(subparsers)`` and
``run(args) -> int``; modules are imported only when their subcommand runs, so
``emoface info`` does not pay for gRPC, Ray or plotting imports.
Bad input exits with code 2 and one line on stderr.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import shlex
import sys

from model.errors import CheckpointError, InputError
from server.errors import ServiceError

# subcommand -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "animate": ("server.cli.animate", "animate an audio file with an emotion"),
    "info": ("server.cli.info", "show the model, its provenance, controls and emotions"),
    "convert": ("server.cli.convert", "convert reference or Hugging Face weights to a checkpoint"),
    "serve": ("server.cli.serve", "run the gRPC service"),
    "bake": ("server.bake.cli", "bake a manifest of dialogue lines (resumable)"),
    "preview": ("server.preview.cli", "render an animation to a preview video"),
    "plot": ("server.preview.cli_plot", "plot animation curves to an image"),
    "blink": ("postfx.blink.cli", "measure blink behaviour from video (detect, fit, train)"),
    "corpus": ("training.cli_corpus", "build the synthetic speech corpus"),
    "train": ("training.cli_train", "train an EmoFace model from a config file"),
    "evaluate": ("training.cli_evaluate", "evaluate a model against the teacher and baselines"),
    "ship": ("training.cli_ship", "stamp a trained checkpoint with provenance and make it the default model"),
    "livelink-face": ("server.livelink_face.cli", "send a clip to Unreal as Live Link Face (ARKit) UDP packets"),
}


# What installs a module the base install leaves out: by module first, then by command.
MODULE_EXTRAS = {"transformers": "hf", "ray": "ray", "matplotlib": "preview", "imageio_ffmpeg": "preview",
                 "PIL": "preview"}
COMMAND_EXTRAS = {"preview": "preview", "plot": "preview", "blink": "blink", "corpus": "train", "train": "train",
                  "evaluate": "train", "ship": "train", "convert": "hf"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="emoface", description="EmoFace Bridge: speech + emotion -> MetaHuman face")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = _parser()
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Only import the module of the chosen subcommand; list the others by name.
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, (module, help_text) in SUBCOMMANDS.items():
        if name != chosen:
            sub.add_parser(name, help=help_text, add_help=False)
            continue
        try:
            importlib.import_module(module).add_parser(sub)
        except ModuleNotFoundError as exc:
            return _missing_extra(exc, name)
    args = parser.parse_args(argv)
    args.command_line = "emoface " + shlex.join(argv)  # for provenance records
    if args.command is None:
        parser.print_help()
        return 2
    logging.basicConfig(level=[logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)],
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        return int(importlib.import_module(SUBCOMMANDS[args.command][0]).run(args) or 0)
    except (InputError, CheckpointError) as exc:
        print(f"emoface {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except ServiceError as exc:  # a failure reported by a remote service: one line, not a traceback
        print(f"emoface {args.command}: service error: {exc}", file=sys.stderr)
        return 1
    except ModuleNotFoundError as exc:
        return _missing_extra(exc, args.command)
    except BrokenPipeError:  # output piped into a command that stopped reading (e.g. `| head`)
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(f"emoface {args.command}: interrupted", file=sys.stderr)
        return 130


def _missing_extra(exc: ModuleNotFoundError, command: str) -> int:
    """An optional dependency is not installed: one line naming the extra that installs it (exit 2)."""
    extra = MODULE_EXTRAS.get((exc.name or "").split(".")[0]) or COMMAND_EXTRAS.get(command)
    if extra is None:
        raise exc
    print(f"emoface {command}: error: this needs the {exc.name!r} package, which is not installed; "
          f"install it with: pip install 'emoface-bridge[{extra}]'", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
