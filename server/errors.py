"""Errors of the service side that are not about the caller's input (see ``model.errors`` for those)."""
from __future__ import annotations


class ServiceError(RuntimeError):
    """A remote service refused or failed a call for a reason other than bad input
    (``code``: the gRPC status code, when there is one)."""

    def __init__(self, code, message: str):
        super().__init__(f"{getattr(code, 'name', code)}: {message}")
        self.code = code
