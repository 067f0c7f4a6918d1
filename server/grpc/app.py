"""Builds the gRPC server: FaceAnimation + health + reflection, auth, TLS, limits.

``create_server(config, pipeline) -> (server, port)`` binds (port 0 = any free port) but
does not start; call ``server.start()``. ``server.stop(grace_s)`` drains: health
turns NOT_SERVING and new FaceAnimation calls are UNAVAILABLE at once, while the calls in
progress finish within the grace period; once every RPC has ended at the transport and clients have had
:data:`~server.grpc.drain.SETTLE_S` to read their last bytes, the gRPC transport shuts down
(so no in-flight response races the HTTP/2 GOAWAY or a closed connection), and the inference workers and the
metrics endpoint are released.

With ``config.livelink_port`` and/or ``config.livelink_face`` set, a Live Link
:class:`~server.livelink.hub.SubjectHub` runs beside the gRPC service: the TCP server of
``docs/livelink_protocol.md`` and/or a Live Link Face UDP sender. Both doors share one
:class:`~server.runtime.work_pool.WorkPool` of inference workers. All stop together.
"""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from model.errors import InputError
from server.grpc import handlers
from server.grpc.auth import AuthInterceptor, TokenStore
from server.grpc.drain import SETTLE_S
from server.grpc.metrics import ServiceMetrics
from server.grpc.service_config import ServiceConfig
from server.grpc.servicer import FaceAnimationServicer
from server.livelink.hub import SubjectHub
from server.livelink.tcp_server import LiveLinkOptions, LiveLinkServer
from server.livelink_face.packet import livelink_face_address
from server.runtime.work_pool import WorkPool

log = logging.getLogger(__name__)

SERVICE_NAME = handlers.SERVICE_NAME
REALTIME_HEALTH = "emoface.v1.FaceAnimation/realtime"  # health name: SERVING while a stream slot is free
_SPARE_RPC_THREADS = 8  # beyond max_concurrent_requests: health, GetInfo, rejections
_FLUSH_S = 2.0  # the transport's own stop grace at least: calls still open after the drain's grace end then
MAX_CONNECTION_AGE_S = 300.0  # then GOAWAY: clients reconnect and re-resolve, so a dns:/// client finds new replicas


class EmoFaceServer:
    """A bound gRPC server with its servicer, health service and metrics."""

    def __init__(self, grpc_server: grpc.Server, servicer: FaceAnimationServicer,
                 health_servicer: health.HealthServicer, metrics: ServiceMetrics, config: ServiceConfig,
                 livelink=None):
        self.grpc_server, self.servicer, self.health = grpc_server, servicer, health_servicer
        self.metrics, self.config = metrics, config
        self.pool: WorkPool = servicer.pool
        self.livelink_hub: SubjectHub | None = servicer.livelink_hub
        self.metrics_port: int | None = None
        self.livelink = livelink  # LiveLinkServer or None
        self.livelink_port: int | None = livelink.port if livelink is not None else None
        self._stopped = threading.Event()

    def start(self) -> None:
        self.grpc_server.start()
        if self.livelink is not None:
            self.livelink.start()
        if self.config.metrics_port is not None:
            self.metrics_port = self.metrics.serve_http(self.config.metrics_port, self.config.metrics_host)
        for name in ("", SERVICE_NAME):
            self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        self._realtime_health(self.pool.streams)
        self.pool.on_streams = self._realtime_health

    def _realtime_health(self, streams: int) -> None:
        """NOT_SERVING under :data:`REALTIME_HEALTH` while every real-time stream slot is taken."""
        if self.pool.draining.is_set():
            return
        full = self.pool.stream_capacity is not None and streams >= self.pool.stream_capacity
        self.health.set(REALTIME_HEALTH, health_pb2.HealthCheckResponse.NOT_SERVING if full
                        else health_pb2.HealthCheckResponse.SERVING)

    def stop(self, grace_s: float | None = None) -> threading.Event:
        """Graceful stop (``grace_s`` None = the configured grace); returns an event set when done."""
        grace_s = self.config.grace_s if grace_s is None else grace_s
        deadline = time.monotonic() + grace_s
        self.health.enter_graceful_shutdown()
        self.pool.draining.set()

        def cleanup():
            if self.servicer.open_calls.wait_closed(grace_s):  # every call answered and its reply written
                time.sleep(min(SETTLE_S, max(0.0, deadline - time.monotonic())))
            else:
                log.warning("grace period of %.1f s over: cancelling the calls still in progress", grace_s)
            self.grpc_server.stop(max(deadline - time.monotonic(), _FLUSH_S)).wait()
            if self.livelink is not None:
                self.livelink.stop()
            if self.livelink_hub is not None:
                self.livelink_hub.close()
            self.pool.shutdown()
            self.metrics.close()
            self._stopped.set()

        threading.Thread(target=cleanup, name="emoface-shutdown", daemon=True).start()
        return self._stopped

    def wait_for_termination(self, timeout_s: float | None = None) -> bool:
        return self.grpc_server.wait_for_termination(timeout_s)


