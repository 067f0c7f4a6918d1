"""``emoface livelink-face --to HOST:PORT --subject NAME INPUT``: play a clip as Live Link Face packets.

INPUT is a baked animation (``.csv``, ``.json``, ``.npz``, ``.txt``) or an audio file that is
animated first (shipped model or ``--checkpoint``, ``--emotion``). Frames go out in real time
(frame *i* at start + i / fps) or, with ``--fast``, back to back, through the same
:class:`~server.livelink_face.sink.LiveLinkFaceSink` the service uses, so Unreal can be tested
with no service running.
"""
from __future__ import annotations

import argparse
import logging
import socket
import sys
import time
from pathlib import Path

import numpy as np

from model.errors import InputError
from model.rig import rig
from server.cli.arguments import add_animation_arguments, load_pipeline, request_from_args
from server.livelink_face.packet import DEFAULT_PORT, MAX_NAME_BYTES, livelink_face_address
from server.runtime.animation import Animation
from server.runtime.formats import FORMATS

log = logging.getLogger(__name__)

LINE_ID = 1


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("livelink-face", help="send a clip to Unreal as Live Link Face (ARKit) UDP packets",
                       description="Send a baked animation or an audio file (animated first) to Unreal as Live "
                                   "Link Face UDP packets: 52 ARKit curves + eye angles mapped from the 174 "
                                   "face-board controls (see docs/livelink_face.md). No plugin needed.")
    p.add_argument("input", type=Path, help="baked animation (" + ", ".join("." + f for f in FORMATS)
                   + ") or audio file (WAV, FLAC, OGG)")
    p.add_argument("--to", required=True, metavar="HOST:PORT",
                   help=f"where Unreal's Live Link Face source listens (its port is {DEFAULT_PORT} by default)")
    p.add_argument("--subject", required=True, help="Live Link subject name to send under")
    p.add_argument("--device-id", default="EmoFaceBridge", help="device id field of the packets")
    p.add_argument("--fast", action="store_true", help="send every frame at once instead of in real time")
    p.add_argument("--lead-s", type=float, default=0.1,
                   help="delay before frame 0 in real time (default %(default)g s)")
    p.add_argument("--no-rest", action="store_true", help="do not send an all-zero frame after the last one")
    p.add_argument("--utc", action="store_true", help="frame times as UTC time of day (default: local)")
    add_animation_arguments(p, "audio input", "used only when INPUT is an audio file")


def load_animation(args: argparse.Namespace) -> Animation:
    """The clip to send: read a baked file, or animate an audio file."""
    path: Path = args.input
    if path.suffix.lower().lstrip(".") in FORMATS:
        from server.runtime.formats import read

        return read(path)
    from server.runtime.audio_io import decode_file
    track, options = request_from_args(args)
    audio = decode_file(path)  # fail on bad audio before loading the model
    pipeline = load_pipeline(args.checkpoint)
    return pipeline.animate(audio, track, options)


def _check_target(args: argparse.Namespace) -> tuple[str, int]:
    host, port = livelink_face_address(args.to)
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except (OSError, UnicodeError) as exc:
        raise InputError(f"cannot resolve --to host {host!r}: {exc}") from None
    if not args.subject or len(args.subject.encode("utf-8")) > MAX_NAME_BYTES:
        raise InputError(f"--subject must be 1 to {MAX_NAME_BYTES} bytes of UTF-8")
    if args.lead_s < 0:
        raise InputError(f"--lead-s must be >= 0, got {args.lead_s}")
    return host, port


def play(sink, subject: str, frames: np.ndarray, fps: float, paced: bool, lead_s: float) -> int:
    """Drive ``sink`` like the hub does for one line of ``frames`` ``(T, 174)``; returns frames sent."""
    sink.on_static(subject, tuple(rig().ue_names), fps)
    start_s = time.time() + (lead_s if paced else 0.0)
    sink.on_line_start(subject, LINE_ID, start_s, len(frames))
    sent, status = 0, "complete"
    try:
        for index, row in enumerate(frames):
            if paced:
                delay_s = start_s + index / fps - time.time()
                if delay_s > 0:
                    time.sleep(delay_s)
            sink.on_frame(subject, LINE_ID, index, index / fps, row)
            sent = index + 1
    except KeyboardInterrupt:
        status = "cancelled"
        raise
    finally:
        sink.on_line_end(subject, LINE_ID, sent, status, "")
    return sent


def run(args: argparse.Namespace) -> int:
    from server.livelink_face.sink import LiveLinkFaceSink

    host, port = _check_target(args)
    anim = load_animation(args)
    frames = anim.full()  # (T, 174) in rig order
    sink = LiveLinkFaceSink(host, port, device_id=args.device_id, max_queued_packets=len(frames) + 2,
                            rest_on_end=not args.no_rest, utc=args.utc)
    try:
        sent = play(sink, args.subject, frames, float(anim.fps), not args.fast, args.lead_s)
    finally:
        sink.close()
    stats = sink.stats()
    print(f"sent {stats['sent']} packets ({sent} frames, {sent / anim.fps:.2f} s at {anim.fps:g} fps) "
          f"as subject {args.subject!r} to {host}:{port}")
    if stats["dropped"] or stats["errors"]:
        print(f"emoface livelink-face: {stats['dropped']} packets dropped, {stats['errors']} send errors "
              "(see the log with -v)", file=sys.stderr)
        return 1
    return 0


__all__ = ["add_parser", "load_animation", "play", "run"]
