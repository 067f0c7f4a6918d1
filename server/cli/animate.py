"""``emoface animate AUDIO -o OUT``: animate one audio file locally or through a server."""
from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from pathlib import Path
from typing import Callable, Iterator

from model.constants import SAMPLE_RATE_HZ
from model.emotion import EmotionTrack
from model.errors import InputError
from server.cli.arguments import add_animation_arguments, load_pipeline, request_from_args
from server.runtime.audio_io import decode_file
from server.runtime.formats import format_of, write
from server.runtime.options import RequestOptions

log = logging.getLogger(__name__)
PROGRESS_AFTER_S = 60.0  # clips at least this long show a progress bar on stderr


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("animate", help="animate an audio file with an emotion",
                       description="Animate speech audio (WAV/FLAC/OGG, any sample rate, mono or stereo). "
                                   "The output's extension picks the format: .csv, .json, .npz or .txt.")
    p.add_argument("audio", type=Path, help="audio file (WAV, FLAC or OGG)")
    p.add_argument("-o", "--output", required=True, help="output file: .csv, .json, .npz or .txt")
    p.add_argument("--controls", default="", help="comma-separated control and/or group names to output")
    p.add_argument("--threads", type=int, help="PyTorch threads (default: PyTorch's choice)")
    p.add_argument("--quantize", action="store_true", help="int8 dynamic quantisation of linear layers")
    add_animation_arguments(p, seed_help="seed for blinks and gaze (default: random, reported in .json output)")
    remote = p.add_argument_group("remote", "animate through a running `emoface serve`")
    remote.add_argument("--server", metavar="HOST:PORT",
                        help="use the gRPC service instead of a local model; several replicas: IP:PORT,IP:PORT or "
                             "dns:///NAME:PORT (round-robin over healthy replicas, retried on UNAVAILABLE)")
    remote.add_argument("--token-file", type=Path, help="file holding the bearer token for --server")
    remote.add_argument("--tls-ca", type=Path, help="CA certificate to verify the server (enables TLS)")
    remote.add_argument("--tls-server-name", metavar="NAME",
                        help="name the server certificate must carry, when --server does not (e.g. a list of IPs)")
    remote.add_argument("--livelink-subject", default="", metavar="NAME",
                        help="also play the frames on this Live Link subject (server runs --livelink-port)")


def build_request(args: argparse.Namespace) -> tuple[EmotionTrack, RequestOptions]:
    """Emotion track and request options from parsed arguments."""
    return request_from_args(args, tuple(c.strip() for c in args.controls.split(",") if c.strip()))


def run(args: argparse.Namespace) -> int:
    format_of(args.output)  # fail on a folder or a bad extension before any work (the text keeps a trailing /)
    args.output = Path(args.output)
    track, options = build_request(args)
    if args.livelink_subject and not args.server:
        raise InputError("--livelink-subject needs --server (a running `emoface serve --livelink-port N`)")
    if args.server:
        anim = _animate_remote(args, track, options)
    else:
        audio = decode_file(args.audio)  # fail fast on bad audio, before loading the model
        pipeline = load_pipeline(args.checkpoint, args.threads, args.quantize)
        with _progress_bar(len(audio) / SAMPLE_RATE_HZ) as progress:
            anim = pipeline.animate(audio, track, options, progress)
    write(anim, args.output)
    print(f"wrote {anim.num_frames} frames ({anim.duration_s:.2f} s at {anim.fps:g} fps, "
          f"{len(anim.controls)} controls, seed {anim.options.get('seed')}) to {args.output}")
    return 0


@contextlib.contextmanager
def _progress_bar(duration_s: float) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr for clips of at least :data:`PROGRESS_AFTER_S` seconds (None below)."""
    if duration_s < PROGRESS_AFTER_S:
        yield None
        return
    from tqdm import tqdm

    with tqdm(desc=f"animating {duration_s:.0f} s", unit="window", file=sys.stderr, dynamic_ncols=True) as bar:
        def update(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        yield update


def _animate_remote(args: argparse.Namespace, track: EmotionTrack, options: RequestOptions):
    from server.grpc.client import FaceAnimationClient

    if not args.audio.is_file():
        raise InputError(f"audio file not found: {args.audio}")
    token = args.token_file.read_text().strip() if args.token_file else None
    with FaceAnimationClient(args.server, token=token, root_cert=args.tls_ca,
                             tls_server_name=args.tls_server_name) as client:
        return client.animate(args.audio.read_bytes(), track, options, livelink_subject=args.livelink_subject)


__all__ = ["add_parser", "build_request", "run"]
