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

from server.runtime import cancellation
from server.runtime.cancellation import WorkCancelled

__all__ = ["PoolBusyError", "WorkCancelled", "WorkPool"]
POLL_S = 0.05  # how often a waiting caller checks whether its call is still wanted


class PoolBusyError(RuntimeError):
    """Admission refused: ``max_requests`` calls are already in progress."""


class StreamCapacityError(PoolBusyError):
    """Admission refused: the real-time stream capacity is in use; ``retry_after_s`` is the hint."""

    def __init__(self, message: str, retry_after_s: float):
        super().__init__(message)
        self.retry_after_s = retry_after_s


class _NoMetrics:
    """Stands in for the service metrics when a pool runs without them (tests, tools)."""

    class _Gauge:
        def inc(self, *_: Any) -> None: ...
        def dec(self, *_: Any) -> None: ...
        def set(self, *_: Any) -> None: ...

    in_flight = queue_depth = jobs_dropped = streams_open = realtime_load = streams_refused = _Gauge()


class WorkPool:
    """Inference workers plus admission control.

    stream_capacity: real-time streams admitted at once (None = no limit but ``max_requests``);
        one more is refused with :class:`StreamCapacityError` carrying ``retry_after_s``.
    metrics: anything with Prometheus-like ``in_flight``, ``queue_depth``, ``jobs_dropped``,
        ``streams_open``, ``realtime_load`` and ``streams_refused``
        (``server.grpc.metrics.ServiceMetrics``); None = not recorded.
    """

    def __init__(self, workers: int, max_requests: int, metrics: Any = None, stream_capacity: int | None = None,
                 retry_after_s: float = 1.0):
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="emoface-infer")
        self._slots = threading.BoundedSemaphore(max_requests)
        self.max_requests = max_requests
        self.stream_capacity, self.retry_after_s = stream_capacity, retry_after_s
        self.metrics = metrics if metrics is not None else _NoMetrics()
        self._queued = 0
        self._lock = threading.Lock()
        self.streams = 0  # real-time streams admitted now
        self.on_streams: Callable[[int], None] = lambda _n: None  # told the stream count after each change
        self.draining = threading.Event()  # set by the graceful stop: doors refuse new calls

    def admit(self, stream: bool = False) -> None:
        """Take a call slot (and a real-time stream slot when ``stream``) or raise :class:`PoolBusyError`;
        pair with :meth:`release` (same ``stream``)."""
        if stream:
            self._admit_stream()
        if not self._slots.acquire(blocking=False):
            if stream:
                self._release_stream()
            raise PoolBusyError(f"server busy: {self.max_requests} requests in progress (max_concurrent_requests); "
                                "retry with back-off")
        self.metrics.in_flight.inc()

    def release(self, stream: bool = False) -> None:
        self.metrics.in_flight.dec()
        self._slots.release()
        if stream:
            self._release_stream()

    @property
    def realtime_load(self) -> float:
        """Open streams / stream capacity (0 without a capacity)."""
        return self.streams / self.stream_capacity if self.stream_capacity else 0.0

    def _admit_stream(self) -> None:
        with self._lock:
            if self.stream_capacity is not None and self.streams >= self.stream_capacity:
                self.metrics.streams_refused.inc()
                raise StreamCapacityError(
                    f"server at its real-time capacity: {self.stream_capacity} streams open (stream_capacity); "
                    f"retry in {self.retry_after_s:g} s or on another replica", self.retry_after_s)
            self.streams += 1
            self._stream_gauges()

    def _release_stream(self) -> None:
        with self._lock:
            self.streams -= 1
            self._stream_gauges()

    def _stream_gauges(self) -> None:
        self.metrics.streams_open.set(self.streams)
        self.metrics.realtime_load.set(self.realtime_load)
        self.on_streams(self.streams)

    def run(self, is_active: Callable[[], bool], fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(*args)`` on a worker and wait for it; raise :class:`WorkCancelled` as soon as
        ``is_active()`` turns False (a queued job is then dropped; a running one stops at its next
        :func:`server.runtime.cancellation.check`)."""

        def scoped() -> Any:
            with cancellation.scope(is_active):
                return fn(*args)

        future = self.submit(scoped)
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
