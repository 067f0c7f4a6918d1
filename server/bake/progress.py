"""Progress of a bake: a bar on a terminal, periodic plain lines otherwise."""
from __future__ import annotations

import sys
import time
from typing import TextIO

from server.bake.worker import LineResult


class Progress:
    """Lines finished out of all the manifest's lines (counted as the final summary counts them:
    baked, skipped, failed), audio seconds baked, and an ETA weighted by audio length.

    skipped, failed: lines settled before baking starts (unchanged; unreadable audio).
    """

    def __init__(self, total_lines: int, total_audio_s: float, stream: TextIO | None = None,
                 interval_s: float = 10.0, skipped: int = 0, failed: int = 0):
        self.total_lines, self.total_audio_s = total_lines, total_audio_s
        self.baked, self.skipped, self.failed = 0, skipped, failed
        self.audio_s = 0.0
        stream = sys.stderr if stream is None else stream  # the stderr of the moment, not of the import
        self.stream, self.interval_s = stream, interval_s
        self.start = self._last = time.monotonic()
        self._bar = None
        if stream.isatty() and total_audio_s > 0:
            from tqdm import tqdm

            self._bar = tqdm(total=round(total_audio_s, 1), unit="s audio", file=stream, dynamic_ncols=True)

    @property
    def lines(self) -> int:
        """Lines finished: baked, skipped or failed."""
        return self.baked + self.skipped + self.failed

    def counts(self) -> str:
        return (f"{self.lines}/{self.total_lines} lines ({self.baked} baked, {self.skipped} skipped, "
                f"{self.failed} failed)")

    def update(self, result: LineResult, audio_s_estimate: float) -> None:
        self.baked += result.status == "done"
        self.failed += result.status == "failed"
        self.audio_s += audio_s_estimate
        if self._bar is not None:
            self._bar.set_postfix_str(self.counts())
            self._bar.update(round(audio_s_estimate, 1))
        elif time.monotonic() - self._last >= self.interval_s or self.lines == self.total_lines:
            self._last = time.monotonic()
            print(f"bake: {self.counts()}, {self.audio_s:.1f}/{self.total_audio_s:.1f} audio s, ETA {self._eta()}",
                  file=self.stream, flush=True)

    def _eta(self) -> str:
        elapsed = time.monotonic() - self.start
        if self.audio_s <= 0:
            return "unknown"
        remaining = elapsed * max(self.total_audio_s - self.audio_s, 0.0) / self.audio_s
        return f"{int(remaining // 60)}m{int(remaining % 60):02d}s"

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
