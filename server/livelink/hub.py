"""Lines of frames for Live Link subjects, paced or not, fanned out to frame sinks.

A :class:`SubjectHub` keeps one queue of lines per subject and one sender thread per
subject with work, so subjects are independent: a long or slow line for one subject never
delays another. A line's frames come from a :class:`LineFrames` buffer that is either
filled at once (a finished animation; ``frame_count`` known) or incrementally (a gRPC
stream; ``frame_count`` unknown). Paced lines send frame *i* at ``start_time_s + i / fps``
(``start_time_s`` = now + ``lead_s``); unpaced lines send frames as soon as they exist.

Sinks (every Live Link TCP client, the Live Link Face UDP sender, ...) implement
:class:`FrameSink`. The hub calls them from the subject's sender thread, in order per
subject; calls for different subjects may come from different threads at once, so a sink
must be thread-safe and must not block for long.
"""
from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from model.constants import FPS
from model.errors import InputError
from model.rig import rig
from server.runtime import limits

log = logging.getLogger(__name__)

COMPLETE, CANCELLED, FAILED = "complete", "cancelled", "failed"
MAX_SUBJECT_BYTES = limits.LIVELINK_SUBJECT_BYTES  # longest subject name (UTF-8)
_ENDED_KEPT = 4096  # statuses of ended lines kept for wait_line()


class FrameSink(Protocol):
    """Receives the static data, lines and frames of every subject."""

    def on_static(self, subject: str, controls: tuple[str, ...], fps: float) -> None: ...

    def on_line_start(self, subject: str, line_id: int, start_time_s: float, frame_count: int | None) -> None: ...

    def on_frame(self, subject: str, line_id: int, frame_index: int, time_s: float, values: np.ndarray) -> None: ...

    def on_line_end(self, subject: str, line_id: int, frames_sent: int, status: str, message: str) -> None: ...

    def close(self) -> None: ...


class HubFullError(InputError):
    """Too many lines queued (maps to RESOURCE_EXHAUSTED)."""


@dataclass(frozen=True)
class HubOptions:
    """lead_s: how far in the future a paced line's frame 0 is scheduled, seconds.
    max_lines_per_subject: lines queued or playing per subject; more are refused (HubFullError).
    max_subjects: subjects with queued or playing lines at once; more are refused.
    fps: frame rate of every subject (frames per second).
    """

    lead_s: float = 0.1
    max_lines_per_subject: int = limits.LIVELINK_LINES_PER_SUBJECT
    max_subjects: int = limits.LIVELINK_SUBJECTS
    fps: int = FPS


class LineFrames:
    """Thread-safe frame buffer of one line.

    incremental: False = the line starts once :meth:`finish` gives the total (``frame_count``
    known); True = it starts with the first frame and ``frame_count`` is unknown (None).
    """

    def __init__(self, incremental: bool = False):
        self.incremental = incremental
        self._frames: list[np.ndarray] = []  # (C,) float32 rows
        self._done = False
        self._error: str | None = None
        self._cancelled = False
        self._cond = threading.Condition()

    @classmethod
    def complete(cls, frames: np.ndarray) -> LineFrames:
        """A finished buffer holding ``frames`` ``(T, C)``."""
        out = cls()
        out.push(frames)
        out.finish()
        return out

    def push(self, frames: np.ndarray) -> None:
        """Append frames ``(n, C)`` (controls in rig order)."""
        rows = np.asarray(frames, dtype=np.float32)
        with self._cond:
            self._frames.extend(np.array(r) for r in rows.reshape(len(rows), -1))
            self._cond.notify_all()

    def finish(self) -> None:
        with self._cond:
            self._done = True
            self._cond.notify_all()

    def fail(self, message: str) -> None:
        with self._cond:
            self._error, self._done = message, True
            self._cond.notify_all()

    def cancel(self) -> None:
        """Mark the line cancelled (producers may stop computing) and wake waiters."""
        with self._cond:
            self._cancelled = True
            self._cond.notify_all()

    @property
    def cancelled(self) -> bool:
        """Whether the hub cancelled the line: frames pushed from now on are not sent."""
        return self._cancelled

    def wait_ready(self, cancelled: threading.Event) -> tuple[int | None, str | None]:
        """Block until the line can start: ``(frame_count or None, error or None)``."""
        with self._cond:
            self._cond.wait_for(lambda: cancelled.is_set() or self._done or (self.incremental and self._frames))
            count = None if self.incremental else len(self._frames)
            return count, self._error

    def get(self, index: int, cancelled: threading.Event) -> np.ndarray | None:
        """Frame ``index`` (waiting for it), or None once the line has no such frame or is cancelled."""
        with self._cond:
            self._cond.wait_for(lambda: cancelled.is_set() or self._done or index < len(self._frames))
            if cancelled.is_set() or index >= len(self._frames):
                return None
            return self._frames[index]

    @property
    def error(self) -> str | None:
        with self._cond:
            return self._error


