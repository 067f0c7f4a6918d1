"""Benchmark of the gRPC service on loopback: unary throughput/latency and real-time streams.

    .venv/bin/python bench/serve.py [--checkpoint CKPT | --address HOST:PORT] [--json out.json]

Starts ``emoface serve`` on 127.0.0.1 (unless ``--address`` names a running server), then
1. unary: 1, 4, 16 concurrent clients each sending ``--unary-requests`` clips of ``--clip-s``;
   prints throughput (audio seconds per wall second) and p50/p95 request latency;
2. streams: 1, 8, 16 concurrent streams sending 16 kHz s16le chunks of ``--chunk-s`` at
   real-time pace; prints the time from a chunk's send to the arrival of the frames it
   completed (p50/p95), the first-frame latency, and underruns of a player that starts
   ``--buffer-s`` after the first frame and plays 60 fps in real time (a frame that arrives
   after its play time is late; an underrun is a run of late frames).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.constants import FPS, SAMPLE_RATE_HZ, frame_count  # noqa: E402
from model.emotion import EmotionTrack  # noqa: E402
from server.grpc.client import FaceAnimationClient  # noqa: E402
from server.runtime.options import RequestOptions  # noqa: E402


def speech_like(duration_s: float, rng: np.random.Generator) -> np.ndarray:
    """Voiced syllables (gliding pitch, 3-5 Hz envelope) plus a little noise: float32 mono 16 kHz ``(n,)``."""
    t = np.arange(int(duration_s * SAMPLE_RATE_HZ)) / SAMPLE_RATE_HZ
    f0_hz = 110 + 40 * np.sin(2 * np.pi * 0.4 * t + rng.uniform(0, 6))
    phase = 2 * np.pi * np.cumsum(f0_hz) / SAMPLE_RATE_HZ
    voiced = sum(np.sin(k * phase) / k for k in range(1, 6))
    syllable_hz = rng.uniform(3.0, 5.0)
    envelope = np.clip(np.sin(2 * np.pi * syllable_hz * t), 0, None) ** 0.5
    return (0.2 * voiced * envelope + 0.005 * rng.standard_normal(len(t))).astype(np.float32)


def wav_bytes(x: np.ndarray) -> bytes:
    import io

    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, x, SAMPLE_RATE_HZ, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


# ------------------------------------------------------------------ unary
def run_unary(address: str, clients: int, requests_each: int, clip: bytes, clip_s: float) -> dict:
    latencies: list[float] = []
    errors: list[str] = []

    def client_loop(i: int) -> None:
        with FaceAnimationClient(address, timeout_s=600) as client:
            for _ in range(requests_each):
                start = time.perf_counter()
                try:
                    client.animate(clip, EmotionTrack.parse("happy:0.6"), RequestOptions(seed=i))
                    latencies.append(time.perf_counter() - start)
                except Exception as exc:  # counted and reported
                    errors.append(f"{type(exc).__name__}: {exc}")

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client_loop, range(clients)))
    wall_s = time.perf_counter() - start
    return {"clients": clients, "requests": len(latencies), "errors": len(errors), "error_sample": errors[:1],
            "audio_s_per_s": len(latencies) * clip_s / wall_s, "p50_latency_s": pct(latencies, 50),
            "p95_latency_s": pct(latencies, 95), "wall_s": wall_s}


# ------------------------------------------------------------------ streams
@dataclass
class StreamStats:
    chunk_latencies_s: list[float] = field(default_factory=list)
    first_frame_latency_s: float = float("nan")
    late_frames: int = 0
    underruns: int = 0
    frames: int = 0
    expected_frames: int = 0
    error: str = ""


def run_stream(address: str, audio: np.ndarray, chunk_s: float, lookahead_s: float, buffer_s: float,
               seed: int) -> StreamStats:
    pcm = (audio * 32767).astype("<i2").tobytes()
    step = int(chunk_s * SAMPLE_RATE_HZ) * 2
    chunks = [pcm[i:i + step] for i in range(0, len(pcm), step)]
    send_times: list[float] = []
    audio_end_s = np.cumsum([len(c) / 2 / SAMPLE_RATE_HZ for c in chunks])

    def paced():
        t0 = time.perf_counter()
        for k, chunk in enumerate(chunks):
            delay = t0 + (k + 1) * chunk_s - time.perf_counter()  # captured in real time
            if delay > 0:
                time.sleep(delay)
            send_times.append(time.perf_counter())
            yield chunk

    stats = StreamStats(expected_frames=frame_count(len(audio)))
    arrivals: list[tuple[int, int, float]] = []  # (first index, count, arrival time)
    try:
        with FaceAnimationClient(address, timeout_s=len(audio) / SAMPLE_RATE_HZ * 4 + 30) as client:
            for batch in client.stream(paced(), EmotionTrack.parse("neutral"), RequestOptions(seed=seed),
                                       lookahead_s=lookahead_s):
                arrivals.append((batch.first_frame_index, len(batch.frames), time.perf_counter()))
    except Exception as exc:  # reported per stream
        stats.error = f"{type(exc).__name__}: {exc}"
    _score(stats, arrivals, send_times, audio_end_s, lookahead_s, buffer_s)
    return stats


def _score(stats: StreamStats, arrivals, send_times, audio_end_s, lookahead_s: float, buffer_s: float) -> None:
    """Latency of each batch from the chunk that made its last frame computable; player underruns."""
    frame_arrival = np.full(stats.expected_frames, np.inf)
    for first, n, t in arrivals:
        frame_arrival[first:first + n] = t
        last_needed_s = (first + n) / FPS + lookahead_s  # audio needed for the batch's last frame
        k = min(int(np.searchsorted(audio_end_s, last_needed_s - 1e-9)), len(send_times) - 1)
        if k < len(send_times) - 1 or audio_end_s[-1] >= last_needed_s:
            stats.chunk_latencies_s.append(t - send_times[k])
    stats.frames = int(np.isfinite(frame_arrival).sum())
    if not np.isfinite(frame_arrival[0]) or not send_times:
        stats.late_frames, stats.underruns = stats.expected_frames, 1
        return
    k0 = min(int(np.searchsorted(audio_end_s, 1 / FPS + lookahead_s - 1e-9)), len(send_times) - 1)
    stats.first_frame_latency_s = frame_arrival[0] - send_times[k0]
    play = frame_arrival[0] + buffer_s + np.arange(stats.expected_frames) / FPS
    late = frame_arrival > play
    stats.late_frames = int(late.sum())
    stats.underruns = int(np.sum(late[1:] & ~late[:-1]) + late[0])


def run_streams(address: str, n: int, stream_s: float, chunk_s: float, lookahead_s: float, buffer_s: float,
                rng: np.random.Generator) -> dict:
    audios = [speech_like(stream_s, rng) for _ in range(n)]
    with ThreadPoolExecutor(n) as pool:
        results = list(pool.map(lambda i: run_stream(address, audios[i], chunk_s, lookahead_s, buffer_s, i),
                                range(n)))
    lat = [x for r in results for x in r.chunk_latencies_s]
    first = [r.first_frame_latency_s for r in results if np.isfinite(r.first_frame_latency_s)]
    return {"streams": n, "p50_chunk_to_frames_s": pct(lat, 50), "p95_chunk_to_frames_s": pct(lat, 95),
            "p95_first_frame_s": pct(first, 95), "underruns": sum(r.underruns for r in results),
            "streams_with_underrun": sum(r.underruns > 0 for r in results),
            "late_frames": sum(r.late_frames for r in results), "frames": sum(r.frames for r in results),
            "expected_frames": sum(r.expected_frames for r in results),
            "errors": [r.error for r in results if r.error][:2]}


def stream_unary_agreement(address: str, audio: np.ndarray, chunk_s: float, lookahead_s: float) -> dict:
    """Mean/max absolute difference between a real-time-paced stream and Animate on the same audio and seed."""
    pcm = (audio * 32767).astype("<i2").tobytes()
    step = int(chunk_s * SAMPLE_RATE_HZ) * 2
    chunks = [pcm[i:i + step] for i in range(0, len(pcm), step)]

    def paced():
        for c in chunks:
            time.sleep(chunk_s)
            yield c

    track, options = EmotionTrack.parse("happy:0.6"), RequestOptions(seed=5)
    with FaceAnimationClient(address, timeout_s=600) as client:
        streamed = client.stream(paced(), track, options, lookahead_s=lookahead_s).collect().frames
        unary = client.animate(wav_bytes(np.frombuffer(pcm, "<i2") / 32768.0), track, options).frames
    diff = np.abs(streamed - unary)
    return {"mean_abs_diff": float(diff.mean()), "max_abs_diff": float(diff.max()), "frames": len(unary)}


# ------------------------------------------------------------------ driver
def start_server(args) -> tuple[subprocess.Popen, str]:
    cmd = [str(Path(sys.executable).with_name("emoface")), "serve", "--port", "0", "--max-concurrent-requests", "64",
           "--inference-workers", str(args.inference_workers)]
    if args.checkpoint:
        cmd += ["--checkpoint", args.checkpoint]
    if args.quantize:
        cmd.append("--quantize")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env={**os.environ})
    line = proc.stdout.readline()
    match = re.search(r"listening on (\S+:\d+) \(model ([^,)]+)", line)
    if not match:
        proc.kill()
        raise SystemExit(f"server did not start: {line!r}")
    return proc, match.group(1)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--address", help="benchmark a running server instead of starting one")
    p.add_argument("--checkpoint", help="checkpoint for the started server (default: the shipped model)")
    p.add_argument("--inference-workers", type=int, default=2)
    p.add_argument("--quantize", action="store_true", help="start the server with int8 quantisation")
    p.add_argument("--unary-clients", default="1,4,16")
    p.add_argument("--unary-requests", type=int, default=3, help="requests per unary client")
    p.add_argument("--clip-s", type=float, default=5.0)
    p.add_argument("--streams", default="1,8,16")
    p.add_argument("--stream-s", type=float, default=10.0)
    p.add_argument("--chunk-s", type=float, default=0.05)
    p.add_argument("--lookahead-s", type=float, default=0.1)
    p.add_argument("--buffer-s", type=float, default=0.1, help="player buffer before playback starts")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, help="also write the results here")
    args = p.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    proc, address = (None, args.address) if args.address else start_server(args)
    try:
        with FaceAnimationClient(address) as client:
            info = client.info()
        print(f"server {address}  model {info['model_id']} (trained={info['trained']})  cpus={os.cpu_count()}")
        clip = wav_bytes(speech_like(args.clip_s, rng))
        results = {"model_id": info["model_id"], "trained": info["trained"], "unary": [], "streams": []}
        print(f"\nunary Animate, {args.clip_s:g} s clips, {args.unary_requests} requests per client")
        print(f"{'clients':>8} {'audio s/s':>10} {'p50 s':>8} {'p95 s':>8} {'errors':>7}")
        for n in (int(v) for v in args.unary_clients.split(",") if v):
            r = run_unary(address, n, args.unary_requests, clip, args.clip_s)
            results["unary"].append(r)
            print(f"{n:>8} {r['audio_s_per_s']:>10.2f} {r['p50_latency_s']:>8.3f} {r['p95_latency_s']:>8.3f} "
                  f"{r['errors']:>7}")
        print(f"\nStreamAnimate, {args.stream_s:g} s real-time streams, {args.chunk_s * 1000:g} ms chunks, "
              f"lookahead {args.lookahead_s:g} s, player buffer {args.buffer_s:g} s")
        print(f"{'streams':>8} {'chunk->frames p50':>18} {'p95':>8} {'first frame p95':>16} {'underruns':>10} "
              f"{'streams late':>13} {'late frames':>12}")
        for n in (int(v) for v in args.streams.split(",") if v):
            r = run_streams(address, n, args.stream_s, args.chunk_s, args.lookahead_s, args.buffer_s, rng)
            results["streams"].append(r)
            print(f"{n:>8} {r['p50_chunk_to_frames_s']:>18.3f} {r['p95_chunk_to_frames_s']:>8.3f} "
                  f"{r['p95_first_frame_s']:>16.3f} {r['underruns']:>10} {r['streams_with_underrun']:>13} "
                  f"{r['late_frames']:>7}/{r['expected_frames']}" + (f"  errors: {r['errors']}" if r["errors"] else ""))
        agree = stream_unary_agreement(address, speech_like(args.stream_s, rng), args.chunk_s, args.lookahead_s)
        results["agreement"] = agree
        print(f"\nstream vs unary (same audio and seed, {agree['frames']} frames): mean abs difference "
              f"{agree['mean_abs_diff']:.4f}, max {agree['max_abs_diff']:.4f}")
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
