"""The phonetic teacher's entry point: phone timings + emotion track -> 174 controls per frame.

Layers, bottom to top:
1. speech: phone spans -> articulatory features by dominance blending, scaled by speaker
   style and emotion (hyper/hypo-articulation), then contacts enforced (p/b/m, f/v, th,
   t/d/n/l) -> jaw, lip and tongue controls;
2. emotion: track -> per-emotion activation with smooth onsets/offsets -> action units
   -> brows, lids, cheeks, nose, mouth corners; lip-parting action units yield to
   contacts and mouth-widening ones partly yield to rounding, so speech is never cancelled;
3. prosody: small brow raises on emphasised (long) vowels;
4. variation: seeded micro-motion and per-clip expression gains.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from model.constants import FPS
from model.emotion import EmotionTrack
from model.errors import InputError
from model.rig import rig
from training.phones import PhoneSpan
from training.teacher import coarticulation as coart
from training.teacher import expressions as expr
from training.teacher import prosody
from training.teacher import variation as var
from training.teacher.visemes import F, SHAPED_FEATURES, feature_matrix

log = logging.getLogger(__name__)

SPEECH_LEAD_S = 0.025
"""Default articulatory lead of the speech layer over the audio (seconds)."""
SPEAKER_STYLE_RANGE = (0.5, 1.5)
"""Accepted ``speaker_style`` values: 1 = ordinary, < 1 hypo-, > 1 hyper-articulated."""


@dataclass(frozen=True)
class TeacherOptions:
    """Everything that shapes the teacher's output besides its inputs.

    ``onsets``: emotion onset/offset dynamics; ``variation``: amount of natural variation;
    ``beats``: brow raises on emphasised (long) vowels;
    ``rounding_narrows``: fraction of smile/stretch removed at full lip rounding (0..1);
    ``speech_lead_s``: how far the articulators run ahead of the sound (seconds): the speech
    layer at time t shows the phones heard at t + lead (real lips, jaw and tongue start moving
    before the sound they make; the emotion layer is not shifted).
    """

    onsets: expr.OnsetOptions = field(default_factory=expr.OnsetOptions)
    variation: var.VariationOptions = field(default_factory=var.VariationOptions)
    beats: prosody.BeatOptions = field(default_factory=prosody.BeatOptions)
    rounding_narrows: float = 0.5
    speech_lead_s: float = SPEECH_LEAD_S


def animate_phones(
    phones: Sequence[PhoneSpan], emotion: EmotionTrack, num_frames: int, *,
    fps: float = FPS, seed: int = 0, speaker_style: float | None = None,
) -> np.ndarray:
    """Face-board animation for phone timings and an emotion track.

    ``phones``: spans in seconds (gaps and the time after the last phone are pauses);
    ``emotion``: per-frame weights and intensity; ``num_frames`` at ``fps``;
    ``seed``: small natural variation only; ``speaker_style``: articulation scale in
    :data:`SPEAKER_STYLE_RANGE` (None = 1). Returns (num_frames, 174) float32 in rig
    order, clamped to the control ranges; the same inputs and seed give the same frames.
    """
    return Teacher().animate(phones, emotion, num_frames, fps=fps, seed=seed, speaker_style=speaker_style)


class Teacher:
    """The teacher with explicit options (``animate_phones`` uses the defaults)."""

    def __init__(self, options: TeacherOptions | None = None):
        self.options = options or TeacherOptions()

    def animate(
        self, phones: Sequence[PhoneSpan], emotion: EmotionTrack, num_frames: int, *,
        fps: float = FPS, seed: int = 0, speaker_style: float | None = None,
    ) -> np.ndarray:
        style = _check_inputs(phones, emotion, num_frames, fps, speaker_style)
        log.debug("teacher: %d phones -> %d frames at %g fps, seed %d", len(phones), num_frames, fps, seed)
        schema = rig()
        rng = np.random.default_rng(seed)
        variation = var.draw(rng, num_frames, fps, len(expr.ACTION_UNITS), self.options.variation)
        times_s = np.arange(num_frames) / fps  # (T,)

        weights, intensity = emotion.at_times(times_s - variation.onset_shift_s)  # (T, 7), (T,)
        target = weights.astype(np.float64) * intensity[:, None].astype(np.float64)  # (T, 7)
        activation = expr.smooth_activation(target, fps, self.options.onsets)  # (T, 7)

        face = expr.expression(activation, variation.au_gain, variation.side_gain)  # (T, 174)
        jaw = schema.index("CTRL_C_jaw.ty")
        emotion_jaw = face[:, jaw].copy()  # the jaw drop of an emotion joins the speech jaw (before contacts)
        face[:, jaw] = 0.0
        gain = style * expr.articulation_gain(activation)  # (T,)
        features, contacts = self._speech_features(phones, times_s + self.options.speech_lead_s, fps, gain,
                                                   emotion_jaw)
        speech = features @ feature_matrix()  # (T, 174)

        parting = expr.control_mask(expr.LIP_OPENING_CONTROLS)
        seal = np.maximum(contacts.bilabial, contacts.labiodental)  # (T,)
        face[:, parting] *= (1.0 - seal)[:, None]
        rounding = np.clip(features[:, F["purse"]] + 0.5 * features[:, F["funnel"]], 0.0, 1.0)
        widening = expr.control_mask(expr.WIDENING_CONTROLS)
        face[:, widening] *= (1.0 - self.options.rounding_narrows * rounding)[:, None]

        beats = prosody.brow_beats(prosody.emphasis(phones, times_s, self.options.beats), variation.beat_scale,
                                   self.options.beats)  # (T, 174)
        frames = speech + face + beats + variation.micro
        return schema.clamp(frames).astype(np.float32)

    @staticmethod
    def _speech_features(
        phones: Sequence[PhoneSpan], times_s: np.ndarray, fps: float, gain: np.ndarray, emotion_jaw: np.ndarray,
    ) -> tuple[np.ndarray, coart.Contacts]:
        """Speech features (T, F) with contacts enforced, and the contact envelopes (T,).

        ``times_s`` are the acoustic times each frame shows (frame times plus the speech lead);
        ``gain`` (T,) scales the shaped features; ``emotion_jaw`` (T,) is added to the jaw while
        speaking, mostly where speech keeps it nearly closed; in pauses the mouth rests (an
        emotion's brows, lids and cheeks stay, its jaw drop does not).
        """
        duration_s = max(times_s[-1] + 1.0 / fps, 0.0) if times_s.size else 0.0
        spans = coart.pad_with_silence(phones, duration_s)
        features = coart.smooth(coart.blend(coart.segments(spans), times_s), fps)  # (T, F)
        shaped = [F[name] for name in SHAPED_FEATURES]
        features[:, shaped] *= gain[:, None]
        jaw = features[:, F["jaw_open"]]
        talking = coart.speaking(spans, times_s)  # (T,)
        features[:, F["jaw_open"]] = jaw + emotion_jaw * talking * (1.0 - 0.8 * np.clip(jaw / 0.45, 0.0, 1.0))
        contacts = coart.contacts(spans, times_s, fps)
        return coart.apply_contacts(features, contacts), contacts


def _check_inputs(phones, emotion, num_frames, fps, speaker_style) -> float:
    if not isinstance(emotion, EmotionTrack):
        raise InputError(f"emotion must be an EmotionTrack, got {type(emotion).__name__}")
    if isinstance(num_frames, bool) or not isinstance(num_frames, (int, np.integer)) or num_frames < 0:
        raise InputError(f"num_frames must be an integer >= 0, got {num_frames!r}")
    if not np.isfinite(fps) or fps <= 0:
        raise InputError(f"fps must be a positive number, got {fps!r}")
    if any(not isinstance(p, PhoneSpan) for p in phones):
        raise InputError("phones must be PhoneSpan values (training.phones.PhoneSpan)")
    if speaker_style is None:
        return 1.0
    lo, hi = SPEAKER_STYLE_RANGE
    if not lo <= float(speaker_style) <= hi:
        raise InputError(f"speaker_style must be in [{lo}, {hi}] (1 = ordinary), got {speaker_style}")
    return float(speaker_style)


__all__ = ["Teacher", "TeacherOptions", "animate_phones"]
