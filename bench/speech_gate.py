"""Speech-activity gate on the shipped model: no gate vs the energy gate vs silero-vad, side by side.

    nice -n 10 .venv/bin/python bench/speech_gate.py [--realdata ../shared/realdata] [--threads 2]

Drives the default model (neutral) with: the real recordings in ``realdata`` (talking_faces/*.mp4
audio via PyAV, facegood/*.wav; evaluation only, never committed), docs/samples/hello.wav padded with
1 s of zeros each side, 3 s of zeros, of -60 and -45 dBFS white noise, and hello.wav in a synthetic
room tone at 20 dB SNR. Reports on the raw jaw (CTRL_C_jaw.ty) with each gate applied:

- jaw mean / max in silence and noise (whole clip; for padded clips, padding >= 0.3 s from the speech);
- jaw median in pauses: frames more than 30 dB under the clip's 90th-percentile frame level in runs
  of at least 0.3 s (for the noisy hello, found in the clean audio); frames outside pauses are "inside
  speech", and the share of them where the gate is closed (activity < 0.5) is "speech gated";
- r of the jaw with the real inner-lip aperture (dlib, talking faces) at zero lag;
- detector CPU cost as x real time (audio seconds per compute second), whole-clip form.

Missing paths are reported and skipped.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.constants import FPS, SAMPLE_RATE_HZ, frame_count  # noqa: E402
from postfx.speech_gate import ActivityOptions, speech_activity  # noqa: E402
from postfx.vad import frame_bounds  # noqa: E402

GATES = ("none", "energy", "silero")
PAUSE_DB = 30.0
PAUSE_MIN_S = 0.3
INNER_LIP_PAIRS = ((61, 67), (62, 66), (63, 65))  # 0-based dlib points; width 60-64


@dataclass
class Clip:
    name: str
    group: str
    audio: np.ndarray  # (n,) float32 16 kHz
    silent: np.ndarray | None = None  # (T,) bool: padding frames at least 0.3 s from the speech file
    clean: np.ndarray | None = None  # the audio before noise was added: pauses are found in it
    aperture: tuple[np.ndarray, np.ndarray] | None = None  # (times_s, aperture) per video frame with a face
    jaw: dict[str, np.ndarray] = field(default_factory=dict)  # gate -> (T,) jaw
    act: dict[str, np.ndarray] = field(default_factory=dict)


def frame_levels_dbfs(audio: np.ndarray) -> np.ndarray:
    """(T,) RMS level of each output frame in dBFS."""
    out = np.empty(frame_count(len(audio)))
    for i in range(len(out)):
        a, b = frame_bounds(i)
        out[i] = 20 * np.log10(max(np.sqrt(np.mean(audio[a:b].astype(np.float64) ** 2)), 1e-6))
    return out


def pause_mask(audio: np.ndarray) -> np.ndarray:
    """(T,) bool: frames > 30 dB under the clip's 90th-percentile level, in runs >= 0.3 s."""
    levels = frame_levels_dbfs(audio)
    quiet = levels < np.percentile(levels, 90) - PAUSE_DB
    out = np.zeros_like(quiet)
    i, min_run = 0, round(PAUSE_MIN_S * FPS)
    while i < len(quiet):
        j = i
        while j < len(quiet) and quiet[j] == quiet[i]:
            j += 1
        if quiet[i] and j - i >= min_run:
            out[i:j] = True
        i = j
    return out


def read_video_audio(path: Path) -> np.ndarray:
    import av

    with av.open(str(path)) as c:
        res = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE_HZ)
        chunks = [r.to_ndarray().reshape(-1) for f in c.decode(c.streams.audio[0]) for r in res.resample(f)]
        chunks += [r.to_ndarray().reshape(-1) for r in res.resample(None)]
    return np.concatenate(chunks).astype(np.float32)


