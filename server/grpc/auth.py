"""Bearer-token authentication for the gRPC service.

Clients send ``authorization: Bearer <token>`` metadata. A missing or unknown token is
UNAUTHENTICATED; a known token whose scope does not cover the method is
PERMISSION_DENIED. Tokens are compared in constant time (``hmac.compare_digest``). The
standard health and reflection services stay open so orchestrators can probe the server.
"""
from __future__ import annotations

import hmac
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import grpc

from model.errors import InputError
from server.runtime.limits import LogLimiter

log = logging.getLogger(__name__)

SERVICE = "emoface.v1.FaceAnimation"
# scope -> methods it allows ("*" = every method of the service)
SCOPES: dict[str, frozenset[str]] = {
    "animate": frozenset({"*"}),
    "info": frozenset({f"/{SERVICE}/GetInfo"}),
}
OPEN_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")


@dataclass(frozen=True)
class Token:
    """secret: the token text; scope: a key of :data:`SCOPES`."""

    secret: bytes
    scope: str = "animate"

    def allows(self, method: str) -> bool:
        allowed = SCOPES[self.scope]
        return "*" in allowed or method in allowed


class TokenStore:
    """The accepted tokens (empty store = authentication off)."""

    def __init__(self, tokens: list[Token]):
        self.tokens = tuple(tokens)

    @property
    def enabled(self) -> bool:
        return bool(self.tokens)

    @classmethod
    def load(cls, token_file: str | Path | None = None, token_env: str | None = None,
             environ: dict[str, str] | None = None) -> TokenStore:
        """Tokens from a file (``TOKEN [SCOPE]`` per line) and/or an environment variable."""
        tokens = _read_token_file(Path(token_file)) if token_file else []
        if token_env:
            value = (os.environ if environ is None else environ).get(token_env, "").strip()
            if not value:
                raise InputError(f"environment variable {token_env} (token_env) is not set or empty")
            tokens.append(Token(value.encode()))
        return cls(tokens)

    def allows(self, presented: str | None, method: str) -> bool:
        """Whether ``presented`` may call ``method`` (``/package.Service/Method``); always True when off."""
        if not self.enabled:
            return True
        found = self.check(presented) if presented else None
        return found is not None and found.allows(method)

    def check(self, presented: str | None) -> Token | None:
        """The token matching ``presented`` (every stored token is compared), or None."""
        if presented is None:
            return None
        candidate = presented.encode()
        found = None
        for token in self.tokens:
            if hmac.compare_digest(token.secret, candidate):
                found = token
        return found


def _read_token_file(path: Path) -> list[Token]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(f"token file not found: {path}") from None
    tokens = []
    for number, line in enumerate(lines, 1):
        parts = line.split("#", 1)[0].split()
        if not parts:
            continue
        if len(parts) > 2 or (len(parts) == 2 and parts[1] not in SCOPES):
            raise InputError(f"{path}:{number}: expected 'TOKEN [SCOPE]' with SCOPE one of {', '.join(SCOPES)}")
        tokens.append(Token(parts[0].encode(), parts[1] if len(parts) == 2 else "animate"))
    if not tokens:
        raise InputError(f"token file {path} holds no token")
    return tokens


def bearer(metadata: tuple | None) -> str | None:
    """The token of an ``authorization: Bearer ...`` metadata entry, if any."""
    for key, value in metadata or ():
        if key.lower() == "authorization" and isinstance(value, str) and value[:7].lower() == "bearer ":
            return value[7:].strip()
    return None


class AuthInterceptor(grpc.ServerInterceptor):
    """Rejects calls without an acceptable bearer token before they reach the servicer."""

    def __init__(self, store: TokenStore, on_denied: Callable[[str, grpc.StatusCode], None] | None = None):
        self.store = store
        self.on_denied = on_denied
        self._log_limiter = LogLimiter()  # a client retrying a bad token writes a few lines, not thousands

    def intercept_service(self, continuation, handler_call_details):
        method = handler_call_details.method
        if not self.store.enabled or method.startswith(OPEN_PREFIXES):
            return continuation(handler_call_details)
        token = self.store.check(bearer(handler_call_details.invocation_metadata))
        if token is None:
            return self._deny(continuation, handler_call_details, grpc.StatusCode.UNAUTHENTICATED,
                              "missing or invalid bearer token (send metadata 'authorization: Bearer <token>')")
        if not token.allows(method):
            return self._deny(continuation, handler_call_details, grpc.StatusCode.PERMISSION_DENIED,
                              f"token scope '{token.scope}' does not allow {method}")
        return continuation(handler_call_details)

    def _deny(self, continuation, details, code: grpc.StatusCode, message: str):
        limiter = self._log_limiter
        if limiter.allow():
            suppressed, limiter.suppressed = limiter.suppressed, 0
            log.warning("denied %s: %s%s", details.method, code.name,
                        f" ({suppressed} more denials not logged)" if suppressed else "")
        if self.on_denied:
            self.on_denied(details.method, code)
        handler = continuation(details)
        if handler is None:
            return None

        def abort(request_or_iterator, context):
            context.abort(code, message)

        if handler.request_streaming and handler.response_streaming:
            return grpc.stream_stream_rpc_method_handler(abort)
        if handler.request_streaming:
            return grpc.stream_unary_rpc_method_handler(abort)
        if handler.response_streaming:
            return grpc.unary_stream_rpc_method_handler(abort)
        return grpc.unary_unary_rpc_method_handler(abort)
