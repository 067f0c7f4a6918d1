"""Exception types for bad input. Every entry point maps :class:`InputError` to its own
"bad request" signal (CLI exit code 2, gRPC INVALID_ARGUMENT, a failed bake line)."""
from __future__ import annotations


class InputError(ValueError):
    """Input a user can fix: bad audio, unknown emotion or control, out-of-range option."""


class CheckpointError(RuntimeError):
    """A checkpoint or weight file that cannot be loaded as asked."""

