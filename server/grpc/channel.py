"""Client channels to one or several EmoFace replicas, balanced by gRPC's own machinery.

One home for the channel options of the SDK (:class:`~server.grpc.client.FaceAnimationClient`)
and so of ``emoface animate --server``. An address is one of

- ``host:port``: one server (a name that resolves to several addresses is balanced over all);
- ``ip:port,ip:port,...``: a static list of IP literals, all IPv4 (``127.0.0.1:5001``) or all
  IPv6 (``[::1]:5001``), turned into gRPC's ``ipv4:`` / ``ipv6:`` target;
- a gRPC target with a scheme, passed through: ``dns:///name:port`` (every A/AAAA record of the
  name, e.g. a Kubernetes headless Service), ``ipv4:...``, ``ipv6:...``, ``unix:...``.

gRPC has no static resolver for a list of host names, so such a list is refused with a message
naming the two forms that work (IP literals, or one DNS name with a record per replica).

Every channel gets the service config of :func:`service_config`: the ``round_robin`` policy
over every resolved address, client-side health checking (a replica whose
``grpc.health.v1`` status for ``emoface.v1.FaceAnimation`` is not SERVING - e.g. draining
after SIGTERM - gets no new calls), and a retry policy for the unary methods (Animate,
GetInfo): UNAVAILABLE is retried with exponential backoff, at most ``max_attempts`` attempts
in all, within the call's deadline. Streams are never retried: a stream whose replica goes
away ends UNAVAILABLE and the caller opens a new one (docs/deployment.md); HTTP/2 keepalive
pings (:data:`KEEPALIVE_S`) end it so also when the replica vanished without closing the connection.
"""
from __future__ import annotations

import ipaddress
import json
import logging
from dataclasses import dataclass
from typing import Any

import grpc

from model.errors import InputError
from server.grpc.api import face_animation_pb2 as pb

log = logging.getLogger(__name__)

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["FaceAnimation"].full_name  # "emoface.v1.FaceAnimation"
UNARY_METHODS = ("Animate", "GetInfo")  # retried on UNAVAILABLE; StreamAnimate never is
TARGET_SCHEMES = ("dns:", "ipv4:", "ipv6:", "unix:", "unix-abstract:")  # gRPC targets passed through
_MAX_ATTEMPTS_LIMIT = 5  # gRPC clamps maxAttempts to 5
KEEPALIVE_S = 20.0  # HTTP/2 ping interval while calls are open: finds a replica that vanished without a word
KEEPALIVE_TIMEOUT_S = 10.0  # an unanswered ping (or unacknowledged data) ends the connection's calls UNAVAILABLE


@dataclass(frozen=True)
class RetryOptions:
    """Retry policy of the unary calls (gRPC ``retryPolicy``).

    max_attempts: attempts in all, the first included (2..5; gRPC caps it at 5).
    initial_backoff_s: upper bound of the first random backoff before a retry.
    max_backoff_s: cap of the backoff bound.
    backoff_multiplier: growth of the backoff bound per attempt.
    """

    max_attempts: int = 4
    initial_backoff_s: float = 0.1
    max_backoff_s: float = 1.0
    backoff_multiplier: float = 2.0

    def __post_init__(self) -> None:
        if not 2 <= self.max_attempts <= _MAX_ATTEMPTS_LIMIT:
            raise InputError(f"max_attempts must be in 2..{_MAX_ATTEMPTS_LIMIT}, got {self.max_attempts}")
        if not 0 < self.initial_backoff_s <= self.max_backoff_s or self.backoff_multiplier <= 0:
            raise InputError("retry backoff needs 0 < initial_backoff_s <= max_backoff_s and backoff_multiplier > 0")


def service_config(retry: RetryOptions | None = RetryOptions()) -> dict[str, Any]:
    """The gRPC service config (as a JSON-able dict) of every SDK channel (``retry`` None: no retries)."""
    config: dict[str, Any] = {"loadBalancingConfig": [{"round_robin": {}}],
                              "healthCheckConfig": {"serviceName": SERVICE_NAME}}
    if retry is not None:
        config["methodConfig"] = [{
            "name": [{"service": SERVICE_NAME, "method": m} for m in UNARY_METHODS],
            "retryPolicy": {
                "maxAttempts": retry.max_attempts,
                "initialBackoff": f"{retry.initial_backoff_s:g}s",
                "maxBackoff": f"{retry.max_backoff_s:g}s",
                "backoffMultiplier": retry.backoff_multiplier,
                "retryableStatusCodes": ["UNAVAILABLE"],
            },
        }]
    return config


