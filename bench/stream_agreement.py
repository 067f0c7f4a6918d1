"""Streaming vs whole-clip agreement and cost, for several stream settings, in one run.

    .venv/bin/python bench/stream_agreement.py [--checkpoint PATH] [AUDIO ...]

For each setting: mean absolute difference between the frames of a stream (0.1 s chunks) and a
unary call with the same seed, blinks and gaze off so only the network and smoothing differ,
and the compute time per second of audio (1 thread, one stream). Default audio: the sample line.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.emotion import EmotionTrack  # noqa: E402
from postfx.blink.sampler import BlinkOptions  # noqa: E402
from postfx.chain import PostFxOptions  # noqa: E402
from postfx.gaze import GazeOptions  # noqa: E402
from server.runtime.audio_io import decode_file  # noqa: E402
from server.runtime.options import RequestOptions  # noqa: E402
from server.runtime.pipeline import Pipeline, RuntimeOptions  # noqa: E402
from server.runtime.streaming import StreamConfig  # noqa: E402

BEFORE = "0.1 s steps, ctx 0.5 / 1.5 s"  # the stream defaults before the 0.2 s steps
SETTINGS = {
    "default": StreamConfig(),
    BEFORE: StreamConfig(step_s=0.1, encoder_context_s=0.5, head_context_s=1.5),
    "ctx 0.5 / 1.5 s": StreamConfig(encoder_context_s=0.5, head_context_s=1.5),
    "enc ctx 1.0 s": StreamConfig(encoder_context_s=1.0),
    "head ctx 3.0 s": StreamConfig(head_context_s=3.0),
    "all smoothing lookahead": StreamConfig(smoothing_share=1.0),
}
INT8 = "int8 stream steps"  # the default setting on a pipeline whose stream steps run an int8 copy


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("audio", nargs="*", type=Path, default=[ROOT / "docs" / "samples" / "hello.wav"])
    ap.add_argument("--checkpoint")
    ap.add_argument("--lookahead", type=float, default=0.1)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    pipeline = Pipeline.load(args.checkpoint)
    int8 = Pipeline.load(args.checkpoint, RuntimeOptions(stream_int8=True))
    opts = RequestOptions(PostFxOptions(blink=BlinkOptions(enabled=False), gaze=GazeOptions(enabled=False)), seed=1)
    clips = [decode_file(p) for p in args.audio]
    audio_s = sum(len(c) for c in clips) / 16000
    print(f"{pipeline.model_id}, {len(clips)} clips, {audio_s:.1f} s, lookahead {args.lookahead} s, 0.1 s chunks")
    print(f"{'setting':<48}{'mean |stream - unary|':>22}{'jaw only':>10}{'x real time':>13}")
    jaw = list(pipeline.animate(clips[0], EmotionTrack.parse("neutral"), opts).controls).index("CTRL_C_jaw-translateY")
    runs = [(name, cfg, pipeline) for name, cfg in SETTINGS.items()] + [(INT8, StreamConfig(), int8)]
    runs += [(f"{INT8}, {name}", SETTINGS[name], int8) for name in (BEFORE, "ctx 0.5 / 1.5 s")]
    for name, cfg, streamer in runs:
        diffs, jaw_diffs, compute = [], [], 0.0
        for audio in clips:
            unary = pipeline.animate(audio, EmotionTrack.parse("happy:0.6"), opts).frames
            session = streamer.stream(EmotionTrack.parse("happy:0.6"), opts, args.lookahead, cfg)
            parts = []
            t0 = time.perf_counter()
            for i in range(0, len(audio), 1600):
                parts.append(session.push(audio[i : i + 1600])[1])
            parts.append(session.finish()[1])
            compute += time.perf_counter() - t0
            stream = np.concatenate(parts)
            diffs.append(np.abs(stream - unary).mean())
            jaw_diffs.append(np.abs(stream[:, jaw] - unary[:, jaw]).mean())
        print(f"{name:<48}{np.mean(diffs):>22.4f}{np.mean(jaw_diffs):>10.4f}{audio_s / compute:>12.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
