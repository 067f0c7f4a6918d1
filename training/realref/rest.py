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
from server.runtime.audio_io import decode_file
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


DIGITAL_SILENCE_DB = -79.9
"""A frame at the level floor of ``frame_energy_db`` (-80 dB) holds (nearly) exact zeros."""


def pause_jaw(animator, clips: dict[str, np.ndarray], opts: PauseOptions = PauseOptions()) -> dict:
    """Median jaw (and 90th percentile) over the pause frames of real speech clips: pooled, per clip, and split
    into pause frames of digital silence (``digital``) and of room tone (``room_tone``)."""
    pooled = {s: {"all": [], "digital": [], "room_tone": []} for s in REST_SOURCES}
    per_clip = {}
    for name, audio in clips.items():
        n = frame_count(len(audio))
        level = frame_energy_db(audio, n)
        mask = pause_mask(audio, opts, n)
        digital = level <= DIGITAL_SILENCE_DB
        curves = animator.curves(audio, key=name)
        per_clip[name] = {"pauses": len(pause_spans(level, opts)), "pause_s": float(mask.sum() / 60),
                          "digital_s": float((mask & digital).sum() / 60)}
        for src in REST_SOURCES:
            jaw = curves.jaw(src)
            vals = pause_values(jaw, mask)
            pooled[src]["all"].append(vals)
            pooled[src]["digital"].append(pause_values(jaw, mask & digital))
            pooled[src]["room_tone"].append(pause_values(jaw, mask & ~digital))
            per_clip[name][src] = _stats(vals)["median"]
    summary = {src: {**_stats(np.concatenate(parts["all"] or [np.zeros(0)])),
                     "digital": _stats(np.concatenate(parts["digital"] or [np.zeros(0)])),
                     "room_tone": _stats(np.concatenate(parts["room_tone"] or [np.zeros(0)]))}
               for src, parts in pooled.items()}
    return {"pooled": summary, "clips": per_clip, "options": opts.to_dict()}


def _stats(vals: np.ndarray) -> dict:
    if not len(vals):
        return {"median": float("nan"), "p90": float("nan"), "frames": 0}
    return {"median": float(np.median(vals)), "p90": float(np.percentile(vals, 90)), "frames": int(len(vals))}


def stream_rest(animator, clips: dict[str, np.ndarray], opts: RestOptions = RestOptions()) -> dict:
    """The jaw when streamed: mean and max in each synthetic rest clip (neutral) and the median over the pause
    frames of ``clips`` (keep them short: streaming costs more than a whole-clip call)."""
    out: dict = {"silence": {}}
    for name, audio in rest_clips(opts).items():
        jaw = animator.stream_jaw(audio)
        out["silence"][name] = {"mean": float(jaw.mean()), "max": float(jaw.max())}
    vals = [pause_values(animator.stream_jaw(audio), pause_mask(audio, opts.pauses)) for audio in clips.values()]
    out["pauses"] = _stats(np.concatenate(vals) if vals else np.zeros(0))
    out["pause_clips"] = sorted(clips)
    return out


def hello_padded(repo_root: str | Path) -> dict[str, np.ndarray]:
    """``docs/samples/hello.wav`` with 1 s of zeros on each side, if present."""
    path = Path(repo_root) / "docs" / "samples" / "hello.wav"
    return {"hello_padded": padded(decode_file(path))} if path.is_file() else {}
