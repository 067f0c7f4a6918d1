"""Blink-rate fitting: detected events -> blinks per minute -> log-normal mu and sigma.

Each interval between consecutive blinks gives a rate of 60 / interval blinks per minute;
rates above 100 per minute are excluded (as the paper). ``mu`` and ``sigma`` are the mean and
standard deviation of ln(rate), the parameters :class:`postfx.blink.sampler.BlinkOptions` uses.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from model.errors import InputError
from postfx.blink.detector import BlinkEvent

MAX_RATE_PER_MIN = 100.0
MIN_INTERVALS = 3


def rates_per_min(onsets_s: list[float] | np.ndarray) -> np.ndarray:
    """Blinks per minute from each interval between consecutive onsets (<= 100 kept)."""
    intervals = np.diff(np.sort(np.asarray(onsets_s, dtype=np.float64)))
    rates = 60.0 / intervals[intervals > 0]
    return rates[rates <= MAX_RATE_PER_MIN]


def fit_log_normal(rates: np.ndarray) -> tuple[float, float]:
    logs = np.log(np.asarray(rates, dtype=np.float64))
    return float(logs.mean()), float(logs.std(ddof=1)) if len(logs) > 1 else 0.0


def profile(events_per_take: list[list[BlinkEvent]], sources: list[str]) -> dict[str, Any]:
    """Profile JSON data from the events of one or more takes (intervals never span takes)."""
    rates = np.concatenate([rates_per_min([e.start_s for e in events]) for events in events_per_take]) \
        if events_per_take else np.zeros(0)
    if len(rates) < MIN_INTERVALS:
        raise InputError(f"only {len(rates)} usable blink intervals found; need at least {MIN_INTERVALS} "
                         "(use longer or more takes)")
    mu, sigma = fit_log_normal(rates)
    return {"mu": round(mu, 4), "sigma": round(sigma, 4), "num_blinks": int(sum(len(e) for e in events_per_take)),
            "num_intervals": int(len(rates)), "median_rate_per_min": round(float(np.median(rates)), 2),
            "max_rate_per_min": MAX_RATE_PER_MIN, "sources": sources}


def write_profile(data: dict[str, Any], path: str | Path) -> None:
    from model.files import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1))
