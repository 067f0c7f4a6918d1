"""Coarticulation: phone spans -> per-frame articulatory features.

Dominance blending (after Cohen and Massaro): every phone segment exerts, per
articulator, a dominance that is flat over the segment and falls off as a Gaussian
before it (width ``lead_s``: anticipation, e.g. lip rounding that starts during the
consonants before a rounded vowel) and after it (``lag_s``: carry-over). Each feature is
the dominance-weighted mean of the segments' targets, so a consonant that does not use
the lips (t, k, s) lets the neighbouring vowel's lip shape through, while a bilabial
dominates the lips strongly but only briefly, so a vowel next to it still opens.

Contacts (lips meet on p/b/m, lower lip to teeth on f/v, tongue tip out on th/dh, tip
up on t/d/n/l) are then guaranteed by minimum-jerk envelopes over each such phone.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

from training.phones import SILENCE, PhoneSpan
from training.teacher.visemes import (
    ALVEOLARS,
    ARTICULATORS,
    BILABIALS,
    DENTALS,
    F,
    FEATURE_ARTICULATOR,
    FEATURES,
    LABIODENTALS,
    VISEMES,
    target_vector,
)

REST_DOMINANCE = 1e-4
"""Dominance of the relaxed rest pose everywhere: where no phone reaches, the mouth rests."""


@dataclass(frozen=True)
class Segments:
    """Phone segments as arrays (a diphthong becomes two segments).

    ``start_s``, ``end_s``: (N,) seconds; ``targets``: (N, F) feature targets;
    ``strength``, ``lead_s``, ``lag_s``: (N, A) dominance per articulator.
    """

    start_s: np.ndarray
    end_s: np.ndarray
    targets: np.ndarray
    strength: np.ndarray
    lead_s: np.ndarray
    lag_s: np.ndarray


def segments(phones: Sequence[PhoneSpan]) -> Segments:
    """Expand phone spans into articulation segments (diphthongs split at ``glide_at``)."""
    rows: list[tuple[float, float, np.ndarray, tuple]] = []
    for span in phones:
        vis = VISEMES[span.phone]
        doms = vis.dominance
        if len(vis.targets) == 1:
            rows.append((span.start_s, span.end_s, target_vector(vis.targets[0]), doms))
        else:
            mid = span.start_s + vis.glide_at * (span.end_s - span.start_s)
            rows.append((span.start_s, mid, target_vector(vis.targets[0]), doms))
            rows.append((mid, span.end_s, target_vector(vis.targets[1]), doms))
    n = len(rows)
    a = len(ARTICULATORS)
    out = Segments(
        start_s=np.array([r[0] for r in rows], dtype=np.float64).reshape(n),
        end_s=np.array([r[1] for r in rows], dtype=np.float64).reshape(n),
        targets=np.array([r[2] for r in rows], dtype=np.float64).reshape(n, len(FEATURES)),
        strength=np.array([[d.strength for d in r[3]] for r in rows], dtype=np.float64).reshape(n, a),
        lead_s=np.array([[d.lead_s for d in r[3]] for r in rows], dtype=np.float64).reshape(n, a),
        lag_s=np.array([[d.lag_s for d in r[3]] for r in rows], dtype=np.float64).reshape(n, a),
    )
    return out


def blend(segs: Segments, times_s: np.ndarray) -> np.ndarray:
    """Dominance-blended features at ``times_s`` (T,) -> (T, F) float64.

    The (N, T) dominance maps are computed in float32, in place (this runs over the whole
    corpus); the blend itself is accumulated in float64.
    """
    t = times_s[None, :].astype(np.float32)  # (1, T)
    before = np.maximum(segs.start_s[:, None].astype(np.float32) - t, 0.0)  # (N, T) time until the segment starts
    after = np.maximum(t - segs.end_s[:, None].astype(np.float32), 0.0)  # (N, T) time since it ended
    inv_lead = (np.sqrt(0.5) / segs.lead_s).astype(np.float32)  # (N, A)
    inv_lag = (np.sqrt(0.5) / segs.lag_s).astype(np.float32)
    strength = segs.strength.astype(np.float32)
    out = np.zeros((times_s.size, len(FEATURES)))
    feature_art = np.array(FEATURE_ARTICULATOR)
    for a in range(len(ARTICULATORS)):
        dom = np.square(before * inv_lead[:, a:a + 1])  # (N, T): 0.5 (d / lead)^2 before the segment
        dom += np.square(after * inv_lag[:, a:a + 1])  # 0.5 (d / lag)^2 after it
        np.exp(np.negative(dom, out=dom), out=dom)
        dom *= strength[:, a:a + 1]  # dominance of each segment at each frame
        total = dom.sum(axis=0, dtype=np.float64) + REST_DOMINANCE  # (T,)
        cols = np.flatnonzero(feature_art == a)
        out[:, cols] = (dom.T.astype(np.float64) @ segs.targets[:, cols]) / total[:, None]  # rest target is 0
    return out


def smooth(features: np.ndarray, fps: float, sigma_s: float = 0.018) -> np.ndarray:
    """Light Gaussian smoothing over time of (T, F) features (tissue inertia)."""
    if features.shape[0] < 2 or sigma_s <= 0:
        return features
    return gaussian_filter1d(features, sigma=sigma_s * fps, axis=0, mode="nearest")


def min_jerk(u: np.ndarray) -> np.ndarray:
    """Minimum-jerk profile 10u^3 - 15u^4 + 6u^5 on u clipped to [0, 1]."""
    u = np.clip(u, 0.0, 1.0)
    return u * u * u * (10.0 + u * (-15.0 + 6.0 * u))


def contact_envelope(
    phones: Sequence[PhoneSpan], which: frozenset[str], times_s: np.ndarray, fps: float,
    ramp_s: float = 0.05, core_fraction: float = 0.5,
) -> np.ndarray:
    """Envelope (T,) in [0, 1]: 1 over the central ``core_fraction`` of every run of
    adjacent phones in ``which`` (at least the frame nearest its middle), minimum-jerk
    ramps of ``ramp_s`` on each side, 0 elsewhere; the maximum over runs."""
    env = np.zeros(times_s.size)
    half_frame = 0.5 / fps
    for start_s, end_s in _merged(phones, which):
        mid = 0.5 * (start_s + end_s)
        half = max(0.5 * core_fraction * (end_s - start_s), half_frame)
        dist = np.maximum(np.abs(times_s - mid) - half, 0.0)  # (T,) seconds outside the core
        env = np.maximum(env, 1.0 - min_jerk(dist / ramp_s))
    return env


def _merged(phones: Sequence[PhoneSpan], which: frozenset[str]) -> list[tuple[float, float]]:
    """(start_s, end_s) of runs of adjacent phones in ``which`` (m-p in "jump" is one closure)."""
    runs: list[tuple[float, float]] = []
    for span in sorted((p for p in phones if p.phone in which), key=lambda p: p.start_s):
        if runs and span.start_s <= runs[-1][1] + 1e-6:
            runs[-1] = (runs[-1][0], max(runs[-1][1], span.end_s))
        else:
            runs.append((span.start_s, span.end_s))
    return runs


@dataclass(frozen=True)
class Contacts:
    """Envelopes (T,) of the contact gestures, each in [0, 1]. The ``*_jaw`` envelopes have
    the same core but slower ramps: the jaw is heavier than the lips."""

    bilabial: np.ndarray
    labiodental: np.ndarray
    dental: np.ndarray
    alveolar: np.ndarray
    bilabial_jaw: np.ndarray
    labiodental_jaw: np.ndarray


LIP_RAMP_S = 0.06
JAW_RAMP_S = 0.07


def contacts(phones: Sequence[PhoneSpan], times_s: np.ndarray, fps: float) -> Contacts:
    return Contacts(
        bilabial=contact_envelope(phones, BILABIALS, times_s, fps, ramp_s=LIP_RAMP_S),
        labiodental=contact_envelope(phones, LABIODENTALS, times_s, fps, ramp_s=LIP_RAMP_S),
        bilabial_jaw=contact_envelope(phones, BILABIALS, times_s, fps, ramp_s=JAW_RAMP_S),
        labiodental_jaw=contact_envelope(phones, LABIODENTALS, times_s, fps, ramp_s=JAW_RAMP_S),
        dental=contact_envelope(phones, DENTALS, times_s, fps, ramp_s=0.07),
        alveolar=contact_envelope(phones, ALVEOLARS, times_s, fps, ramp_s=0.06),
    )


CLOSED_JAW = 0.03
"""Jaw opening (control units) the jaw is pulled down to at a bilabial closure."""
LABIODENTAL_JAW = 0.08


def apply_contacts(features: np.ndarray, c: Contacts) -> np.ndarray:
    """Enforce the contact gestures on features (T, F) (a new array)."""
    x = features.copy()
    jaw = F["jaw_open"]
    # lower lip to upper teeth on f/v: jaw nearly closed, lower lip up, not drawn down
    e = c.labiodental
    x[:, F["lip_teeth"]] = np.maximum(x[:, F["lip_teeth"]], 0.8 * e)
    x[:, jaw] -= c.labiodental_jaw * np.maximum(x[:, jaw] - LABIODENTAL_JAW, 0.0)
    for name in ("lower_lip_down", "lip_close"):
        x[:, F[name]] *= 1.0 - e
    # lips meet on p/b/m: sealed, jaw nearly closed, nothing pulling the lips apart
    e = c.bilabial
    x[:, F["lip_close"]] = np.maximum(x[:, F["lip_close"]], e)
    x[:, jaw] -= c.bilabial_jaw * np.maximum(x[:, jaw] - CLOSED_JAW, 0.0)
    for name in ("lower_lip_down", "upper_lip_up", "lip_teeth", "tip_out"):
        x[:, F[name]] *= 1.0 - e
    # tongue: tip between the teeth on th/dh, tip up on t/d/n/l
    x[:, F["tip_out"]] = np.maximum(x[:, F["tip_out"]], 0.55 * c.dental)
    x[:, F["tip_up"]] = np.maximum(x[:, F["tip_up"]], 0.75 * c.alveolar)
    return x


SPEAKING_GAP_S = 0.2
"""Pauses shorter than this do not stop speaking: the face stays in its speaking posture."""
SPEAKING_RAMP_S = 0.2


def speaking(phones: Sequence[PhoneSpan], times_s: np.ndarray) -> np.ndarray:
    """Envelope (T,) in [0, 1]: 1 while speaking (phones other than SIL, pauses shorter than
    :data:`SPEAKING_GAP_S` bridged), 0 in longer pauses, minimum-jerk ramps of
    :data:`SPEAKING_RAMP_S` reaching 0 at the pause's edge plus the ramp."""
    runs: list[list[float]] = []
    for span in sorted((p for p in phones if p.phone != SILENCE), key=lambda p: p.start_s):
        if runs and span.start_s <= runs[-1][1] + SPEAKING_GAP_S:
            runs[-1][1] = max(runs[-1][1], span.end_s)
        else:
            runs.append([span.start_s, span.end_s])
    env = np.zeros(times_s.size)
    for start_s, end_s in runs:
        dist = np.maximum(np.maximum(start_s - times_s, times_s - end_s), 0.0)  # (T,) seconds outside
        env = np.maximum(env, 1.0 - min_jerk(dist / SPEAKING_RAMP_S))
    return env


def pad_with_silence(phones: Sequence[PhoneSpan], duration_s: float) -> list[PhoneSpan]:
    """Phones sorted by start, with explicit SIL spans over leading, trailing and inner gaps."""
    ordered = sorted(phones, key=lambda p: (p.start_s, p.end_s))
    out: list[PhoneSpan] = []
    cursor = 0.0
    for span in ordered:
        if span.start_s > cursor + 1e-6:
            out.append(PhoneSpan(SILENCE, cursor, span.start_s))
        out.append(span)
        cursor = max(cursor, span.end_s)
    if duration_s > cursor + 1e-6:
        out.append(PhoneSpan(SILENCE, cursor, duration_s))
    return out