def lip_aperture(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(times_s, aperture) for video frames where dlib finds a face: mean inner-lip gap / inner width."""
    import av

    from postfx.blink.landmarks import face_landmarks

    times, values = [], []
    with av.open(str(path)) as c:
        for frame in c.decode(c.streams.video[0]):
            scale = min(1.0, 640 / frame.width)
            img = frame.to_ndarray(format="gray", width=int(frame.width * scale), height=int(frame.height * scale))
            pts = face_landmarks(img)
            if pts is None or frame.time is None:
                continue
            gap = np.mean([np.linalg.norm(pts[a] - pts[b]) for a, b in INNER_LIP_PAIRS])
            times.append(float(frame.time))
            values.append(gap / np.linalg.norm(pts[60] - pts[64]))
    return np.array(times), np.array(values)


def room_tone(n: int, rng: np.random.Generator) -> np.ndarray:
    """Low-frequency-heavy room noise (white through a one-pole low-pass at ~300 Hz, plus some hiss)."""
    from scipy.signal import lfilter

    k = 1 - np.exp(-2 * np.pi * 300 / SAMPLE_RATE_HZ)
    x = lfilter([k], [1, k - 1], rng.normal(size=n)) + 0.05 * rng.normal(size=n)
    return x / np.sqrt(np.mean(x**2))


def synthetic_clips(rng: np.random.Generator) -> list[Clip]:
    sec = SAMPLE_RATE_HZ
    noise = lambda dbfs: (10 ** (dbfs / 20) * rng.normal(size=3 * sec)).astype(np.float32)  # noqa: E731
    clips = [Clip("zeros 3 s", "silence", np.zeros(3 * sec, np.float32)),
             Clip("-60 dBFS noise", "silence", noise(-60)), Clip("-45 dBFS noise", "silence", noise(-45))]
    hello_path = ROOT / "docs" / "samples" / "hello.wav"
    if not hello_path.is_file():
        print(f"skipped hello.wav clips: {hello_path} not found")
        return clips
    from scipy.signal import resample_poly

    hello, sr = sf.read(hello_path, dtype="float32", always_2d=True)
    g = np.gcd(sr, SAMPLE_RATE_HZ)
    hello = resample_poly(hello.mean(axis=1), SAMPLE_RATE_HZ // g, sr // g).astype(np.float32)
    pad = np.zeros(sec, np.float32)
    padded = np.concatenate([pad, hello, pad])
    tone = room_tone(len(padded), rng)
    speech_rms = np.sqrt(np.mean(hello[np.abs(hello) > 0.01 * np.abs(hello).max()] ** 2))
    noisy = (padded + tone * speech_rms * 10 ** (-20 / 20)).astype(np.float32)
    silent = np.ones(frame_count(len(padded)), bool)
    margin = round(0.3 * FPS)  # clear of any pre-roll, hangover and ramp
    silent[FPS - margin: FPS + frame_count(len(hello)) + margin] = False
    for name, audio in (("hello + 1 s zeros", padded), ("hello, room 20 dB SNR", noisy)):
        clips.append(Clip(name, "hello", audio, silent=silent, clean=padded))
    return clips


def real_clips(realdata: Path) -> list[Clip]:
    clips = []
    faces = sorted((realdata / "talking_faces").glob("*.mp4"))
    if not faces:
        print(f"skipped talking faces: no {realdata / 'talking_faces'}/*.mp4")
    for p in faces:
        clips.append(Clip(p.stem, "talking faces", read_video_audio(p), aperture=lip_aperture(p)))
    takes = sorted((realdata / "facegood").glob("*.wav"))
    if not takes:
        print(f"skipped FACEGOOD takes: no {realdata / 'facegood'}/*.wav")
    for p in takes:
        audio, sr = sf.read(p, dtype="float32", always_2d=True)
        if sr != SAMPLE_RATE_HZ:
            print(f"skipped {p.name}: {sr} Hz, expected {SAMPLE_RATE_HZ}")
            continue
        clips.append(Clip(p.stem, "facegood", audio.mean(axis=1)))
    return clips


def run(clips: list[Clip], threads: int) -> dict[str, float]:
    """Fill ``clip.jaw`` / ``clip.act`` for every gate; return compute seconds per stage."""
    import torch

    from model.emotion import EmotionTrack
    from model.rig import rig
    from postfx.speech_gate import gate
    from server.pipeline import Pipeline

    torch.set_num_threads(threads)
    pipe = Pipeline.load()
    jaw = rig().index("CTRL_C_jaw.ty")
    cost = {"model": 0.0, "energy": 0.0, "silero": 0.0}
    for clip in clips:
        t0 = time.perf_counter()
        raw = pipe.raw_frames(clip.audio, EmotionTrack.parse("neutral"))
        cost["model"] += time.perf_counter() - t0
        clip.jaw["none"] = raw[:, jaw]
        clip.act["none"] = np.ones(len(raw))
        for det in GATES[1:]:
            t0 = time.perf_counter()
            act = speech_activity(clip.audio, ActivityOptions(detector=det))
            cost[det] += time.perf_counter() - t0
            clip.act[det], clip.jaw[det] = act, gate(raw, act)[:, jaw]
    return cost


def _corr(clip: Clip, g: str) -> float:
    t, ap = clip.aperture
    jaw = np.interp(t, np.arange(len(clip.jaw[g])) / FPS, clip.jaw[g])
    return float(np.corrcoef(jaw, ap)[0, 1]) if len(t) > 2 and np.std(jaw) > 0 else float("nan")


def rows(clips: list[Clip], cost: dict[str, float]) -> list[tuple[str, list[float], bool]]:
    """(label, value per gate, whether a ratio to 'none' means something)."""
    out = []
    by = {c.name: c for c in clips}
    for name in ("zeros 3 s", "-60 dBFS noise", "-45 dBFS noise"):
        c = by[name]
        out.append((f"{name}: jaw mean", [c.jaw[g].mean() for g in GATES], True))
        out.append((f"{name}: jaw max", [c.jaw[g].max() for g in GATES], True))
    for c in (c for c in clips if c.silent is not None):
        out.append((f"{c.name}: padding >= 0.3 s from speech, jaw mean", [c.jaw[g][c.silent].mean() for g in GATES],
                    True))
        out.append((f"{c.name}: padding >= 0.3 s from speech, jaw max", [c.jaw[g][c.silent].max() for g in GATES],
                    True))
    for group in ("hello", "talking faces", "facegood"):
        members = [c for c in clips if c.group == group]
        if not members:
            continue
        masks = [pause_mask(c.audio if c.clean is None else c.clean)[: len(c.jaw['none'])] for c in members]
        n_pause = sum(int(m.sum()) for m in masks)
        seconds = sum(len(m) for m in masks) / FPS
        label = f"{group} ({len(members)} clips, {seconds:.0f} s, {n_pause / FPS:.1f} s in pauses)"
        if n_pause:
            pooled = [np.concatenate([c.jaw[g][m] for c, m in zip(members, masks)]) for g in GATES]
            out.append((f"{label}: pause jaw median", [np.median(p) for p in pooled], True))
        out.append((f"{group}: speech jaw mean",
                    [np.mean(np.concatenate([c.jaw[g][~m] for c, m in zip(members, masks)])) for g in GATES], True))
        out.append((f"{group}: speech gated",
                    [np.mean(np.concatenate([c.act[g][~m] < 0.5 for c, m in zip(members, masks)])) for g in GATES],
                    False))
        if group == "talking faces":
            out.append(("talking faces: r jaw vs lip aperture (mean of clips)",
                        [np.nanmean([_corr(c, g) for c in members]) for g in GATES], False))
    audio_s = sum(len(c.audio) for c in clips) / SAMPLE_RATE_HZ
    out.append((f"detector cost, x real time ({audio_s:.0f} s of audio; model: {audio_s / cost['model']:.0f}x)",
                [float("nan")] + [audio_s / cost[g] for g in GATES[1:]], False))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--realdata", type=Path, help="default: the first of ../shared/realdata, ../../shared/realdata")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    if args.realdata is None:
        found = [p for p in (ROOT.parent / "shared" / "realdata", ROOT.parent.parent / "shared" / "realdata")
                 if p.is_dir()]
        args.realdata = found[0] if found else ROOT.parent / "shared" / "realdata"
    if not args.realdata.is_dir():
        print(f"skipped real recordings: {args.realdata} not found")
    clips = synthetic_clips(np.random.default_rng(0))
    clips += real_clips(args.realdata) if args.realdata.is_dir() else []
    cost = run(clips, args.threads)
    opts = ActivityOptions()
    print(f"gate: preroll {opts.preroll_s} s, hangover {opts.hangover_s} s, ramp {opts.ramp_s} s; "
          f"energy {opts.energy}; silero {opts.silero}")
    print("raw model output (neutral), CTRL_C_jaw.ty\n")
    print(f"| measure | none | energy | silero | energy/none | silero/none |\n|{' --- |' * 6}")
    for label, v, ratio in rows(clips, cost):
        r = [f"{x / v[0]:.2f}" if ratio and v[0] > 0 else "" for x in v[1:]]
        print(f"| {label} | {v[0]:.3f} | {v[1]:.3f} | {v[2]:.3f} | {r[0]} | {r[1]} |")
    faces = [c for c in clips if c.aperture is not None]
    if faces:
        print("\nper talking-face clip, r with lip aperture (none / energy / silero), frames with a face:")
        for c in faces:
            print(f"  {c.name}: " + " / ".join(f"{_corr(c, g):.3f}" for g in GATES) + f", {len(c.aperture[0])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
