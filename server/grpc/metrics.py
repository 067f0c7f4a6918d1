"""Prometheus metrics of the gRPC service.

Each server owns its own :class:`ServiceMetrics` (a private registry, so several servers
in one process - tests - do not collide). Metrics are always counted; ``serve_http``
exposes them on ``/metrics`` only when the operator asks (``--metrics-port``).
"""
from __future__ import annotations

import logging

import grpc
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, start_http_server

log = logging.getLogger(__name__)

_LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_RTF_BUCKETS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 5.0)


class ServiceMetrics:
    """Requests, errors by status code, latency, real-time factor, queue depth, open streams, real-time load."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("emoface_requests", "RPCs started", ["method"], registry=r)
        self.responses = Counter("emoface_responses", "RPCs finished, by status code", ["method", "code"], registry=r)
        self.latency_s = Histogram("emoface_request_latency_seconds", "Time from request to last response",
                                   ["method"], buckets=_LATENCY_BUCKETS_S, registry=r)
        self.rtf = Histogram("emoface_real_time_factor", "Processing time / audio duration (Animate)",
                             buckets=_RTF_BUCKETS, registry=r)
        self.chunk_latency_s = Histogram("emoface_stream_chunk_latency_seconds",
                                         "Time from a stream chunk's arrival to the frames it completed",
                                         buckets=_LATENCY_BUCKETS_S, registry=r)
        self.audio_s = Counter("emoface_audio_seconds", "Audio animated (seconds)", ["method"], registry=r)
        self.queue_depth = Gauge("emoface_queue_depth", "Model jobs waiting for an inference worker", registry=r)
        self.jobs_dropped = Counter("emoface_jobs_dropped", "Queued model jobs dropped because their call ended",
                                    registry=r)
        self.in_flight = Gauge("emoface_requests_in_flight", "Animate calls and streams being served", registry=r)
        self.streams_open = Gauge("emoface_streams_open", "Real-time streams being served", registry=r)
        self.stream_capacity = Gauge("emoface_stream_capacity", "Real-time streams this replica keeps up with",
                                     registry=r)
        self.realtime_load = Gauge("emoface_realtime_load", "Open streams / stream capacity (autoscaling signal)",
                                   registry=r)
        self.streams_refused = Counter("emoface_streams_refused", "Streams refused at the real-time capacity",
                                       registry=r)
        self.streams_fell_behind = Counter("emoface_streams_fell_behind",
                                           "Streams ended because their frames fell too far behind", registry=r)
        self._http = None

    def finished(self, method: str, code: grpc.StatusCode, duration_s: float, audio_s: float = 0.0) -> None:
        """Record one finished RPC (``audio_s`` = seconds of audio it animated)."""
        self.responses.labels(method, code.name).inc()
        self.latency_s.labels(method).observe(duration_s)
        if audio_s > 0:
            self.audio_s.labels(method).inc(audio_s)
            if method == "Animate":
                self.rtf.observe(duration_s / audio_s)

    def count(self, method: str, code: str) -> float:
        """Current value of the responses counter (tests, health pages)."""
        value = self.registry.get_sample_value("emoface_responses_total", {"method": method, "code": code})
        return value or 0.0

    def text(self) -> bytes:
        """The exposition text of every metric."""
        return generate_latest(self.registry)

    def serve_http(self, port: int, host: str = "127.0.0.1") -> int:
        """Expose ``/metrics`` over HTTP; returns the bound port (0 picks a free one)."""
        server, _thread = start_http_server(port, addr=host, registry=self.registry)
        self._http = server
        bound = server.server_address[1]
        log.info("metrics on http://%s:%d/metrics", host, bound)
        return bound

    def close(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
