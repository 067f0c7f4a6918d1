"""Rest of the default pipeline per emotion, speech gate off / energy / silero, whole clips and streams.

    nice -n 19 .venv/bin/python bench/rest_gate.py [--checkpoint CKPT]

Goes through ``Pipeline.animate`` and ``Pipeline.stream`` (50 ms chunks, default 0.1 s lookahead) with the
default options, blinks and gaze off, the ``speech_gate.detector`` set per column. Prints, per emotion at full
intensity, the jaw (``CTRL_C_jaw.ty``) max over 3 s of digital silence and the median over the pauses of
docs/samples/hello.wav with 1 s of zeros on each side (the padding's frames 10 frames or more from the speech),
and the surprise outer-brow raise in silence (the expression stays).
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.constants import EMOTIONS, FPS, SAMPLE_RATE_HZ  # noqa: E402
from model.emotion import EmotionTrack  # noqa: E402
from model.rig import rig  # noqa: E402
from postfx.blink.sampler import BlinkOptions  # noqa: E402
from postfx.chain import PostFxOptions  # noqa: E402
from postfx.gate_stage import GATE_DETECTORS, SpeechGateOptions  # noqa: E402
from postfx.gaze import GazeOptions  # noqa: E402
from server.runtime.audio_io import decode_file  # noqa: E402
from server.runtime.options import RequestOptions  # noqa: E402
from server.runtime.pipeline import Pipeline  # noqa: E402

JAW, BROW = rig().index("CTRL_C_jaw.ty"), rig().index("CTRL_L_brow_raiseOut.ty")


def options(detector: str) -> RequestOptions:
    quiet = PostFxOptions(blink=BlinkOptions(enabled=False), gaze=GazeOptions(enabled=False))
    return RequestOptions(dataclasses.replace(quiet, speech_gate=SpeechGateOptions(detector)), seed=0)


def both(pipe: Pipeline, audio: np.ndarray, emotion: str, opts: RequestOptions) -> tuple[np.ndarray, np.ndarray]:
    """(whole-clip frames, streamed frames: 50 ms chunks, lookahead 0.1 s)."""
    track = EmotionTrack.parse(emotion)
    clip = pipe.animate(audio, track, opts).frames
    session = pipe.stream(track, opts, lookahead_s=0.1)
    parts = [session.push(audio[i: i + 800])[1] for i in range(0, len(audio), 800)]
    return clip, np.concatenate([*parts, session.finish()[1]])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint")
    args = ap.parse_args(argv)
    pipe = Pipeline.load(args.checkpoint)
    zeros = np.zeros(3 * SAMPLE_RATE_HZ, np.float32)
    pad = np.zeros(SAMPLE_RATE_HZ, np.float32)
    padded = np.concatenate([pad, decode_file(ROOT / "docs" / "samples" / "hello.wav"), pad])
    print(f"{pipe.model_id}: jaw max in 3 s zeros (clip / stream); jaw median in pauses (clip / stream); "
          "surprise: outer brow in zeros")
    print(f"{'emotion':10s}" + "".join(f"{d:>34s}" for d in GATE_DETECTORS))
    for emotion in EMOTIONS:
        row = f"{emotion:10s}"
        for detector in GATE_DETECTORS:
            opts = options(detector)
            z_clip, z_stream = both(pipe, zeros, f"{emotion}:1", opts)
            p_clip, p_stream = both(pipe, padded, f"{emotion}:1", opts)
            pause = lambda f: np.median(np.concatenate([f[: FPS - 10, JAW], f[len(f) - FPS + 10:, JAW]]))  # noqa
            row += (f"  {z_clip[:, JAW].max():.3f}/{z_stream[:, JAW].max():.3f}; "
                    f"{pause(p_clip):.3f}/{pause(p_stream):.3f}")
            if emotion in ("neutral", "surprise"):
                row += f" b{z_clip[:, BROW].mean():.2f}"
        print(row, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
