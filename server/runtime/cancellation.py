"""Whether the call a thread is working for is still wanted.

A door (gRPC, Live Link) runs a call's work inside :func:`scope` with a test of its caller
(``context.is_active`` ...); long work calls :func:`check` between pieces and stops with
:class:`WorkCancelled` once the caller has gone, instead of finishing work nobody will read.
Outside any scope :func:`check` does nothing (the CLI, bake, tests).
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable, Iterator

_local = threading.local()


class WorkCancelled(RuntimeError):
    """The caller went away (or its deadline passed) before its work finished; the work was dropped."""


@contextmanager
def scope(is_active: Callable[[], bool]) -> Iterator[None]:
    """Work done on this thread inside the block belongs to a call that is wanted while ``is_active()``."""
    previous = getattr(_local, "is_active", None)
    _local.is_active = is_active
    try:
        yield
    finally:
        _local.is_active = previous


def check() -> None:
    """Raise :class:`WorkCancelled` if this thread's call is no longer wanted."""
    is_active = getattr(_local, "is_active", None)
    if is_active is not None and not is_active():
        raise WorkCancelled("call cancelled or deadline exceeded")
