"""Configuration of ``emoface serve``: defaults < config file < environment < flags.

Parsed once at the edge into a frozen :class:`ServiceConfig` and passed down. The config
file is TOML (``.toml``) or JSON (``.json``) with the field names below as keys; the
environment uses ``EMOFACE_<FIELD>`` (e.g. ``EMOFACE_PORT=50051``).
"""
from __future__ import annotations

import dataclasses
import ipaddress
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from model.errors import InputError
from server.livelink_face.packet import livelink_face_address
from server.runtime import limits

ENV_PREFIX = "EMOFACE_"
MIB = limits.MIB


@dataclass(frozen=True)
class ServiceConfig:
    """Everything the gRPC service needs besides the model.

    host: address to bind; anything but loopback needs TLS or ``insecure``.
    port: TCP port (0 = any free port, reported at start-up).
    insecure: allow plaintext on a non-loopback address (explicit opt-in).
    allow_unauthenticated_network: serve gRPC or Live Link on a non-loopback address with
        no bearer tokens and no client certificates (explicit opt-out of authentication;
        without it such a configuration refuses to start).
    allow_public_metrics: serve the metrics endpoint (which has no authentication) on a
        non-loopback address (explicit opt-in; without it such a configuration refuses to start).
    tls_cert, tls_key: PEM server certificate chain and private key (enables TLS).
    tls_client_ca: PEM CA bundle; when set, clients must present a certificate it signed.
    token_file: file of bearer tokens, one per line, optionally followed by a scope
        (``animate`` = every RPC, the default; ``info`` = GetInfo only); ``#`` comments.
    token_env: name of an environment variable holding one bearer token (scope ``animate``).
    checkpoint: model checkpoint (None = the shipped default model).
    torch_threads: intra-op threads of PyTorch (None = PyTorch's default).
    quantize: int8 dynamic quantisation of the model's linear layers.
    stream_int8: stream steps run on an int8 copy of the model (about 1.7x cheaper per stream; stream vs
        whole-clip agreement 0.0090 instead of 0.0087, docs/model.md); whole clips follow ``quantize``.
    max_clip_s: longest clip (unary) or stream, seconds of audio.
    max_chunk_s: longest audio chunk of a stream, seconds.
    max_message_bytes: largest request or response message.
    stream_idle_timeout_s: a stream that sends nothing for this long is ended (DEADLINE_EXCEEDED).
    stream_wall_grace_s, stream_wall_per_audio_s: a stream whose wall time exceeds
        ``grace + per_audio * (seconds of audio received)`` is ended (DEADLINE_EXCEEDED), so a
        client that drips bytes holds its slot only for a bounded time.
    max_concurrent_requests: Animate calls plus open streams at once; more are RESOURCE_EXHAUSTED.
    stream_capacity: open streams this replica keeps in real time; one more is refused at once
        (RESOURCE_EXHAUSTED with a retry hint). 0 = measured at start-up from ``realtime_share``.
    realtime_share: share of the CPU the measured stream capacity may fill (the rest serves
        unary calls, Live Link lines, post-processing and the network).
    stream_max_lag_s: a stream whose frames fall this far behind the audio it has sent is told so
        in-band (its summary) and ended (RESOURCE_EXHAUSTED).
    stream_retry_after_s: the retry hint sent with a refused stream.
    inference_workers: threads that run model work (the RPC threads only wait for them).
    default_lookahead_s: audio a stream needs beyond a frame before sending it.
    grace_s: on SIGTERM/SIGINT, time given to in-flight requests before they are cancelled.
    metrics_port: serve Prometheus metrics over HTTP on this port (None = off).
    metrics_host: address of the metrics endpoint.
    log_format: ``text`` or ``json`` (one JSON object per line).
    livelink_port: serve the Live Link TCP protocol (docs/livelink_protocol.md) on this port
        (None = off; 0 = any free port).
    livelink_host: address of the Live Link listener; it is always plaintext, so anything but
        loopback needs ``insecure``.
    livelink_face: ``HOST:PORT`` to also send every Live Link subject's frames to as Live Link
        Face UDP packets (None = off).
    """

    host: str = "127.0.0.1"
    port: int = 50051
    insecure: bool = False
    allow_unauthenticated_network: bool = False
    allow_public_metrics: bool = False
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_client_ca: Path | None = None
    token_file: Path | None = None
    token_env: str | None = None
    checkpoint: Path | None = None
    torch_threads: int | None = None
    quantize: bool = False
    stream_int8: bool = True
    max_clip_s: float = limits.MAX_CLIP_S
    max_chunk_s: float = limits.MAX_CHUNK_S
    max_message_bytes: int = limits.MAX_MESSAGE_BYTES
    stream_idle_timeout_s: float = limits.STREAM_IDLE_TIMEOUT_S
    stream_wall_grace_s: float = limits.STREAM_WALL_GRACE_S
    stream_wall_per_audio_s: float = limits.STREAM_WALL_PER_AUDIO_S
    max_concurrent_requests: int = limits.MAX_CONCURRENT_REQUESTS
    stream_capacity: int = limits.STREAM_CAPACITY
    realtime_share: float = limits.REALTIME_SHARE
    stream_max_lag_s: float = limits.STREAM_MAX_LAG_S
    stream_retry_after_s: float = limits.STREAM_RETRY_AFTER_S
    inference_workers: int = 2
    default_lookahead_s: float = 0.1
    grace_s: float = 10.0
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    log_format: str = "text"
    livelink_port: int | None = None
    livelink_host: str = "127.0.0.1"
    livelink_face: str | None = None

    def __post_init__(self) -> None:
        _positive("max_clip_s", self.max_clip_s)
        _positive("max_chunk_s", self.max_chunk_s)
        _positive("stream_idle_timeout_s", self.stream_idle_timeout_s)
        _positive("stream_wall_grace_s", self.stream_wall_grace_s)
        _positive("stream_wall_per_audio_s", self.stream_wall_per_audio_s)
        if not 0 <= self.port <= 65535:
            raise InputError(f"port must be in 0..65535, got {self.port}")
        if self.max_message_bytes < 1024:
            raise InputError(f"max_message_bytes must be >= 1024, got {self.max_message_bytes}")
        _positive("stream_max_lag_s", self.stream_max_lag_s)
        _positive("stream_retry_after_s", self.stream_retry_after_s)
        if self.stream_capacity < 0:
            raise InputError(f"stream_capacity must be >= 0 (0 = measure at start-up), got {self.stream_capacity}")
        if not 0.0 < self.realtime_share <= 1.0:
            raise InputError(f"realtime_share must be in (0, 1], got {self.realtime_share}")
        if self.max_concurrent_requests < 1 or self.inference_workers < 1:
            raise InputError("max_concurrent_requests and inference_workers must be >= 1")
        if not 0.0 <= self.default_lookahead_s <= 2.0:
            raise InputError(f"default_lookahead_s must be in [0, 2], got {self.default_lookahead_s}")
        if self.grace_s < 0:
            raise InputError(f"grace_s must be >= 0, got {self.grace_s}")
        if (self.tls_cert is None) != (self.tls_key is None):
            raise InputError("TLS needs both tls_cert and tls_key")
        if self.tls_client_ca is not None and self.tls_cert is None:
            raise InputError("tls_client_ca (client certificates) needs tls_cert and tls_key")
        if self.log_format not in ("text", "json"):
            raise InputError(f"log_format must be text or json, got {self.log_format!r}")
        self._check_livelink()
        if not self.tls and not self.insecure and not is_loopback(self.host):
            raise InputError(f"binding {self.host} exposes the service to the network: configure TLS "
                             "(--tls-cert/--tls-key) or pass --insecure explicitly")
        self._check_authentication()

    def _check_authentication(self) -> None:
        """Off loopback: tokens or client certificates, unless explicitly opted out; metrics on loopback."""
        tokens = self.token_file is not None or self.token_env is not None
        opt_out = (" or opt out explicitly: --allow-unauthenticated-network (allow_unauthenticated_network, "
                   "EMOFACE_ALLOW_UNAUTHENTICATED_NETWORK=1)")
        if not is_loopback(self.host) and not tokens and self.tls_client_ca is None \
                and not self.allow_unauthenticated_network:
            raise InputError(f"serving on {self.host} without authentication lets anyone on the network use the "
                             "service: configure bearer tokens (token_file / token_env) or client certificates "
                             "(tls_client_ca)" + opt_out)
        if self.livelink_port is not None and not is_loopback(self.livelink_host) and not tokens \
                and not self.allow_unauthenticated_network:
            raise InputError(f"Live Link on {self.livelink_host} without authentication lets anyone on the network "
                             "drive the subjects: configure bearer tokens (token_file / token_env)" + opt_out)
        if self.metrics_port is not None and not is_loopback(self.metrics_host) and not self.allow_public_metrics:
            raise InputError(f"the metrics endpoint on {self.metrics_host} has no authentication: bind it to "
                             "loopback (scrape through a proxy) or opt in explicitly: --allow-public-metrics "
                             "(allow_public_metrics, EMOFACE_ALLOW_PUBLIC_METRICS=1)")

    def _check_livelink(self) -> None:
        if self.livelink_port is not None and not 0 <= self.livelink_port <= 65535:
            raise InputError(f"livelink_port must be in 0..65535, got {self.livelink_port}")
        if self.livelink_port is not None and not self.insecure and not is_loopback(self.livelink_host):
            raise InputError(f"Live Link on {self.livelink_host} is plaintext and reachable from the network: "
                             "bind it to loopback or pass --insecure explicitly")
        if self.livelink_face is not None:
            livelink_face_address(self.livelink_face)

    @property
    def livelink_enabled(self) -> bool:
        """Whether a Live Link hub runs (a TCP port, a Live Link Face target, or both)."""
        return self.livelink_port is not None or self.livelink_face is not None

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def to_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_sources(cls, flags: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None,
                     config_file: str | Path | None = None) -> ServiceConfig:
        """Merge defaults < ``config_file`` < ``env`` (``EMOFACE_*``) < ``flags`` (None = unset)."""
        values: dict[str, Any] = {}
        if config_file is not None:
            values.update(_coerce_all(read_config_file(config_file), f"config file {config_file}"))
        values.update(_coerce_all(_from_env(env or {}), "environment"))
        values.update(_coerce_all({k: v for k, v in (flags or {}).items() if v is not None}, "flag"))
        return cls(**values)


