"""``emoface evaluate``: a model against the phonetic teacher and an energy baseline, and against real
references (talking-face video, artist-solved and artist-keyed takes, rest in silence and pauses)."""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

DEFAULT = "default"
"""Sentinel of a real-reference flag given without a folder: use ../shared/realdata/<part>."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="evaluate a model against the teacher, baselines and real references")
    p.add_argument("--checkpoint", help="model checkpoint (default: the shipped model)")
    p.add_argument("--corpus", type=Path, help="corpus folder (emoface corpus build); required unless only "
                                               "real references are asked for")
    p.add_argument("--split", default="val", help="split to evaluate on (default: val, the held-out voice setting)")
    p.add_argument("--max-utterances", type=int, default=60)
    p.add_argument("--voice", help="only utterances whose voice starts with this (espeak, piper, recording, "
                                   "espeak:en-us+klatt4...)")
    p.add_argument("--reference-corpus", type=Path,
                   help="corpus whose train split fits the emotion classifier and the energy baseline "
                        "(default: --corpus; needed for a folder of imported recordings)")
    p.add_argument("--postfx", action="store_true",
                   help="also score the model through the post-processing chain on --corpus (speech gate per "
                        "--speech-gate, smoothing, gains; no blinks or gaze): what `emoface animate --no-blink "
                        "--no-gaze` writes")
    real = p.add_argument_group("real references (a flag without a folder: ../shared/realdata/<part>)")
    real.add_argument("--talking-faces", nargs="?", const=DEFAULT, metavar="DIR",
                      help="*.mp4 talking-face videos: jaw vs dlib inner-lip aperture")
    real.add_argument("--facegood", nargs="?", const=DEFAULT, metavar="DIR",
                      help="FACEGOOD takes (bs_value_*.npy + *.wav): jaw vs mouth_stretch_c")
    real.add_argument("--keyed-takes", type=Path, metavar="DIR",
                      help="artist-keyed takes in the EmoFace layout (WAV/*.wav + *.txt): mouth controls")
    real.add_argument("--rest", action="store_true", help="jaw in silence, noise floors and pauses of the real "
                                                          "speech given (and docs/samples/hello.wav padded)")
    real.add_argument("--real", action="store_true", help="all of --talking-faces --facegood --rest with the "
                                                          "default folders")
    from server.cli.arguments import add_speech_gate_argument

    add_speech_gate_argument(real, "speech gate of the `postfx` and stream curves")
    from postfx.gate_stage import SpeechGateOptions

    real.add_argument("--speech-gate-onset-s", type=float, default=SpeechGateOptions.onset_s, metavar="S",
                      help="the silero gate's onset reach (default %(default).3g s; 0 = the gate as it was before "
                           "the reach)")
    real.add_argument("--max-lag-frames", type=int, default=12, help="lag search range, +-frames at 60 fps")
    p.add_argument("--report", "--json", dest="report", type=Path, metavar="PATH",
                   help="also write the metrics to this JSON file, real references under \"real\" "
                        "(--json is the old spelling)")


def real_options(args: argparse.Namespace):
    """The real-reference options the flags ask for, or None."""
    from training.realref.report import RealRefOptions, default_realdata

    def folder(value, part: str) -> Path | None:
        if value is None and not args.real:
            return None
        return default_realdata() / part if value in (None, DEFAULT) else Path(value)

    opts = RealRefOptions(talking_faces=folder(args.talking_faces, "talking_faces"),
                          facegood=folder(args.facegood, "facegood"), keyed_takes=args.keyed_takes,
                          rest=args.rest or args.real, max_lag_frames=args.max_lag_frames)
    wanted = opts.talking_faces or opts.facegood or opts.keyed_takes or opts.rest
    return opts if wanted else None


def run(args: argparse.Namespace) -> int:
    from training.evaluate import evaluate, format_report, write_report

    real = real_options(args)
    if args.corpus is None and real is None:
        print("emoface evaluate: give --corpus, or real references (--talking-faces, --facegood, --keyed-takes, "
              "--rest, --real)", file=sys.stderr)
        return 2
    report = {}
    if args.corpus is not None:
        postfx = None
        if args.postfx:
            from training.realref.animate import NO_BLINK_GAZE

            postfx = dataclasses.replace(NO_BLINK_GAZE, speech_gate=_speech_gate(args))
        report = evaluate(args.checkpoint, args.corpus, args.split, args.max_utterances, voice=args.voice,
                          reference_corpus=args.reference_corpus, postfx=postfx)
    if real is not None:
        from training.realref.animate import Animator
        from training.realref.report import load_references, score_references

        animator = Animator(args.checkpoint, baseline=_baseline(args), speech_gate=_speech_gate(args))
        report["real"] = score_references(animator, load_references(real), real)
        report.setdefault("model_id", report["real"]["model_id"])
    if args.corpus is not None:
        print(format_report(report))
    else:
        from training.realref.report_text import format_real

        print(format_real([report["real"]]))
    if args.report:
        write_report(report, args.report)
    return 0


def _speech_gate(args: argparse.Namespace):
    """The speech gate the flags ask for (an InputError for an onset reach out of range)."""
    from server.cli.arguments import speech_gate_from_args

    return dataclasses.replace(speech_gate_from_args(args), onset_s=args.speech_gate_onset_s)


def _baseline(args: argparse.Namespace):
    """The energy baseline fitted on the reference corpus's train split when one is given, else the default."""
    from training.realref.animate import DEFAULT_ENERGY

    corpus = args.reference_corpus or args.corpus
    if corpus is None:
        return DEFAULT_ENERGY
    from training.baselines import EnergyJawBaseline
    from training.dataset import load_split

    train = load_split(corpus, "train")
    return EnergyJawBaseline.fit(train[:80]) if train else DEFAULT_ENERGY
