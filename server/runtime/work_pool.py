"""The inference workers one ``emoface serve`` process shares between its doors (gRPC, Live Link).

Every model call (decoding, network, post-processing) runs on these workers, so the threads
that read and write network messages stay free. Admission is bounded: at most
``max_requests`` admitted calls at once; one more is refused with :class:`PoolBusyError`,
which each door maps to its own "busy" answer (gRPC RESOURCE_EXHAUSTED, ...). The pool knows
nothing of any network protocol.
"""
from __future__ import annotations

import threading
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from typing import Any, Callable

POLL_S = 0.05  # how often a waiting caller checks whether its call is still wanted


class PoolBusyError(RuntimeError):
    """Admission refused: ``max_requests`` calls are already in progress."""


class WorkCancelled(RuntimeError):
    """The caller went away (or its deadline passed) before its work finished; the work was dropped."""


class _NoMetrics:
    """Stands in for the service metrics when a pool runs without them (tests, tools)."""

    class _Gauge:
        def inc(self, *_: Any) -> None: ...
        def dec(self, *_: Any) -> None: ...
        def set(self, *_: Any) -> None: ...

    in_flight = queue_depth = jobs_dropped = _Gauge()


class WorkPool:
    """Inference workers plus admission control.

    metrics: anything with Prometheus-like ``in_flight``, ``queue_depth`` and ``jobs_dropped``
    (``server.grpc.metrics.ServiceMetrics``); None = not recorded.
    """

    def __init__(self, workers: int, max_requests: int, metrics: Any = None):
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="emoface-infer")
        self._slots = threading.BoundedSemaphore(max_requests)
        self.max_requests = max_requests
        self.metrics = metrics if metrics is not None else _NoMetrics()
        self._queued = 0
        self._lock = threading.Lock()
        self._admitted = 0
        self._idle = threading.Condition(self._lock)
        self.draining = threading.Event()  # set by the graceful stop: doors refuse new calls

    def admit(self) -> None:
        """Take a call slot or raise :class:`PoolBusyError`; pair with :meth:`release`."""
        if not self._slots.acquire(blocking=False):
            raise PoolBusyError(f"server busy: {self.max_requests} requests in progress (max_concurrent_requests); "
                                "retry with back-off")
        with self._lock:
            self._admitted += 1
        self.metrics.in_flight.inc()

    def release(self) -> None:
        self.metrics.in_flight.dec()
        with self._lock:
            self._admitted -= 1
            self._idle.notify_all()
        self._slots.release()

    def wait_idle(self, timeout_s: float) -> bool:
        """Block until no admitted call is in progress (True) or ``timeout_s`` passes (False)."""
        with self._lock:
            return self._idle.wait_for(lambda: self._admitted == 0, timeout=max(0.0, timeout_s))

    def run(self, is_active: Callable[[], bool], fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(*args)`` on a worker and wait for it; raise :class:`WorkCancelled` as soon as
        ``is_active()`` turns False (a queued job is then dropped)."""
        future = self.submit(fn, *args)
        while True:
            try:
                return future.result(timeout=POLL_S)
            except TimeoutError:
                if not is_active():
                    if future.cancel():
                        self.metrics.jobs_dropped.inc()
                    raise WorkCancelled("call cancelled or deadline exceeded") from None
            except CancelledError:
                raise WorkCancelled("work cancelled") from None

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Queue ``fn(*args)`` on the workers; raises RuntimeError once the pool is shut down."""
        with self._lock:
            self._queued += 1
            self.metrics.queue_depth.set(self._queued)

        def job():
            with self._lock:
                self._queued -= 1
                self.metrics.queue_depth.set(self._queued)
            return fn(*args)

        try:
            future = self._executor.submit(job)
        except RuntimeError:
            self._dequeue_cancelled()
            raise
        future.add_done_callback(lambda f: f.cancelled() and self._dequeue_cancelled())
        return future

    def _dequeue_cancelled(self) -> None:
        with self._lock:
            self._queued -= 1
            self.metrics.queue_depth.set(self._queued)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
