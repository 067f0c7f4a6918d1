"""One model, many callers: stream steps first and batched, long work in pieces that yield.

Every model call of a process goes through its pipeline's :class:`ModelScheduler`:

- **real-time** calls (a stream step's speech-encoder window, its Audio2Rig window) are queued;
  a dispatcher thread takes everything queued, groups calls of the same kind and shape, and runs
  each group as one batched forward pass. While one batch runs the next one fills, so the batch
  size follows the load (dynamic micro-batching; ``batch_wait_s`` is the longest a call waits for
  company when the model is free). The model stays with real-time work while calls keep following
  within ``follow_up_s`` (a step's Audio2Rig window comes right after its encoder window), so a
  stream step waits for at most one piece of bulk work, not one per call.
- **bulk** calls (whole clips: gRPC Animate, Live Link lines, bake) hold the model one piece at a
  time (one matrix product of one window, see :func:`model.inference.pieces`) and give it back
  between pieces: to waiting real-time work first, then to the bulk call that has waited longest,
  so long calls share the CPU fairly and a stream step waits for at most one piece.
- a bulk call stops at its next piece once :func:`server.runtime.cancellation.check` raises (its
  caller went away or its deadline passed).
"""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from model.inference import InferenceEngine
from server.runtime import cancellation

log = logging.getLogger(__name__)

BATCH_WAIT_S = 0.002  # how long a real-time call waits for others to share its batch when the model is free
FOLLOW_UP_S = 0.005  # after a real-time batch, how long the model stays with real-time work for follow-up calls
MAX_BATCH = 64  # real-time calls in one forward pass


