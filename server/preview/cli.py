"""``emoface preview INPUT -o OUT.mp4``: watch an animation (or animate audio first) as a face video.

INPUT is an animation file (.json/.csv/.npz/.txt, audio via ``--audio``) or an audio file
(.wav/.flac/.ogg), which is animated first with the same pipeline as ``emoface animate``.
``--compare OTHER`` renders a second animation of the same audio beside the first.
"""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

from model.constants import SAMPLE_RATE_HZ
from model.errors import InputError
from server.cli.arguments import add_animation_arguments, load_pipeline, request_from_args
from server.runtime.animation import Animation
from server.runtime.formats import FORMATS, format_of, read, write

log = logging.getLogger(__name__)

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga")
ANIMATION_EXTENSIONS = tuple("." + f for f in FORMATS)
STILL_EXTENSIONS = (".png", ".jpg", ".jpeg")
X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("preview", help="render an animation to a preview video",
                       description="Render a front-view face driven by the controls to an MP4 with the audio "
                                   "muxed in. INPUT is an animation (.json, .csv, .npz, .txt; give its audio with "
                                   "--audio) or speech audio (.wav, .flac, .ogg), which is animated first.")
    p.add_argument("input", type=Path, help="animation file or audio file")
    p.add_argument("-o", "--output", type=Path, required=True,
                   help="output video (.mp4), or a still image (.png/.jpg) of the frame at --at")
    p.add_argument("--at", type=float, default=0.0, metavar="SECONDS",
                   help="time of the frame written when the output is a still image (default %(default)g)")
    p.add_argument("--audio", type=Path, help="audio to mux in when INPUT is an animation (WAV, FLAC or OGG)")
    p.add_argument("--compare", type=Path, help="second animation of the same audio, drawn side by side")
    p.add_argument("--labels", help="comma-separated panel labels, one per animation (e.g. offline,stream)")
    p.add_argument("--fps", type=float, help="video frame rate (default: the animation's, normally 60)")
    p.add_argument("--size", type=int, default=640, help="face panel width and height in pixels (default %(default)s)")
    p.add_argument("--antialias", action="store_true", help="2x supersampling: smoother edges, ~1.5x slower")
    p.add_argument("--no-caption", action="store_true", help="no time / emotion caption on the panels")
    p.add_argument("--crf", type=int, default=20, help="x264 quality, lower is better (default %(default)s)")
    p.add_argument("--preset", default="veryfast", choices=X264_PRESETS,
                   help="x264 speed preset (default veryfast; ultrafast encodes ~2x faster, ~3x larger files)")
    animate = add_animation_arguments(p, "animating audio input", "used only when INPUT is an audio file")
    animate.add_argument("--save-animation", type=Path, help="also write the animation (.json, .csv, .npz, .txt)")
    animate.add_argument("--compare-stream", action="store_true",
                         help="also stream the audio in chunks and show offline and streamed side by side")
    animate.add_argument("--stream-chunk-s", type=float, default=0.1,
                         help="chunk length for --compare-stream (default %(default)g s)")
    animate.add_argument("--lookahead-s", type=float, default=0.1,
                         help="stream lookahead for --compare-stream (default %(default)g s)")


def _kind(path: Path) -> str:
    ext = path.suffix.lower()
    if ext in AUDIO_EXTENSIONS:
        return "audio"
    if ext in ANIMATION_EXTENSIONS:
        return "animation"
    raise InputError(f"cannot tell what {path.name!r} is from its extension; use an animation "
                     f"({', '.join(ANIMATION_EXTENSIONS)}) or audio ({', '.join(AUDIO_EXTENSIONS)})")


def _animate(args: argparse.Namespace, audio) -> list[Animation]:
    """The offline animation of ``audio`` (and the streamed one with ``--compare-stream``)."""
    from server.runtime.options import RequestOptions

    track, options = request_from_args(args)
    pipeline = load_pipeline(args.checkpoint)
    anims = [pipeline.animate(audio, track, options)]
    if args.compare_stream:
        from server.preview.sources import animate_streamed

        seeded = RequestOptions(options.postfx, (), anims[0].options.get("seed"))  # same blinks and gaze
        anims.append(animate_streamed(pipeline, audio, track, seeded, args.stream_chunk_s, args.lookahead_s))
    return anims


