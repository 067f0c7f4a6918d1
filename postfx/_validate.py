"""Small range checks shared by the options dataclasses."""
from __future__ import annotations

import math

from model.errors import InputError


def check_range(name: str, value: float, lo: float, hi: float) -> None:
    """Raise :class:`InputError` unless ``lo <= value <= hi`` (and finite)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise InputError(f"option {name} must be a number, got {value!r}")
    if not lo <= value <= hi:
        raise InputError(f"option {name} must be in [{lo}, {hi}], got {value}")


def check_int(name: str, value: int, lo: int, hi: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InputError(f"option {name} must be an integer, got {value!r}")
    check_range(name, value, lo, hi)
