"""Baking one line, the same in a local worker process and in a Ray actor.

The worker loads the model once, receives the line with its audio bytes, and returns the
encoded output files; the driver writes them (so a cluster needs no shared file system).
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.errors import CheckpointError, InputError
from server.runtime.audio_io import decode_bytes
from server.runtime.formats import encode

log = logging.getLogger(__name__)


@dataclass
class LineJob:
    """What a worker needs: no file access on the worker side."""

    line_id: str
    audio_bytes: bytes
    track: Any  # EmotionTrack
    options: Any  # RequestOptions
    formats: tuple[str, ...]
    error: str | None = None  # set when the driver could not read the audio


@dataclass
class LineResult:
    line_id: str
    status: str  # "done" | "failed"
    frames: int = 0
    audio_s: float = 0.0
    time_s: float = 0.0
    error: str | None = None
    outputs: dict[str, bytes] = field(default_factory=dict)


class Baker:
    """Holds one pipeline (loaded once) and bakes jobs with it."""

    def __init__(self, checkpoint: str | None, threads: int | None):
        if threads:
            os.environ["OMP_NUM_THREADS"] = str(threads)
        from server.runtime.pipeline import Pipeline, RuntimeOptions

        self.pipeline = Pipeline.load(checkpoint, RuntimeOptions(threads=threads))

    def bake(self, job: LineJob) -> LineResult:
        start = time.perf_counter()
        if job.error:
            return LineResult(job.line_id, "failed", error=job.error)
        try:
            audio = decode_bytes(job.audio_bytes)
            anim = self.pipeline.animate(audio, job.track, job.options)
            outputs = {fmt: encode(anim, fmt) for fmt in job.formats}
        except (InputError, CheckpointError) as exc:
            return LineResult(job.line_id, "failed", error=str(exc), time_s=time.perf_counter() - start)
        except Exception as exc:  # a line must never take the batch down; the report keeps the reason
            log.exception("line %s failed", job.line_id)
            return LineResult(job.line_id, "failed", error=f"internal error: {exc!r}",
                              time_s=time.perf_counter() - start)
        return LineResult(job.line_id, "done", anim.num_frames, len(audio) / 16000, time.perf_counter() - start,
                          outputs=outputs)


_BAKER: Baker | None = None


def init_process(checkpoint: str | None, threads: int) -> None:
    """ProcessPoolExecutor initializer: one model per worker process."""
    global _BAKER
    import torch

    torch.set_num_threads(threads)
    _BAKER = Baker(checkpoint, threads)


def bake_in_process(job: LineJob) -> LineResult:
    assert _BAKER is not None, "worker not initialised"
    return _BAKER.bake(job)


def read_job_audio(path: Path) -> bytes | str:
    """Audio bytes of a line, or the reason they cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return f"audio file not found: {path}"
    except OSError as exc:
        return f"cannot read audio {path}: {exc.strerror}"
