"""Real-time factor of the network by stage, `paper` vs `small`, measured side by side.

    .venv/bin/python bench/rtf.py [--seconds 10] [--threads 2] [--repeats 5] [--quantize]

Prints audio seconds per compute second (x real time) for the speech encoder, the
Audio2Rig transformer, post-processing, and the whole pipeline; with ``--quantize`` also
the int8 dynamic-quantised model and its mean absolute difference from float32.
Weights are random except the packaged Whisper tiny.en encoder (speed does not depend on
training), so `paper` needs nothing but this repository.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.checkpoint import new_model  # noqa: E402
from model.config import EmoFaceConfig  # noqa: E402
from model.constants import SAMPLE_RATE_HZ, frame_count  # noqa: E402
from model.inference import quantize_int8  # noqa: E402
from postfx.chain import PostFxChain, PostFxOptions  # noqa: E402


def _time(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench(config: EmoFaceConfig, seconds: float, repeats: int, quantize: bool) -> dict[str, float]:
    model = new_model(config, seed=0).eval()
    with torch.no_grad():
        model.out_fn.weight.normal_(0, 0.02)  # zero-initialised otherwise: post-processing would see constants
    if quantize:
        model = quantize_int8(model)
    rng = np.random.default_rng(0)
    audio = torch.from_numpy(rng.normal(0, 0.1, int(seconds * SAMPLE_RATE_HZ)).astype(np.float32))[None]
    t = frame_count(audio.shape[1])
    w = torch.zeros(1, t, 7)
    w[..., 3] = 1.0
    i = torch.ones(1, t)
    with torch.inference_mode():
        feats = model.encode_audio(audio)
        raw = model.head(feats, w, i)[0].numpy()
        enc_s = _time(lambda: model.encode_audio(audio), repeats)
        head_s = _time(lambda: model.head(feats, w, i), repeats)
        post_s = _time(lambda: PostFxChain(PostFxOptions(), seed=0).process(raw, audio[0].numpy()), repeats)
    return {"encoder": enc_s, "head": head_s, "postfx": post_s, "raw": raw}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--quantize", action="store_true", help="also measure int8 dynamic quantisation")
    ap.add_argument("--configs", default="small,paper")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(f"{args.seconds:g} s of audio, {args.threads} threads, median of {args.repeats}; figures are x real time")
    print(f"{'config':<14}{'encoder':>10}{'transformer':>13}{'postfx':>9}{'total':>9}{'ms total':>10}")
    for name in args.configs.split(","):
        variants = [(name, False)] + ([(name + "+int8", True)] if args.quantize else [])
        reference = None
        for label, q in variants:
            r = bench(EmoFaceConfig.preset(name), args.seconds, args.repeats, q)
            total = r["encoder"] + r["head"] + r["postfx"]
            x = lambda s: f"{args.seconds / s:.0f}x"  # noqa: E731
            print(f"{label:<14}{x(r['encoder']):>10}{x(r['head']):>13}{x(r['postfx']):>9}{x(total):>9}"
                  f"{total * 1000:>10.1f}")
            if reference is None:
                reference = r["raw"]
            else:
                print(f"{'':<14}int8 vs float32 output: mean |diff| {np.abs(r['raw'] - reference).mean():.5f}, "
                      f"output mean |value| {np.abs(reference).mean():.5f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
