"""Benchmark of the gRPC service on loopback: real-time streams under load, stalls, admission, unary throughput.

    python bench/serve.py [--checkpoint CKPT | --address HOST:PORT] [--json out.json]

Starts ``emoface serve`` on 127.0.0.1 (unless ``--address`` names a running server) and runs, in one
run so the figures sit side by side on the same machine state:

1. unary: ``--unary-clients`` concurrent clients each sending ``--unary-requests`` clips of
   ``--clip-s``: throughput (audio seconds per wall second) and p50/p95 latency;
2. capacity: for each N in ``--streams``, N real-time streams of real speech (``--audio``; default
   the FACEGOOD takes in ../shared/realdata, else the sample line) of ``--stream-s`` in
   ``--chunk-s`` chunks, offered at once beside one ``--long-s`` Animate call: streams admitted
   and refused, streams kept up (p95 chunk-to-frames lag <= ``--keep-up-lag-s`` and delivery >=
   ``--keep-up-fps``), p95 lag, the slowest delivery, and the long call's duration;
3. stall: one stream alone, then one stream beside a ``--stall-s`` Animate call: the longest gap
   between frame batches in each, and the difference (the stall the long call causes);
4. stream vs unary agreement on the same audio and seed.

Lag: time from sending the chunk that made a batch's last frame computable to the batch's arrival.
Frame wait: the same for every frame (its time plus the lookahead): a frame early in a step waits for the
rest of its step too. First frame: frame 0's wait, for the one stream alone.
Delivery: frames per second of wall time from the first chunk sent to the last frame received.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import threading
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
from server.runtime.audio_io import decode_file  # noqa: E402
from server.runtime.options import RequestOptions  # noqa: E402

REALDATA = ROOT.parent / "shared" / "realdata" / "facegood"
SAMPLE = ROOT / "docs" / "samples" / "hello.wav"


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
    frame_waits_s: list[float] = field(default_factory=list)  # per frame: arrival - its own audio's arrival
    first_frame_latency_s: float = float("nan")
    late_frames: int = 0
    underruns: int = 0
    frames: int = 0
    expected_frames: int = 0
    delivery_fps: float = 0.0
    max_gap_s: float = float("nan")
    refused: bool = False
    error: str = ""

    def kept_up(self, lag_s: float, fps: float) -> bool:
        return not self.error and pct(self.chunk_latencies_s, 95) <= lag_s and self.delivery_fps >= fps


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
        stats.refused = "RESOURCE_EXHAUSTED" in stats.error and "capacity" in stats.error and not arrivals
    if send_times and arrivals:
        stats.delivery_fps = sum(n for _, n, _ in arrivals) / (arrivals[-1][2] - send_times[0])
        times = [send_times[0]] + [t for _, _, t in arrivals]
        stats.max_gap_s = float(np.max(np.diff(times)))
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
    needed_s = np.arange(1, stats.expected_frames + 1) / FPS + lookahead_s  # audio each frame needs
    k = np.minimum(np.searchsorted(audio_end_s, needed_s - 1e-9), len(send_times) - 1)
    waits = frame_arrival - np.asarray(send_times)[k]
    stats.frame_waits_s = waits[np.isfinite(waits)].tolist()
    stats.first_frame_latency_s = float(waits[0])
    play = frame_arrival[0] + buffer_s + np.arange(stats.expected_frames) / FPS
    late = frame_arrival > play
    stats.late_frames = int(late.sum())
    stats.underruns = int(np.sum(late[1:] & ~late[:-1]) + late[0])


def load_speech(paths: list[Path]) -> np.ndarray:
    """The recordings decoded once and concatenated (16 kHz mono)."""
    return np.concatenate([decode_file(p) for p in paths])


def real_speech(audio: np.ndarray, seconds: float, offset_s: float) -> np.ndarray:
    """``seconds`` of ``audio`` (:func:`load_speech`), taken cyclically from ``offset_s``, so each stream
    speaks a different stretch."""
    n, start = int(seconds * SAMPLE_RATE_HZ), int(offset_s * SAMPLE_RATE_HZ) % len(audio)
    return np.resize(np.roll(audio, -start), n).astype(np.float32)


class LongCall:
    """One Animate call of a long clip in the background; ``.duration_s`` once it has ended."""

    def __init__(self, address: str, audio: np.ndarray):
        self.duration_s, self.error = float("nan"), ""
        self._thread = threading.Thread(target=self._run, args=(address, wav_bytes(audio)), daemon=True)

    def _run(self, address: str, clip: bytes) -> None:
        start = time.perf_counter()
        try:
            with FaceAnimationClient(address, timeout_s=900) as client:
                client.animate(clip, EmotionTrack.parse("neutral"), RequestOptions(seed=1))
            self.duration_s = time.perf_counter() - start
        except Exception as exc:  # reported
            self.error = f"{type(exc).__name__}: {exc}"

    def __enter__(self) -> LongCall:
        self._thread.start()
        time.sleep(0.5)  # the call is running when the streams open
        return self

    def __exit__(self, *exc) -> None:
        self._thread.join(900)


def run_streams(address: str, audios: list[np.ndarray], args) -> list[StreamStats]:
    with ThreadPoolExecutor(len(audios)) as pool:
        return list(pool.map(lambda i: run_stream(address, audios[i], args.chunk_s, args.lookahead_s, args.buffer_s, i),
                             range(len(audios))))


def summarise(results: list[StreamStats], args) -> dict:
    served = [r for r in results if not r.refused]
    lat = [x for r in served for x in r.chunk_latencies_s]
    return {"offered": len(results), "admitted": len(served), "refused": len(results) - len(served),
            "kept_up": sum(r.kept_up(args.keep_up_lag_s, args.keep_up_fps) for r in served),
            "p95_frame_wait_s": pct([x for r in served for x in r.frame_waits_s], 95),
            "first_frame_latency_s": max((r.first_frame_latency_s for r in served), default=float("nan")),
            "p95_lag_s": pct(lat, 95), "worst_stream_p95_lag_s": max((pct(r.chunk_latencies_s, 95) for r in served),
                                                                     default=float("nan")),
            "slowest_delivery_fps": min((r.delivery_fps for r in served), default=float("nan")),
            "max_gap_s": max((r.max_gap_s for r in served), default=float("nan")),
            "underruns": sum(r.underruns for r in served),
            "errors": [r.error for r in served if r.error][:2]}


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
    cmd = [sys.executable, "-m", "server.cli", "serve", "--port", "0", "--max-concurrent-requests", "64",
           "--inference-workers", str(args.inference_workers)]
    if args.checkpoint:
        cmd += ["--checkpoint", args.checkpoint]
    if args.quantize:
        cmd.append("--quantize")
    if args.stream_capacity:
        cmd += ["--stream-capacity", str(args.stream_capacity)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env={**os.environ})
    line = proc.stdout.readline()
    match = re.search(r"listening on (\S+:\d+) \(model ([^,)]+)", line)
    if not match:
        proc.kill()
        raise SystemExit(f"server did not start: {line!r}")
    return proc, match.group(1)


def default_audio() -> list[Path]:
    takes = sorted(REALDATA.glob("*.wav"))
    return takes or [SAMPLE]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--address", help="benchmark a running server instead of starting one")
    p.add_argument("--checkpoint", help="checkpoint for the started server (default: the shipped model)")
    p.add_argument("--inference-workers", type=int, default=2)
    p.add_argument("--stream-capacity", type=int, help="pass to the started server (default: it measures)")
    p.add_argument("--quantize", action="store_true", help="start the server with int8 quantisation")
    p.add_argument("--audio", type=Path, nargs="*", help="real speech for the streams (default: FACEGOOD takes)")
    p.add_argument("--unary-clients", default="1,4")
    p.add_argument("--unary-requests", type=int, default=3, help="requests per unary client")
    p.add_argument("--clip-s", type=float, default=5.0)
    p.add_argument("--streams", default="4,8,16,24,32")
    p.add_argument("--stream-s", type=float, default=20.0)
    p.add_argument("--long-s", type=float, default=120.0, help="Animate call running beside the streams")
    p.add_argument("--stall-s", type=float, default=300.0, help="Animate call for the stall test")
    p.add_argument("--chunk-s", type=float, default=0.05)
    p.add_argument("--lookahead-s", type=float, default=0.1)
    p.add_argument("--buffer-s", type=float, default=0.1, help="player buffer before playback starts")
    p.add_argument("--keep-up-lag-s", type=float, default=0.30)
    p.add_argument("--keep-up-fps", type=float, default=58.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, help="also write the results here")
    args = p.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    paths = args.audio or default_audio()
    proc, address = (None, args.address) if args.address else start_server(args)
    try:
        with FaceAnimationClient(address) as client:
            info = client.info()
        capacity = info["limits"].get("stream_capacity", 0) if isinstance(info.get("limits"), dict) else 0
        print(f"server {address}  model {info['model_id']} (trained={info['trained']})  cpus={os.cpu_count()}  "
              f"stream capacity {capacity}  audio: {', '.join(p.name for p in paths)}")
        results = {"model_id": info["model_id"], "stream_capacity": capacity, "unary": [], "capacity": []}
        speech = load_speech(paths)
        results["unary"] = bench_unary(address, args, real_speech(speech, args.clip_s, 0.0))
        results["capacity"] = bench_capacity(address, args, speech, rng)
        results["stall"] = bench_stall(address, args, speech)
        agree = stream_unary_agreement(address, real_speech(speech, 10.0, 3.0), args.chunk_s, args.lookahead_s)
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


def bench_unary(address: str, args, audio: np.ndarray) -> list[dict]:
    print(f"\nunary Animate, {args.clip_s:g} s clips of real speech, {args.unary_requests} requests per client")
    print(f"{'clients':>8} {'audio s/s':>10} {'p50 s':>8} {'p95 s':>8} {'errors':>7}")
    rows = []
    for n in (int(v) for v in args.unary_clients.split(",") if v):
        r = run_unary(address, n, args.unary_requests, wav_bytes(audio), args.clip_s)
        rows.append(r)
        print(f"{n:>8} {r['audio_s_per_s']:>10.2f} {r['p50_latency_s']:>8.3f} {r['p95_latency_s']:>8.3f} "
              f"{r['errors']:>7}")
    return rows


def bench_capacity(address: str, args, speech: np.ndarray, rng: np.random.Generator) -> list[dict]:
    print(f"\nStreamAnimate: N real-time streams of {args.stream_s:g} s real speech ({args.chunk_s * 1000:g} ms "
          f"chunks, lookahead {args.lookahead_s:g} s) beside one {args.long_s:g} s Animate call; kept up = p95 lag "
          f"<= {args.keep_up_lag_s:g} s and >= {args.keep_up_fps:g} fps delivered")
    print(f"{'offered':>8} {'admitted':>9} {'refused':>8} {'kept up':>8} {'p95 lag s':>10} {'worst p95':>10} "
          f"{'slowest fps':>12} {'max gap s':>10} {'long call s':>12} {'p95 wait s':>11}")
    rows = []
    for n in (int(v) for v in args.streams.split(",") if v):
        audios = [real_speech(speech, args.stream_s, rng.uniform(0, 600)) for _ in range(n)]
        with LongCall(address, real_speech(speech, args.long_s, 0.0)) as long_call:
            r = summarise(run_streams(address, audios, args), args)
        r["long_call_s"] = long_call.duration_s
        rows.append(r)
        print(f"{r['offered']:>8} {r['admitted']:>9} {r['refused']:>8} {r['kept_up']:>8} {r['p95_lag_s']:>10.3f} "
              f"{r['worst_stream_p95_lag_s']:>10.3f} {r['slowest_delivery_fps']:>12.1f} {r['max_gap_s']:>10.3f} "
              f"{long_call.duration_s:>12.1f} {r['p95_frame_wait_s']:>11.3f}" + (f"  errors: {r['errors']}" if r["errors"] else "")
              + (f"  long call: {long_call.error}" if long_call.error else ""))
    return rows


def bench_stall(address: str, args, speech: np.ndarray) -> dict:
    audio = real_speech(speech, args.stream_s, 17.0)
    alone = summarise(run_streams(address, [audio], args), args)
    with LongCall(address, real_speech(speech, args.stall_s, 0.0)) as long_call:
        beside = summarise(run_streams(address, [audio], args), args)
    stall = beside["max_gap_s"] - alone["max_gap_s"]
    print(f"\nstall: one stream alone: first frame {alone['first_frame_latency_s'] * 1000:.0f} ms after the audio it "
          f"needs (its time + lookahead), p95 frame wait {alone['p95_frame_wait_s']:.3f} s, "
          f"p95 lag {alone['p95_lag_s']:.3f} s, longest gap between batches "
          f"{alone['max_gap_s']:.3f} s; beside a {args.stall_s:g} s Animate call: p95 lag {beside['p95_lag_s']:.3f} s, "
          f"longest gap {beside['max_gap_s']:.3f} s -> stall beyond normal {stall:+.3f} s "
          f"(the long call took {long_call.duration_s:.1f} s{', ' + long_call.error if long_call.error else ''})")
    return {"alone": alone, "beside_long_call": beside, "stall_beyond_normal_s": stall,
            "long_call_s": long_call.duration_s}


if __name__ == "__main__":
    sys.exit(main())
