"""``emoface serve``: run the gRPC service.

Settings come from flags, ``EMOFACE_*`` environment variables and an optional
``--config`` file (TOML or JSON), in that order of precedence (see
:mod:`server.grpc.service_config`). SIGTERM/SIGINT stop gracefully: health turns NOT_SERVING,
new calls are refused, in-flight calls get ``--grace-s`` seconds to finish.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import signal
import sys
import threading
import time

from server.grpc.service_config import MIB, ServiceConfig

log = logging.getLogger(__name__)
_DEFAULTS = {f.name: f.default for f in dataclasses.fields(ServiceConfig)}

# flag -> (ServiceConfig field, type, help)
_FLAGS: dict[str, tuple[str, type | None, str]] = {
    "--host": ("host", str, "address to bind (others than loopback need TLS or --insecure)"),
    "--port": ("port", int, "TCP port (0 = any free port)"),
    "--tls-cert": ("tls_cert", str, "PEM server certificate chain (enables TLS)"),
    "--tls-key": ("tls_key", str, "PEM private key of --tls-cert"),
    "--tls-client-ca": ("tls_client_ca", str, "PEM CA bundle; clients must present a certificate it signed"),
    "--token-file": ("token_file", str, "bearer tokens, one per line: TOKEN [animate|info]"),
    "--token-env": ("token_env", str, "name of an environment variable holding a bearer token"),
    "--checkpoint": ("checkpoint", str, "model checkpoint"),
    "--threads": ("torch_threads", int, "PyTorch intra-op threads"),
    "--max-clip-s": ("max_clip_s", float, "longest clip or stream in seconds"),
    "--max-chunk-s": ("max_chunk_s", float, "longest stream chunk in seconds"),
    "--max-message-bytes": ("max_message_bytes", int, "largest gRPC message in bytes"),
    "--stream-idle-timeout-s": ("stream_idle_timeout_s", float, "end a silent stream after this many seconds"),
    "--max-concurrent-requests": ("max_concurrent_requests", int, "Animate calls + streams at once"),
    "--stream-capacity": ("stream_capacity", int, "streams kept in real time; more are refused (0 = measure)"),
    "--realtime-share": ("realtime_share", float, "CPU share the measured stream capacity may fill"),
    "--stream-max-lag-s": ("stream_max_lag_s", float, "end a stream whose frames fall this far behind"),
    "--inference-workers": ("inference_workers", int, "threads running model work"),
    "--lookahead-s": ("default_lookahead_s", float, "stream lookahead in seconds when a stream names none"),
    "--grace-s": ("grace_s", float, "shutdown grace period in seconds"),
    "--metrics-port": ("metrics_port", int, "serve Prometheus /metrics on this port"),
    "--metrics-host": ("metrics_host", str, "address of the metrics endpoint"),
    "--log-format": ("log_format", str, "text or json"),
    "--livelink-port": ("livelink_port", int, "serve the Live Link TCP protocol on this port (0 = any)"),
    "--livelink-host": ("livelink_host", str, "address of the Live Link listener"),
    "--livelink-face": ("livelink_face", str, "HOST:PORT: also send Live Link Face UDP packets there"),
}


DESCRIPTION = ("Run the gRPC service (and, if asked, Live Link). Settings come from the flags, EMOFACE_* "
               "environment variables and an optional --config file, in that order of precedence. SIGTERM or "
               "SIGINT stop gracefully: new calls are refused and calls in progress get --grace-s seconds.")
_IN_WORDS = {"checkpoint": "the shipped model", "torch_threads": "PyTorch's choice", "metrics_port": "off",
             "livelink_port": "off", "stream_capacity": "measured at start-up", "livelink_face": "off",
             "max_message_bytes": f"{_DEFAULTS['max_message_bytes'] // MIB} MiB"}  # defaults better read in words


def _with_default(help_text: str, dest: str) -> str:
    """``help_text (default X)``, X read from :class:`ServiceConfig`'s field default (None: no default shown)."""
    if dest in _IN_WORDS:
        return f"{help_text} (default: {_IN_WORDS[dest]})"
    default = _DEFAULTS[dest]
    if default is None:
        return help_text
    return f"{help_text} (default {default:g})" if isinstance(default, float) else f"{help_text} (default {default})"


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("serve", help="run the gRPC service", description=DESCRIPTION)
    p.add_argument("--config", metavar="FILE", help="TOML or JSON file of settings (field names of ServiceConfig)")
    for flag, (dest, kind, help_text) in _FLAGS.items():
        p.add_argument(flag, dest=dest, type=kind, default=None, help=_with_default(help_text, dest))
    p.add_argument("--insecure", action="store_true", default=None,
                   help="allow plaintext on a non-loopback address (anyone on the network can call the service)")
    p.add_argument("--allow-unauthenticated-network", action="store_true", default=None,
                   help="serve beyond loopback with no tokens and no client certificates (anyone who can reach the "
                        "port can use the service and drive Live Link subjects)")
    p.add_argument("--allow-public-metrics", action="store_true", default=None,
                   help="serve /metrics (no authentication) on a non-loopback --metrics-host")
    p.add_argument("--quantize", action="store_true", default=None, help="int8 dynamic quantisation of the model")
    p.add_argument("--no-stream-int8", dest="stream_int8", action="store_false", default=None,
                   help="run stream steps on the float model too (default: an int8 copy, ~1.7x cheaper per stream)")
    return p


def run(args: argparse.Namespace) -> int:
    flags = {dest: getattr(args, dest) for dest, _, _ in _FLAGS.values()}
    flags.update(insecure=args.insecure, quantize=args.quantize, stream_int8=args.stream_int8,
                 allow_unauthenticated_network=args.allow_unauthenticated_network,
                 allow_public_metrics=args.allow_public_metrics)
    config = ServiceConfig.from_sources(flags, os.environ, args.config)
    if config.log_format == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())
    from server.grpc.app import create_server
    from server.runtime.pipeline import Pipeline, RuntimeOptions

    pipeline = Pipeline.load(config.checkpoint, RuntimeOptions(config.torch_threads, config.quantize,
                                                               config.stream_int8))
    server, port = create_server(config, pipeline)
    server.start()
    log.info("serving %s on %s:%d", pipeline.model_id, config.host, port)
    print(f"emoface serve: listening on {config.host}:{port} (model {pipeline.model_id}"
          f"{', TLS' if config.tls else ''}{', metrics :' + str(server.metrics_port) if server.metrics_port else ''})",
          flush=True)
    if server.livelink_port is not None:
        print(f"emoface serve: Live Link on {config.livelink_host}:{server.livelink_port}", flush=True)
    _wait_for_signal(server)
    return 0


def _wait_for_signal(server) -> None:
    stop = threading.Event()
    received: list[int] = []

    def handler(signum, _frame):
        received.append(signum)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handler)
    while not stop.wait(0.5):
        pass
    name = signal.Signals(received[0]).name
    print(f"emoface serve: {name}, finishing in-flight calls (grace {server.config.grace_s:g} s)", file=sys.stderr,
          flush=True)
    start = time.monotonic()
    server.stop().wait()
    print(f"emoface serve: stopped after {time.monotonic() - start:.2f} s", file=sys.stderr, flush=True)


class JsonFormatter(logging.Formatter):
    """One JSON object per log line: time, level, logger, message and any ``rpc`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        obj = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
               "logger": record.name, "message": record.getMessage()}
        if isinstance(getattr(record, "rpc", None), dict):
            obj.update(record.rpc)
        if record.exc_info:
            obj["exception"] = self.formatException(record.exc_info)
        return json.dumps(obj)
