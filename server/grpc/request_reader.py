"""Reads a StreamAnimate request stream on its own thread, so waiting for a message can time out.

Also the error type that ends an RPC with a status (:class:`RpcError`), raised here and in the servicer.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any, Callable, Iterator

import grpc

from server.grpc.api import face_animation_pb2 as pb
from server.grpc.handlers import Undecodable
from server.runtime import limits

log = logging.getLogger(__name__)
_POLL_S = 0.05  # how often a waiting RPC thread checks for cancellation


class RpcError(Exception):
    """Ends the current RPC with a status code (raised inside the servicer, mapped at the edge)."""

    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(message)
        self.code = code


def decoded(request: Any) -> Any:
    """``request``, or INVALID_ARGUMENT when it did not parse (see :mod:`server.grpc.handlers`)."""
    if isinstance(request, Undecodable):
        raise RpcError(grpc.StatusCode.INVALID_ARGUMENT, request.reason)
    return request


class RequestReader:
    """Reads a request stream on its own thread so waiting for a message can time out."""

    _END = object()

    def __init__(self, iterator: Iterator, idle_timeout_s: float, context: grpc.ServicerContext,
                 check_wall: Callable[[], None]):
        self.idle_timeout_s, self.context, self.check_wall = idle_timeout_s, context, check_wall
        # Bounded (messages and bytes), so gRPC flow control reaches a client that sends too fast; large
        # enough that a stream falling behind can merge many small chunks into one model step.
        self._queue: queue.Queue = queue.Queue(maxsize=limits.STREAM_READ_AHEAD_MESSAGES)
        self._queued_bytes = 0
        self._bytes_lock = threading.Lock()
        self._closed = threading.Event()
        self._pending: Any = None  # a message taken by drain_chunks() that next() must return
        self.arrival_s = 0.0  # time.monotonic() when the message last returned by next() was received
        threading.Thread(target=self._read, args=(iterator,), name="emoface-stream-reader", daemon=True).start()

    def _read(self, iterator: Iterator) -> None:
        try:
            for item in iterator:
                if not self._put((time.monotonic(), item), item.ByteSize()):
                    return
        except Exception as exc:  # the call was cancelled or failed on the wire
            log.debug("request stream ended: %s", exc)
        self._put((time.monotonic(), self._END), 0)

    def _put(self, timed: tuple[float, Any], size: int) -> bool:
        while not self._closed.is_set():
            if self._queued_bytes + size > limits.STREAM_READ_AHEAD_BYTES and self._queued_bytes > 0:
                time.sleep(_POLL_S / 5)
                continue
            try:
                self._queue.put((timed, size), timeout=_POLL_S)
            except queue.Full:
                continue
            with self._bytes_lock:
                self._queued_bytes += size
            return True
        return False

    def _get(self, timeout_s: float | None) -> tuple[float, Any]:
        timed, size = self._queue.get(timeout=timeout_s) if timeout_s else self._queue.get_nowait()
        with self._bytes_lock:
            self._queued_bytes -= size
        return timed

    def close(self) -> None:
        """Stop the reader thread (the stream handler is done)."""
        self._closed.set()

    def drain_chunks(self) -> list[pb.AudioChunk]:
        """Chunks already received after the current one (no waiting); stops before any other message."""
        out = []
        while self._pending is None:
            try:
                timed = self._get(None)
            except queue.Empty:
                break
            item = timed[1]
            if isinstance(item, pb.StreamAnimateRequest) and item.WhichOneof("part") == "chunk":
                out.append(item.chunk)
            else:
                self._pending = timed
        return out

    def next(self) -> pb.StreamAnimateRequest | None:
        """The next request; None when the client closed its side."""
        self.check_wall()
        if self._pending is not None:
            timed, self._pending = self._pending, None
            return self._unwrap(timed)
        waited_s = 0.0
        while True:
            try:
                return self._unwrap(self._get(_POLL_S))
            except queue.Empty:
                waited_s += _POLL_S
                self.check_wall()
                if not self.context.is_active():
                    raise RpcError(grpc.StatusCode.CANCELLED, "call cancelled") from None
                if waited_s >= self.idle_timeout_s:
                    raise RpcError(grpc.StatusCode.DEADLINE_EXCEEDED,
                                   f"no message for {self.idle_timeout_s:g} s (stream idle time-out); "
                                   "send audio chunks or end_of_audio") from None

    def _unwrap(self, timed: tuple[float, Any]) -> pb.StreamAnimateRequest | None:
        self.arrival_s, item = timed
        if item is self._END and not self.context.is_active():
            raise RpcError(grpc.StatusCode.CANCELLED, "call cancelled")
        return None if item is self._END else decoded(item)
