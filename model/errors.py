"""Exception types for bad input. Every entry point maps :class:`InputError` to its own
"bad request" signal (CLI exit code 2, gRPC INVALID_ARGUMENT, a failed bake line)."""
from __future__ import annotations


class InputError(ValueError):
    """Input a user can fix: bad audio, unknown emotion or control, out-of-range option."""


class CheckpointError(RuntimeError):
    """A checkpoint or weight file that cannot be loaded as asked."""


class ServiceError(RuntimeError):
    """A remote service refused or failed a call for a reason other than bad input
    (``code``: the gRPC status code, when there is one)."""

    def __init__(self, code, message: str):
        super().__init__(f"{getattr(code, 'name', code)}: {message}")
        self.code = code
