"""Rest metrics: the jaw in silence, in a low noise floor, and in the pauses of real speech.

Synthetic rest clips are 3 s of exact zeros and of white noise whose RMS is -60 and -45 dBFS (RMS relative to
a full-scale amplitude of 1.0), animated at every emotion. Pauses in real speech come from
:mod:`training.realref.pauses`; the statistic is the median jaw over all pause frames pooled.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model.constants import EMOTIONS, SAMPLE_RATE_HZ, frame_count
from server.audio_io import decode_file
from training.baselines import frame_energy_db
from training.realref.pauses import PauseOptions, pause_mask, pause_spans

REST_SOURCES = ("raw", "postfx")


@dataclass(frozen=True)
class RestOptions:
    """duration_s: length of each synthetic clip; noise_dbfs: RMS levels of the white-noise clips;
    seed: of the noise; pauses: how pauses are found in speech."""

    duration_s: float = 3.0
    noise_dbfs: tuple[float, ...] = (-60.0, -45.0)
    seed: int = 0
    pauses: PauseOptions = field(default_factory=PauseOptions)


def rest_clips(opts: RestOptions = RestOptions()) -> dict[str, np.ndarray]:
    """``{"zeros": ..., "noise_-60dBFS": ..., ...}`` 16 kHz float32 clips."""
    n = int(round(opts.duration_s * SAMPLE_RATE_HZ))
    rng = np.random.default_rng(opts.seed)
    clips = {"zeros": np.zeros(n, np.float32)}
    for level in opts.noise_dbfs:
        clips[f"noise_{level:g}dBFS"] = (rng.standard_normal(n) * 10 ** (level / 20)).astype(np.float32)
    return clips


def padded(audio: np.ndarray, pad_s: float = 1.0) -> np.ndarray:
    """``audio`` with ``pad_s`` of exact zeros on each side."""
    pad = np.zeros(int(round(pad_s * SAMPLE_RATE_HZ)), np.float32)
    return np.concatenate([pad, audio.astype(np.float32), pad])


def silence_jaw(animator, opts: RestOptions = RestOptions(), emotions: tuple[str, ...] = EMOTIONS) -> dict:
    """``{clip: {source: {"mean", "max", "worst_emotion_mean", "worst_emotion"}}}``: the jaw of each synthetic
    rest clip, neutral, and the emotion whose mean jaw is highest."""
    out = {}
    for name, audio in rest_clips(opts).items():
        jaws = {e: animator.curves(audio, e) for e in emotions}
        out[name] = {}
        for src in REST_SOURCES:
            means = {e: float(c.jaw(src).mean()) for e, c in jaws.items()}
            worst = max(means, key=means.get)
            neutral = jaws.get("neutral", jaws[worst]).jaw(src)
            out[name][src] = {"mean": float(neutral.mean()), "max": float(neutral.max()),
                              "worst_emotion": worst, "worst_emotion_mean": means[worst]}
    return out


def pause_values(jaw: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The jaw values of the frames in pauses."""
    n = min(len(jaw), len(mask))
    return np.asarray(jaw[:n])[np.asarray(mask[:n], bool)]


def pause_jaw(animator, clips: dict[str, np.ndarray], opts: PauseOptions = PauseOptions()) -> dict:
    """Median jaw (and 90th percentile) over the pause frames of real speech clips, pooled and per clip."""
    pooled = {s: [] for s in REST_SOURCES}
    per_clip = {}
    for name, audio in clips.items():
        n = frame_count(len(audio))
        mask = pause_mask(audio, opts, n)
        curves = animator.curves(audio, key=name)
        spans = pause_spans(frame_energy_db(audio, n), opts)
        per_clip[name] = {"pauses": len(spans), "pause_s": float(mask.sum() / 60)}
        for src in REST_SOURCES:
            vals = pause_values(curves.jaw(src), mask)
            pooled[src].append(vals)
            per_clip[name][src] = float(np.median(vals)) if len(vals) else float("nan")
    summary = {}
    for src, parts in pooled.items():
        vals = np.concatenate(parts) if parts else np.zeros(0)
        summary[src] = {"median": float(np.median(vals)) if len(vals) else float("nan"),
                        "p90": float(np.percentile(vals, 90)) if len(vals) else float("nan"),
                        "frames": int(len(vals))}
    return {"pooled": summary, "clips": per_clip, "options": opts.to_dict()}


def hello_padded(repo_root: str | Path) -> dict[str, np.ndarray]:
    """``docs/samples/hello.wav`` with 1 s of zeros on each side, if present."""
    path = Path(repo_root) / "docs" / "samples" / "hello.wav"
    return {"hello_padded": padded(decode_file(path))} if path.is_file() else {}