def read_config_file(path: str | Path) -> dict[str, Any]:
    """A TOML or JSON object of config fields."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"config file not found: {p}") from None
    try:
        data = tomllib.loads(text) if p.suffix.lower() != ".json" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"config file {p} is not valid {'JSON' if p.suffix == '.json' else 'TOML'}: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"config file {p} must hold an object of settings")
    return data


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _from_env(env: Mapping[str, str]) -> dict[str, str]:
    names = {f.name for f in dataclasses.fields(ServiceConfig)}
    return {k[len(ENV_PREFIX):].lower(): v for k, v in env.items()
            if k.startswith(ENV_PREFIX) and k[len(ENV_PREFIX):].lower() in names}


def _coerce_all(values: Mapping[str, Any], source: str) -> dict[str, Any]:
    fields = {f.name: f for f in dataclasses.fields(ServiceConfig)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise InputError(f"unknown setting(s) in {source}: {', '.join(unknown)}")
    return {k: _coerce(k, fields[k].type, v, source) for k, v in values.items()}


def _coerce(name: str, type_text: str, value: Any, source: str) -> Any:
    """Convert a string or JSON/TOML value to the field's type (``int``, ``Path | None``, ...)."""
    base = type_text.replace(" | None", "")
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none") and "None" in type_text):
        return None
    try:
        if base == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                raise ValueError(value)
            return text in ("1", "true", "yes", "on")
        if base == "int":
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            return int(value)
        if base == "float":
            return float(value)
        if base == "Path":
            return Path(value).expanduser()
        return str(value)
    except (TypeError, ValueError):
        raise InputError(f"setting {name} from {source} must be {base}, got {value!r}") from None


def _positive(name: str, value: float) -> None:
    if not value > 0:
        raise InputError(f"{name} must be > 0, got {value}")
