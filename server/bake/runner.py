"""The bake driver: plan (hash, skip, order), dispatch, write outputs, report."""
from __future__ import annotations

import io
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, TextIO

import soundfile as sf

from model.metadata import checkpoint_id
from server.bake import backends
from server.bake.manifest import BakeLine, read_manifest
from server.bake.progress import Progress
from server.bake.state import (REPORT, is_current, line_hash, output_digests, output_paths, remove_stale_temp_files,
                               write_atomic, write_marker)
from server.bake.worker import LineJob, LineResult, read_job_audio
from server.runtime.formats import FORMATS, FormatError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BakeConfig:
    """manifest, outdir: input and output; formats: output formats; workers: local processes (1 = in this
    process) or Ray actors; ray: None, "local", "auto" or an address; checkpoint: None = default model;
    force: rebake unchanged lines too."""

    manifest: Path
    outdir: Path
    formats: tuple[str, ...] = ("json",)
    workers: int = 1
    ray: str | None = None
    checkpoint: str | None = None
    force: bool = False

    def __post_init__(self) -> None:
        bad = [f for f in self.formats if f not in FORMATS]
        if bad or not self.formats:
            raise FormatError(f"unknown format(s) {', '.join(bad) or '(none)'}; use: {', '.join(FORMATS)}")
        if self.workers < 1 or self.workers > 256:
            raise FormatError(f"--workers must be 1..256, got {self.workers}")


@dataclass
class BakeSummary:
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    wall_s: float = 0.0
    reported_at: float = 0.0  # monotonic time of the last report written

    def count(self, status: str) -> int:
        return sum(r["status"] == status for r in self.records.values())

    @property
    def baked_audio_s(self) -> float:
        return sum(r.get("audio_s", 0.0) for r in self.records.values() if r["status"] == "done")

    def text(self) -> str:
        rtf = self.baked_audio_s / self.wall_s if self.wall_s > 0 else 0.0
        return (f"bake: {self.count('done')} baked, {self.count('skipped')} skipped (unchanged), "
                f"{self.count('failed')} failed of {len(self.records)} lines; "
                f"{self.baked_audio_s / 3600:.3f} audio hours in {self.wall_s:.1f} s = {rtf:.0f}x real time")


@dataclass
class _Planned:
    line: BakeLine
    content_hash: str
    audio_s: float


def run_bake(cfg: BakeConfig, stream: TextIO | None = None) -> BakeSummary:
    """Bake the manifest of ``cfg``; progress goes to ``stream`` (default: ``sys.stderr`` at call time)."""
    start = time.monotonic()
    lines = read_manifest(cfg.manifest, require_audio=True)  # every problem before anything is baked
    model_id = checkpoint_id(cfg.checkpoint)
    cfg.outdir.mkdir(parents=True, exist_ok=True)
    removed = remove_stale_temp_files(cfg.outdir)
    if removed:
        log.info("removed %d temporary files left by an interrupted bake", removed)
    summary = BakeSummary()
    todo = _plan(lines, cfg, model_id, summary)
    todo.sort(key=lambda p: -p.audio_s)  # longest first keeps workers busy to the end
    progress = Progress(len(lines), sum(p.audio_s for p in todo), stream,
                        skipped=summary.count("skipped"), failed=summary.count("failed"))
    by_id = {p.line.line_id: p for p in todo}
    try:
        for result in _dispatch(_jobs(todo, cfg, model_id, summary, by_id), cfg):
            planned = by_id[result.line_id]
            summary.records[result.line_id] = _finish(result, planned, cfg, model_id)
            progress.update(result, planned.audio_s)
            summary.wall_s = time.monotonic() - start
            _write_report(cfg, model_id, summary, final=False, every_s=30.0)
    finally:
        progress.close()
        summary.wall_s = time.monotonic() - start
        _write_report(cfg, model_id, summary, final=True)
    return summary


def _plan(lines: list[BakeLine], cfg: BakeConfig, model_id: str, summary: BakeSummary) -> list[_Planned]:
    todo = []
    for line in lines:
        data = read_job_audio(line.audio)
        if isinstance(data, str):
            summary.records[line.line_id] = {"status": "failed", "error": data}
            continue
        h = line_hash(data, line.track, line.options.to_dict(), model_id, cfg.formats)
        marker = None if cfg.force else is_current(cfg.outdir, line.line_id, h, cfg.formats)
        if marker is not None:
            summary.records[line.line_id] = {**marker, "status": "skipped"}
            continue
        todo.append(_Planned(line, h, _duration_s(data)))
    return todo


def _jobs(todo: list[_Planned], cfg: BakeConfig, model_id: str, summary: BakeSummary,
          by_id: dict[str, _Planned]) -> Iterator[LineJob]:
    """Jobs with their audio read just in time (re-hashed: the file may have changed since planning)."""
    for planned in todo:
        line = planned.line
        data = read_job_audio(line.audio)
        if isinstance(data, str):  # vanished since planning: the worker reports it as failed
            yield LineJob(line.line_id, b"", line.track, line.options, cfg.formats, error=data)
            continue
        planned.content_hash = line_hash(data, line.track, line.options.to_dict(), model_id, cfg.formats)
        yield LineJob(line.line_id, data, line.track, line.options, cfg.formats)


def _dispatch(jobs: Iterator[LineJob], cfg: BakeConfig) -> Iterator[LineResult]:
    if cfg.ray:
        return backends.bake_ray(jobs, cfg.checkpoint, cfg.ray, cfg.workers if cfg.workers > 1 else None)
    if cfg.workers == 1:
        return backends.bake_inline(jobs, cfg.checkpoint)
    return backends.bake_processes(jobs, cfg.checkpoint, cfg.workers)


def _finish(result: LineResult, planned: _Planned, cfg: BakeConfig, model_id: str) -> dict[str, Any]:
    record = {"status": result.status, "frames": result.frames, "audio_s": round(result.audio_s, 4),
              "time_s": round(result.time_s, 4), "error": result.error, "hash": planned.content_hash,
              "model_id": model_id, "seed": planned.line.options.seed}
    if result.status == "done":
        for fmt, path in output_paths(cfg.outdir, result.line_id, cfg.formats).items():
            write_atomic(path, result.outputs[fmt])
        record["outputs"] = output_digests({fmt: result.outputs[fmt] for fmt in cfg.formats})
        write_marker(cfg.outdir, result.line_id, record)  # last: the line counts as baked only now
    return record


def _write_report(cfg: BakeConfig, model_id: str, summary: BakeSummary, final: bool, every_s: float = 0.0) -> None:
    """bake_report.json: at the end, and every ``every_s`` seconds while baking."""
    now = time.monotonic()
    if not final and now - summary.reported_at < every_s:
        return
    summary.reported_at = now
    report = {"manifest": str(cfg.manifest), "model_id": model_id, "formats": list(cfg.formats),
              "finished": final, "written_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "summary": {"lines": len(summary.records), "done": summary.count("done"),
                          "skipped": summary.count("skipped"), "failed": summary.count("failed"),
                          "audio_hours_baked": round(summary.baked_audio_s / 3600, 5),
                          "wall_s": round(summary.wall_s, 2)},
              "lines": summary.records}
    write_atomic(cfg.outdir / REPORT, json.dumps(report, indent=1).encode())


def _duration_s(data: bytes) -> float:
    try:
        info = sf.info(io.BytesIO(data))
        return info.frames / info.samplerate
    except Exception:  # undecodable audio: the worker will report why; weight it as short
        return 0.0