class _SinkState:
    """What one sink has been told: subjects with static data, and the line it is in per subject."""

    def __init__(self):
        self.static: set[str] = set()
        self.lines: dict[str, int] = {}


class _Line:
    def __init__(self, line_id: int, subject: str, frames: LineFrames, paced: bool, request_id: int):
        self.line_id, self.subject, self.frames = line_id, subject, frames
        self.paced, self.request_id = paced, request_id
        self.cancelled = threading.Event()
        self.cancel_reason = ""
        self.ended = threading.Event()
        self.status = ""
        self.frames_sent = 0
        self.start_s: float | None = None  # Unix time of frame 0, set when the line starts
        self.frame_count: int | None = None

    def cancel(self, reason: str) -> None:
        if not self.cancelled.is_set():
            self.cancel_reason = reason
            self.cancelled.set()
        self.frames.cancel()


class SubjectHub:
    """Runs lines per subject and fans frames out to sinks (see the module docstring)."""

    def __init__(self, options: HubOptions = HubOptions(), clock: Callable[[], float] = time.time,
                 controls: tuple[str, ...] | None = None):
        self.options = options
        self.clock = clock
        self.controls = tuple(rig().ue_names) if controls is None else tuple(controls)
        self._lock = threading.Lock()
        self._queues: dict[str, deque[_Line]] = {}  # subject -> lines waiting or playing (head = playing)
        self._threads: dict[str, threading.Thread] = {}
        self._lines: dict[int, _Line] = {}
        self._ended: OrderedDict[int, str] = OrderedDict()  # recently ended line id -> status
        self._sinks: list[FrameSink] = []
        self._sink_states: dict[int, _SinkState] = {}  # id(sink) -> what it has been told
        self._ids = itertools.count(1)
        self._closed = False

    # ------------------------------------------------------------ sinks
    def add_sink(self, sink: FrameSink) -> None:
        with self._lock:
            self._sinks.append(sink)
            self._sink_states[id(sink)] = _SinkState()

    def remove_sink(self, sink: FrameSink) -> None:
        with self._lock:
            self._sinks = [s for s in self._sinks if s is not sink]
            self._sink_states.pop(id(sink), None)

    # ------------------------------------------------------------ lines
    def submit(self, subject: str, frames: LineFrames | np.ndarray, paced: bool = True, interrupt: bool = False,
               request_id: int = 0) -> int:
        """Queue a line for ``subject``; returns its line id. ``frames``: a buffer or ``(T, C)`` array.

        interrupt: cancel the subject's current and queued lines first. Raises HubFullError
        beyond the queue limits, InputError for an empty subject.
        """
        if not subject:
            raise InputError("the subject name is empty")
        if len(subject.encode("utf-8")) > MAX_SUBJECT_BYTES:
            raise InputError(f"the subject name is longer than {MAX_SUBJECT_BYTES} bytes of UTF-8")
        source = frames if isinstance(frames, LineFrames) else LineFrames.complete(frames)
        with self._lock:
            if self._closed:
                raise HubFullError("the Live Link hub is shutting down")
            queue = self._queues.get(subject)
            if interrupt and queue:
                for old in queue:
                    old.cancel("interrupted by a newer line")
            if queue is None and len(self._queues) >= self.options.max_subjects:
                raise HubFullError(f"too many subjects animating at once (limit {self.options.max_subjects})")
            if queue is not None and not interrupt and len(queue) >= self.options.max_lines_per_subject:
                raise HubFullError(f"subject {subject!r} has {len(queue)} lines queued (limit "
                                   f"{self.options.max_lines_per_subject}); wait for LINE_END or interrupt")
            line = _Line(next(self._ids), subject, source, paced, request_id)
            self._lines[line.line_id] = line
            self._queues.setdefault(subject, deque()).append(line)
            if subject not in self._threads:
                thread = threading.Thread(target=self._run_subject, args=(subject,), daemon=True,
                                          name=f"livelink-subject-{subject[:24]}")
                self._threads[subject] = thread
                thread.start()
        return line.line_id

    def cancel(self, line_id: int, reason: str = "cancelled") -> bool:
        """Cancel a queued or playing line; False if it is unknown or already over."""
        with self._lock:
            line = self._lines.get(line_id)
        if line is None:
            return False
        line.cancel(reason)
        return True

    def request_id(self, line_id: int) -> int:
        """The request id a line was submitted with (0 if unknown)."""
        with self._lock:
            line = self._lines.get(line_id)
        return line.request_id if line else 0

    def wait_line(self, line_id: int, timeout_s: float | None = None) -> str | None:
        """Wait for a line to end; its status, or None on time-out / unknown line."""
        with self._lock:
            line = self._lines.get(line_id)
            if line is None:
                return self._ended.get(line_id)
        return line.status if line.ended.wait(timeout_s) else None

    def close(self, timeout_s: float = 2.0) -> None:
        """Cancel every line, wait for the sender threads, close the sinks."""
        with self._lock:
            self._closed = True
            lines = list(self._lines.values())
            threads = list(self._threads.values())
            sinks = list(self._sinks)
        for line in lines:
            line.cancel("server shutting down")
        deadline = time.monotonic() + timeout_s
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        for sink in sinks:
            try:
                sink.close()
            except Exception:  # a sink's failure must not stop the others from closing
                log.exception("closing Live Link sink %r failed", sink)

    # ------------------------------------------------------------ sender threads
    def _run_subject(self, subject: str) -> None:
        while True:
            with self._lock:
                queue = self._queues[subject]
                if not queue:
                    del self._queues[subject], self._threads[subject]
                    return
                line = queue[0]
            try:
                self._play(line)
            except Exception as exc:  # never let one line kill the subject's thread
                log.exception("Live Link line %d of %r failed", line.line_id, subject)
                line.status = FAILED
                self._end(line, f"internal error: {type(exc).__name__}")
            finally:
                line.ended.set()
                with self._lock:
                    queue.popleft()
                    self._lines.pop(line.line_id, None)
                    self._ended[line.line_id] = line.status
                    while len(self._ended) > _ENDED_KEPT:
                        self._ended.popitem(last=False)

    def _play(self, line: _Line) -> None:
        count, error = line.frames.wait_ready(line.cancelled)
        line.frame_count = count
        line.start_s = self.clock() + (self.options.lead_s if line.paced and not line.cancelled.is_set() else 0.0)
        for sink, state in self._snapshot():
            self._ensure_started(sink, state, line)
        fps = self.options.fps
        index = 0
        while error is None and not line.cancelled.is_set():
            values = line.frames.get(index, line.cancelled)
            if values is None:
                break
            if line.paced:
                delay_s = line.start_s + index / fps - self.clock()
                if delay_s > 0 and line.cancelled.wait(delay_s):
                    break
            for sink, state in self._snapshot():
                self._ensure_started(sink, state, line)
                self._call(sink, "on_frame", line.subject, line.line_id, index, index / fps, values)
            index += 1
            line.frames_sent = index
        error = error or line.frames.error
        if line.cancelled.is_set():
            line.status, message = CANCELLED, line.cancel_reason
        elif error is not None:
            line.status, message = FAILED, error
        else:
            line.status, message = COMPLETE, ""
        self._end(line, message)

    def _end(self, line: _Line, message: str) -> None:
        for sink, state in self._snapshot():
            if line.start_s is None:
                self._ensure_started(sink, state, line)
            if state.lines.get(line.subject) == line.line_id:
                del state.lines[line.subject]
                self._call(sink, "on_line_end", line.subject, line.line_id, line.frames_sent, line.status, message)

    def _snapshot(self) -> list[tuple[FrameSink, _SinkState]]:
        with self._lock:
            return [(s, self._sink_states[id(s)]) for s in self._sinks]

    def _ensure_started(self, sink: FrameSink, state: _SinkState, line: _Line) -> None:
        """Static data and LINE_START for ``sink`` if it has not had them (e.g. it joined mid-line)."""
        if line.start_s is None:
            line.start_s = self.clock()
        if line.subject not in state.static:
            state.static.add(line.subject)
            self._call(sink, "on_static", line.subject, self.controls, float(self.options.fps))
        if state.lines.get(line.subject) != line.line_id:
            state.lines[line.subject] = line.line_id
            self._call(sink, "on_line_start", line.subject, line.line_id, line.start_s, line.frame_count)

    @staticmethod
    def _call(sink: FrameSink, method: str, *args) -> None:
        try:
            getattr(sink, method)(*args)
        except Exception:  # one broken sink must not stop the others or the line
            log.exception("Live Link sink %r failed in %s", sink, method)
