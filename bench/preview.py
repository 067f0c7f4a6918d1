"""Preview rendering speed: render a synthetic speech-like animation to MP4 and print the real-time factor.

Usage: .venv/bin/python bench/preview.py [--seconds 10] [--size 640] [--supersample 1] [--panels 1]
The animation is random but smooth (seeded): a jaw/lip cycle at syllable rate, blinks, gaze shifts,
brows and smiles, so every drawing path is exercised. Audio (a seeded tone + noise) is muxed in.
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.constants import FPS, SAMPLE_RATE_HZ  # noqa: E402
from model.rig import rig  # noqa: E402
from server.runtime.animation import Animation  # noqa: E402
from server.preview.movie import PreviewOptions, write_preview  # noqa: E402
from server.preview.render import RenderOptions  # noqa: E402
from server.preview.video import VideoOptions  # noqa: E402


def synthetic_animation(duration_s: float, rng: np.random.Generator) -> Animation:
    """A smooth, speech-like ``(T, 174)`` animation at 60 fps."""
    n = int(duration_s * FPS)
    t = np.arange(n) / FPS
    full = np.zeros((n, len(rig())), np.float32)

    def smooth_noise(scale: float) -> np.ndarray:
        knots = rng.uniform(0, 1, int(duration_s * 4) + 2)
        return np.interp(t, np.linspace(0, duration_s, len(knots)), knots) * scale

    full[:, rig().index("CTRL_C_jaw.ty")] = np.clip(0.45 * np.sin(2 * np.pi * 4.0 * t) ** 2 * smooth_noise(1.5), 0, 1)
    for s in "LR":
        full[:, rig().index(f"CTRL_{s}_mouth_cornerPull.ty")] = smooth_noise(0.6)
        full[:, rig().index(f"CTRL_{s}_mouth_purseU.ty")] = smooth_noise(0.5)
        full[:, rig().index(f"CTRL_{s}_brow_raiseIn.ty")] = smooth_noise(0.5)
        full[:, rig().index(f"CTRL_{s}_eye_blink.ty")] = (np.sin(2 * np.pi * 0.3 * t) > 0.97).astype(np.float32)
    full[:, rig().index("CTRL_C_eye.tx")] = smooth_noise(1.0) - 0.5
    return Animation(full)


def _cpu_s() -> float:
    """User + system CPU seconds of this process and its finished children (ffmpeg)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _draw_only(anim: Animation, render: RenderOptions) -> int:
    import time

    from server.preview.face_params import FaceParams
    from server.preview.render import FaceRenderer

    params, renderer = FaceParams.from_frames(anim.full()), FaceRenderer(render)
    start = time.perf_counter()
    for t in range(params.num_frames):
        renderer.render_image(params, t, f"{t / FPS:6.2f} s").tobytes()
    wall_s = time.perf_counter() - start
    print(f"draw only: {params.num_frames} frames {render.size_px}x{render.size_px} (supersample "
          f"{render.supersample}) in {wall_s:.2f} s = {params.num_frames / wall_s:.1f} frames/s, "
          f"{params.num_frames / FPS / wall_s:.2f}x real time")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--size", type=int, default=640)
    ap.add_argument("--supersample", type=int, default=1)
    ap.add_argument("--panels", type=int, default=1)
    ap.add_argument("--preset", default=VideoOptions().preset, help="x264 preset")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-encode", action="store_true", help="time drawing only (geometry + Pillow), no ffmpeg")
    ap.add_argument("-o", "--output", type=Path, help="keep the video here (default: a temporary file)")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    anim = synthetic_animation(args.seconds, rng)
    n_samples = int(args.seconds * SAMPLE_RATE_HZ)
    audio = (0.2 * np.sin(2 * np.pi * 220 * np.arange(n_samples) / SAMPLE_RATE_HZ)
             + 0.05 * rng.standard_normal(n_samples)).astype(np.float32)
    opts = PreviewOptions(render=RenderOptions(size_px=args.size, supersample=args.supersample),
                          video=VideoOptions(preset=args.preset))
    labels = [f"panel {i + 1}" for i in range(args.panels)] if args.panels > 1 else None
    if args.no_encode:
        return _draw_only(anim, opts.render)
    cpu0 = _cpu_s()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.output or Path(tmp) / "bench.mp4"
        stats = write_preview(out, [anim] * args.panels, audio, labels, opts)
        size_kb = out.stat().st_size / 1024
    cpu_s = _cpu_s() - cpu0
    print(f"{stats.num_frames} frames {stats.width_px}x{stats.height_px} at {stats.fps:g} fps "
          f"(supersample {args.supersample}, x264 {args.preset}): {stats.wall_s:.2f} s wall, "
          f"{stats.render_fps:.1f} frames/s, "
          f"{stats.realtime_factor:.2f}x real time, {size_kb:.0f} kB; CPU (Python + ffmpeg) {cpu_s:.2f} s "
          f"= {cpu_s / stats.duration_s:.2f} CPU-s per video second")
    return 0


if __name__ == "__main__":
    sys.exit(main())