class ModelSlot:
    """The right to run the model: real-time holders first, bulk holders in arrival order."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._held = False
        self._realtime_waiting = 0
        self._bulk: deque[object] = deque()

    def acquire_realtime(self) -> None:
        with self._cond:
            self._realtime_waiting += 1
            self._cond.wait_for(lambda: not self._held)
            self._realtime_waiting -= 1
            self._held = True

    def acquire_bulk(self, poll_s: float = 0.02) -> None:
        """Wait for the slot behind real-time work and earlier bulk waiters; cancellation is checked
        every ``poll_s`` while waiting."""
        ticket = object()
        with self._cond:
            self._bulk.append(ticket)
            try:
                while not (not self._held and self._realtime_waiting == 0 and self._bulk[0] is ticket):
                    self._cond.wait(poll_s)
                    cancellation.check()
            finally:
                self._bulk.remove(ticket)
                self._cond.notify_all()
            self._held = True

    def release(self) -> None:
        with self._cond:
            self._held = False
            self._cond.notify_all()

    def contended(self) -> bool:
        """True when someone waits for the slot (a bulk holder should yield)."""
        return self._realtime_waiting > 0 or bool(self._bulk)


@dataclass
class _Job:
    kind: str  # "encode" | "head"
    args: tuple
    rows: slice | None = None  # head: the frames wanted
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None

    @property
    def key(self) -> tuple:
        rows = None if self.rows is None else (self.rows.start, self.rows.stop)
        return (self.kind, rows, *(np.shape(a) for a in self.args))


class ModelScheduler:
    """Real-time batching and bulk pieces over one model (see the module doc).

    engine: runs the real-time batches (the pipeline's engine, or an int8 copy of its model); bulk work
        brings its own engine call (:meth:`bulk`).
    """

    def __init__(self, engine: InferenceEngine, batch_wait_s: float = BATCH_WAIT_S, max_batch: int = MAX_BATCH,
                 follow_up_s: float = FOLLOW_UP_S):
        self.engine, self.batch_wait_s, self.max_batch, self.follow_up_s = engine, batch_wait_s, max_batch, follow_up_s
        self.slot = ModelSlot()
        self._queue: list[_Job] = []
        self._cond = threading.Condition()
        self._dispatcher: threading.Thread | None = None
        self.batches = 0  # real-time forward passes run (tests, metrics)
        self.batched_calls = 0  # real-time calls they served
        self.bulk_running = 0  # bulk calls holding or waiting for the model
        self.bulk_cancelled = 0  # bulk calls stopped early because their caller went away
        self.bulk_completed = 0  # bulk calls that ran to their end

    # -- real time ------------------------------------------------------------
    def encode(self, audio: np.ndarray) -> np.ndarray:
        """Speech-encoder features of one stream window ``(n,)`` -> ``(frame_count(n), width)``."""
        return self._submit(_Job("encode", (np.asarray(audio, np.float32),)))

    def head(self, features: np.ndarray, weights: np.ndarray, intensity: np.ndarray,
             rows: slice | None = None) -> np.ndarray:
        """Audio2Rig on one stream window -> ``(T, 174)``, or ``(R, 174)`` for the frames ``rows``."""
        return self._submit(_Job("head", (features, weights, intensity), rows))

    def _submit(self, job: _Job) -> np.ndarray:
        with self._cond:
            if self._dispatcher is None:
                self._dispatcher = threading.Thread(target=self._dispatch, name="emoface-batcher", daemon=True)
                self._dispatcher.start()
            self._queue.append(job)
            self._cond.notify()
        job.done.wait()
        if job.error is not None:
            raise job.error
        return job.result

    def _dispatch(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue)
            if self.batch_wait_s > 0 and not self.slot.contended():
                time.sleep(self.batch_wait_s)  # let calls due at the same moment share the pass
            self.slot.acquire_realtime()
            try:
                while True:  # hold the model while real-time calls follow (a step's head after its encoder)
                    with self._cond:
                        jobs, self._queue = self._queue, []
                    self._run(jobs)
                    with self._cond:
                        if not self._cond.wait_for(lambda: self._queue, timeout=self.follow_up_s):
                            break
            finally:
                self.slot.release()

    def _run(self, jobs: list[_Job]) -> None:
        groups: dict[tuple, list[_Job]] = {}
        for job in jobs:
            groups.setdefault(job.key, []).append(job)
        for group in groups.values():
            for i in range(0, len(group), self.max_batch):
                self._run_batch(group[i : i + self.max_batch])

    def _run_batch(self, batch: list[_Job]) -> None:
        try:
            if batch[0].kind == "encode":
                results = self.engine.encode_many([j.args[0] for j in batch])
            else:
                results = self.engine.head_many([j.args for j in batch], batch[0].rows)
            for job, result in zip(batch, results):
                job.result = result
        except BaseException as exc:  # every caller of the batch gets the failure
            log.exception("batched %s of %d failed", batch[0].kind, len(batch))
            for job in batch:
                job.error = exc
        finally:
            self.batches += 1  # only the dispatcher thread counts these
            self.batched_calls += len(batch)
            for job in batch:
                job.done.set()

    # -- bulk -----------------------------------------------------------------
    def bulk(self, work: Callable[[Callable[[], None]], Any]) -> Any:
        """Run ``work(between)`` holding the model; ``between()`` (call it between pieces) yields the
        model to whoever waits and raises :class:`~server.runtime.cancellation.WorkCancelled` when
        the current call is no longer wanted."""
        held = False

        def between() -> None:
            nonlocal held
            cancellation.check()
            if self.slot.contended():
                self.slot.release()
                held = False
                self.slot.acquire_bulk()
                held = True

        self._count("bulk_running", 1)
        try:
            cancellation.check()
            self.slot.acquire_bulk()
            held = True
            result = work(between)
            self._count("bulk_completed", 1)
            return result
        except cancellation.WorkCancelled:
            self._count("bulk_cancelled", 1)
            raise
        finally:
            self._count("bulk_running", -1)
            if held:
                self.slot.release()

    def _count(self, name: str, delta: int) -> None:
        """Bulk counters change on several threads: under the lock."""
        with self._cond:
            setattr(self, name, getattr(self, name) + delta)