def create_server(config: ServiceConfig, pipeline) -> tuple[EmoFaceServer, int]:
    """Bind a server for ``pipeline`` per ``config``; returns ``(server, bound port)`` (not started)."""
    metrics = ServiceMetrics()
    tokens = TokenStore.load(config.token_file, config.token_env)
    interceptors = [AuthInterceptor(tokens, lambda m, code: metrics.responses.labels(m.rsplit("/", 1)[-1],
                                                                                    code.name).inc())]
    message_options = [("grpc.max_receive_message_length", config.max_message_bytes),
                       ("grpc.max_send_message_length", config.max_message_bytes),
                       ("grpc.so_reuseport", 0), *_connection_age_options(config)]
    executor = ThreadPoolExecutor(config.max_concurrent_requests + _SPARE_RPC_THREADS, thread_name_prefix="emoface-rpc")
    server = grpc.server(executor, interceptors=interceptors, options=message_options)
    port = _bind(server, config)
    capacity = config.stream_capacity or pipeline.stream_capacity(config.default_lookahead_s, config.realtime_share)
    metrics.stream_capacity.set(capacity)
    pool = WorkPool(config.inference_workers, config.max_concurrent_requests, metrics, capacity,
                    config.stream_retry_after_s)
    hub = _livelink_hub(config) if config.livelink_enabled else None
    servicer = FaceAnimationServicer(pipeline, config, metrics, pool, hub)
    handlers.add_to_server(servicer, server)
    health_servicer = health.HealthServicer(experimental_non_blocking=True)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (SERVICE_NAME, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME), server)
    log.info("emoface.v1 service bound on %s:%d (%s, auth %s, %d real-time streams%s)", config.host, port,
             "TLS" if config.tls else "plaintext", "on" if tokens.enabled else "off", capacity,
             "" if config.stream_capacity else " measured")
    livelink = None
    if hub is not None and config.livelink_port is not None:
        options = LiveLinkOptions(host=config.livelink_host, port=config.livelink_port, max_clip_s=config.max_clip_s)
        animate = f"/{SERVICE_NAME}/Animate"  # a Live Link client needs a token that may call Animate
        livelink = LiveLinkServer(options, pipeline, hub, pool.submit, lambda token: tokens.allows(token, animate))
    return EmoFaceServer(server, servicer, health_servicer, metrics, config, livelink), port


def _connection_age_options(config: ServiceConfig) -> list[tuple[str, int]]:
    """Connections end (GOAWAY) after :data:`MAX_CONNECTION_AGE_S`; the calls on them may run on for as long
    as the longest stream is allowed to (its wall-time limit at ``max_clip_s``), so none is cut."""
    longest_call_s = config.stream_wall_grace_s + config.stream_wall_per_audio_s * config.max_clip_s
    return [("grpc.max_connection_age_ms", int(MAX_CONNECTION_AGE_S * 1000)),
            ("grpc.max_connection_age_grace_ms", int(longest_call_s * 1000))]


def _livelink_hub(config: ServiceConfig) -> SubjectHub:
    """The Live Link hub, with a Live Link Face sender when ``config.livelink_face`` is set."""
    hub = SubjectHub()
    if config.livelink_face is not None:
        try:
            from server.livelink_face.sink import LiveLinkFaceSink
        except ImportError as exc:
            raise InputError(f"--livelink-face needs server.livelink_face.sink, which cannot be imported: {exc}"
                             ) from None
        hub.add_sink(LiveLinkFaceSink(*livelink_face_address(config.livelink_face)))
        log.info("Live Link Face packets go to %s", config.livelink_face)
    return hub


def _bind(server: grpc.Server, config: ServiceConfig) -> int:
    try:
        port = _add_port(server, config)
    except RuntimeError as exc:
        raise InputError(f"cannot bind {config.address}: {exc}") from None
    if port == 0:
        raise InputError(f"cannot bind {config.address} (address in use or not available)")
    return port


def _add_port(server: grpc.Server, config: ServiceConfig) -> int:
    if config.tls:
        credentials = grpc.ssl_server_credentials(
            [(_read(config.tls_key), _read(config.tls_cert))],
            root_certificates=_read(config.tls_client_ca) if config.tls_client_ca else None,
            require_client_auth=config.tls_client_ca is not None)
        return server.add_secure_port(config.address, credentials)
    return server.add_insecure_port(config.address)


def _read(path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"TLS file not found: {path}") from None
