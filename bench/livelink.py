"""Benchmark of Live Link on loopback: several subjects playing real-time (paced) lines at once.

    .venv/bin/python bench/livelink.py [--checkpoint CKPT | --address HOST:PORT] [--subjects 1,4,8]
                                       [--clip-s 5] [--json out.json]

Starts ``emoface serve --livelink-port 0`` on 127.0.0.1 (unless ``--address`` names a running
Live Link server). For each subject count N, N clients connect, each submits one paced line of
``--clip-s`` seconds of speech-like audio for its own subject at the same moment, and receives
it on its own thread. Reported per N:

- lateness of each frame: its arrival at the client minus its scheduled time
  (``LINE_START.start_time_s + FRAME.time_s``), p50 / p95 / max in milliseconds, and the share of
  frames later than one frame period (16.7 ms);
- start latency: from sending SUBMIT_LINE to receiving LINE_START (model time + queueing + lead), p50 / max.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.constants import FPS, SAMPLE_RATE_HZ  # noqa: E402
from server.livelink.client import LiveLinkClient  # noqa: E402


def speech_like_pcm(duration_s: float, rng: np.random.Generator) -> bytes:
    """Voiced syllables with a gliding pitch plus a little noise, as 16 kHz s16le bytes."""
    t = np.arange(int(duration_s * SAMPLE_RATE_HZ)) / SAMPLE_RATE_HZ
    phase = 2 * np.pi * np.cumsum(110 + 40 * np.sin(2 * np.pi * 0.4 * t + rng.uniform(0, 6))) / SAMPLE_RATE_HZ
    voiced = sum(np.sin(k * phase) / k for k in range(1, 6))
    envelope = np.clip(np.sin(2 * np.pi * rng.uniform(3.0, 5.0) * t), 0, None) ** 0.5
    x = 0.2 * voiced * envelope + 0.005 * rng.standard_normal(len(t))
    return (np.clip(x, -1, 1) * 32767).astype("<i2").tobytes()


def one_client(host: str, port: int, subject: str, pcm: bytes, token: str) -> dict:
    """Submit one paced line and time it; returns lateness (s) of every frame and the start latency (s)."""
    with LiveLinkClient.connect(host, port, f"bench-{subject}", token) as client:
        sent_s = time.time()
        line = client.collect_line(client.submit(subject, pcm, emotion="happy:0.5", paced=True), timeout_s=300)
    scheduled = np.array([line.start.start_time_s + f.time_s for f in line.frame_messages])
    lateness = np.array(line.received_at_s) - scheduled
    start_latency_s = line.start.start_time_s - sent_s  # includes the server's 0.1 s lead
    return {"lateness_s": lateness.tolist(), "start_latency_s": start_latency_s, "frames": len(lateness),
            "frame_count": line.start.frame_count, "status": line.end.status}


def run_round(host: str, port: int, subjects: int, clip_s: float, token: str, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    pcms = [speech_like_pcm(clip_s, rng) for _ in range(subjects)]
    with ThreadPoolExecutor(subjects) as pool:
        results = list(pool.map(lambda i: one_client(host, port, f"NPC_{i}", pcms[i], token), range(subjects)))
    late_ms = np.concatenate([r["lateness_s"] for r in results]) * 1000
    starts = [r["start_latency_s"] for r in results]
    return {"subjects": subjects, "clip_s": clip_s, "frames": int(len(late_ms)),
            "frames_expected": int(sum(r["frame_count"] for r in results)),
            "all_complete": all(r["status"] == 0 for r in results),
            "lateness_p50_ms": float(np.percentile(late_ms, 50)), "lateness_p95_ms": float(np.percentile(late_ms, 95)),
            "lateness_max_ms": float(late_ms.max()), "late_over_1_frame": float(np.mean(late_ms > 1000 / FPS)),
            "start_latency_p50_s": float(np.median(starts)), "start_latency_max_s": float(max(starts))}


def start_server(checkpoint: str | None) -> tuple[subprocess.Popen, str, int]:
    cmd = [str(Path(sys.executable).with_name("emoface")), "serve", "--port", "0", "--livelink-port", "0"]
    if checkpoint:
        cmd += ["--checkpoint", checkpoint]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    for _ in range(2):
        line = proc.stdout.readline()
        match = re.search(r"Live Link on (\S+):(\d+)", line)
        if match:
            return proc, match.group(1), int(match.group(2))
    proc.kill()
    raise SystemExit(f"emoface serve did not report a Live Link port: {line!r}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", help="model checkpoint (default: the shipped model)")
    p.add_argument("--address", help="HOST:PORT of a running Live Link server instead of starting one")
    p.add_argument("--token", default="", help="HELLO token")
    p.add_argument("--subjects", default="1,4,8", help="comma-separated subject counts")
    p.add_argument("--clip-s", type=float, default=5.0, help="seconds of audio per line")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, help="also write the results here")
    args = p.parse_args(argv)
    proc = None
    if args.address:
        host, _, port_text = args.address.rpartition(":")
        port = int(port_text)
    else:
        proc, host, port = start_server(args.checkpoint)
    try:
        LiveLinkClient.connect(host, port, "bench-warmup", args.token).close()
        rounds = []
        for n in (int(x) for x in args.subjects.split(",")):
            r = run_round(host, port, n, args.clip_s, args.token, args.seed + n)
            rounds.append(r)
            print(f"{n:2d} subjects x {args.clip_s:g} s paced: frames {r['frames']}/{r['frames_expected']}, "
                  f"lateness p50 {r['lateness_p50_ms']:.1f} ms, p95 {r['lateness_p95_ms']:.1f} ms, "
                  f"max {r['lateness_max_ms']:.1f} ms, > 1 frame late {100 * r['late_over_1_frame']:.1f} %; "
                  f"start latency p50 {r['start_latency_p50_s']:.2f} s, max {r['start_latency_max_s']:.2f} s",
                  flush=True)
        if args.json:
            args.json.write_text(json.dumps({"rounds": rounds}, indent=1))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
