"""Batch-baking throughput: 1 and 2 local workers and local Ray, side by side in one run.

    .venv/bin/python bench/bake.py [--lines 200] [--checkpoint PATH] [--no-ray]

Generates speech-like lines of 1-8 s (fixed seed) into a temporary folder, bakes them to
JSON with each backend from scratch, and prints lines per second, the aggregate real-time
factor (audio seconds per wall second) and the speed-up over one worker.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from emoface_testing import encode_audio, speechlike  # noqa: E402
from server.bake.runner import BakeConfig, run_bake  # noqa: E402


def make_manifest(folder: Path, n: int) -> tuple[Path, float]:
    rng = np.random.default_rng(0)
    total = 0.0
    with open(folder / "manifest.jsonl", "w") as fh:
        for k in range(n):
            seconds = float(rng.uniform(1.0, 8.0))
            total += seconds
            (folder / f"l{k}.wav").write_bytes(encode_audio(speechlike(seconds, 22050, seed=k), 22050))
            fh.write(json.dumps({"id": f"line{k:04d}", "audio": f"l{k}.wav", "emotion": "happy:0.7"}) + "\n")
    return folder / "manifest.jsonl", total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=200)
    ap.add_argument("--checkpoint", help="default: the shipped model")
    ap.add_argument("--no-ray", action="store_true")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        manifest, audio_s = make_manifest(folder, args.lines)
        print(f"{args.lines} lines, {audio_s:.0f} s of audio, {os.cpu_count()} cores, model "
              f"{args.checkpoint or 'default'}")
        runs = [("1 worker", {"workers": 1}), ("2 workers", {"workers": 2})]
        if not args.no_ray:
            runs.append(("ray local, 2 actors", {"workers": 2, "ray": "local"}))
        base = None
        for label, kw in runs:
            t0 = time.monotonic()
            summary = run_bake(BakeConfig(manifest, folder / label.replace(" ", "_").replace(",", ""),
                                          checkpoint=args.checkpoint, **kw), stream=open(os.devnull, "w"))
            wall = time.monotonic() - t0
            assert summary.count("done") == args.lines, summary.text()
            base = base or wall
            print(f"{label:<22} {wall:7.1f} s  {args.lines / wall:6.2f} lines/s  {audio_s / wall:6.0f}x real time  "
                  f"speed-up {base / wall:4.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