def _check_args(args: argparse.Namespace) -> str:
    if args.output.suffix.lower() not in (".mp4",) + STILL_EXTENSIONS:
        raise InputError(f"preview output must be an .mp4 video or a .png/.jpg still, got {args.output.name!r}")
    if args.output.is_dir():
        raise InputError(f"output {args.output} is a directory; give a file name ending in .mp4 or .png")
    kind = _kind(args.input)
    if kind == "audio" and args.audio:
        raise InputError("--audio is for animation input; INPUT is already audio")
    if args.compare_stream and (kind != "audio" or args.compare is not None):
        raise InputError("--compare-stream needs audio INPUT and no --compare")
    if args.compare is not None and _kind(args.compare) != "animation":
        raise InputError(f"--compare needs an animation file ({', '.join(ANIMATION_EXTENSIONS)})")
    if args.save_animation is not None:
        if kind != "audio":
            raise InputError("--save-animation is for audio input; INPUT is already an animation")
        format_of(args.save_animation)
    panels = 1 + (args.compare is not None or args.compare_stream)
    if args.labels is not None and len(args.labels.split(",")) != panels:
        raise InputError(f"--labels needs {panels} comma-separated labels, got {args.labels!r}")
    if not 64 <= args.size <= 4096 or args.size % 2:
        raise InputError(f"--size must be an even number of pixels in 64..4096, got {args.size}")
    if not 0 <= args.crf <= 51:
        raise InputError(f"--crf must be 0..51, got {args.crf}")
    if args.fps is not None and not 1 <= args.fps <= 240:
        raise InputError(f"--fps must be 1..240, got {args.fps:g}")
    return kind


def run(args: argparse.Namespace) -> int:
    kind = _check_args(args)
    from server.runtime.audio_io import read_file, to_model_rate  # heavy imports only once the arguments are valid
    from server.preview.movie import PreviewOptions, write_preview, write_still
    from server.preview.render import RenderOptions
    from server.preview.video import VideoOptions

    audio, rate_hz = None, None  # the source audio as it is: the video keeps its rate and channels
    if kind == "audio":
        audio, rate_hz = read_file(args.input)  # fail fast on bad audio, before loading the model
        anims = _animate(args, to_model_rate(audio, rate_hz))
        if args.save_animation:
            write(anims[0], args.save_animation)
    else:
        anims = [read(args.input)]
        if args.audio:
            audio, rate_hz = read_file(args.audio)
    if args.compare:
        anims.append(read(args.compare))
    labels = [x.strip() for x in args.labels.split(",")] if args.labels else None
    if labels is None and args.compare:
        labels = [args.input.stem, args.compare.stem]
    if labels is None and args.compare_stream:
        labels = ["offline", f"stream ({args.stream_chunk_s:g} s chunks, {args.lookahead_s:g} s lookahead)"]
    render = RenderOptions(args.size, 2 if args.antialias else 1, not args.no_caption)
    if args.output.suffix.lower() in STILL_EXTENSIONS:
        write_still(args.output, anims, args.at, labels, render)
        print(f"wrote the frame at {args.at:g} s to {args.output}")
        return 0
    options = PreviewOptions(fps=args.fps, render=render, video=VideoOptions(crf=args.crf, preset=args.preset))
    stats = write_preview(args.output, anims, audio, labels, options, rate_hz or SAMPLE_RATE_HZ)
    print(f"wrote {stats.num_frames} frames ({stats.duration_s:.2f} s at {stats.fps:g} fps, "
          f"{stats.width_px}x{stats.height_px}{', with audio' if audio is not None else ', no audio'}) "
          f"to {args.output} in {stats.wall_s:.1f} s ({stats.realtime_factor:.2f}x real time)")
    return 0


__all__ = ["add_parser", "run"]