def grpc_target(address: str) -> str:
    """The gRPC target of an SDK address (see the module docstring); InputError when malformed."""
    text = address.strip()
    if not text:
        raise InputError("server address is empty: expected HOST:PORT, a comma-separated list of IP:PORT, "
                         "or a gRPC target such as dns:///NAME:PORT")
    if text.lower().startswith(TARGET_SCHEMES):
        if text.split(":", 1)[1].strip("/") == "":
            raise InputError(f"server target {address!r} names no address")
        return text
    items = [item.strip() for item in text.split(",")]
    if len(items) == 1:
        _split_host_port(items[0], address)
        return items[0]
    hosts = [_split_host_port(item, address)[0] for item in items]
    try:
        ips = [ipaddress.ip_address(h.strip("[]")) for h in hosts]
    except ValueError:
        raise InputError(f"server address list {address!r} names a host name: a list must hold IP literals "
                         "(127.0.0.1:5001,127.0.0.1:5002 or [::1]:5001,[::1]:5002); for host names use "
                         "dns:///NAME:PORT with a DNS name that resolves to every replica") from None
    versions = {ip.version for ip in ips}
    if len(versions) > 1:
        raise InputError(f"server address list {address!r} mixes IPv4 and IPv6: gRPC takes one family per list")
    return f"ipv{versions.pop()}:" + ",".join(items)


def _split_host_port(item: str, address: str) -> tuple[str, int]:
    """``(host, port)`` of ``host:port`` / ``[v6]:port``; InputError naming the bad item."""
    host, sep, port_text = item.rpartition(":")
    if item.startswith("[") and not host.endswith("]"):
        host, sep = "", ""
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) <= 65535 \
            or (":" in host and not host.startswith("[")):
        raise InputError(f"bad server address {item!r} in {address!r}: expected HOST:PORT "
                         "(IPv6 as [ADDR]:PORT, port 1..65535)")
    return host, int(port_text)


def channel_options(target: str, max_message_bytes: int, retry: RetryOptions | None = RetryOptions(),
                    tls_server_name: str | None = None) -> list[tuple[str, Any]]:
    """Options of an SDK channel to ``target`` (a :func:`grpc_target`): message sizes, keepalive, the
    service config, retries, and the authority.

    The retry buffer holds a whole request (up to ``max_message_bytes``), so a large Animate
    request can still be retried (gRPC's default of 256 KiB would commit it on the first try).
    gRPC's authority of an ``ipv4:``/``ipv6:`` list is the whole list, which no certificate
    matches; the first address is used instead (TLS verifies it unless ``tls_server_name`` is given).
    """
    options = [("grpc.max_receive_message_length", max_message_bytes),
               ("grpc.max_send_message_length", max_message_bytes),
               ("grpc.keepalive_time_ms", int(KEEPALIVE_S * 1000)),
               ("grpc.keepalive_timeout_ms", int(KEEPALIVE_TIMEOUT_S * 1000)),
               ("grpc.service_config", json.dumps(service_config(retry))),
               ("grpc.enable_retries", int(retry is not None)),
               ("grpc.per_rpc_retry_buffer_size", max_message_bytes)]
    if tls_server_name:
        options.append(("grpc.ssl_target_name_override", tls_server_name))
    if target.lower().startswith(("ipv4:", "ipv6:")):
        options.append(("grpc.default_authority", target.split(":", 1)[1].split(",")[0]))
    return options


def open_channel(address: str, credentials: grpc.ChannelCredentials | None, max_message_bytes: int,
                 retry: RetryOptions | None = RetryOptions(), tls_server_name: str | None = None) -> grpc.Channel:
    """A channel to ``address`` (plaintext when ``credentials`` is None) with :func:`channel_options`."""
    target = grpc_target(address)
    options = channel_options(target, max_message_bytes, retry, tls_server_name)
    log.debug("channel to %s (target %s)", address, target)
    if credentials is not None:
        return grpc.secure_channel(target, credentials, options)
    return grpc.insecure_channel(target, options)
