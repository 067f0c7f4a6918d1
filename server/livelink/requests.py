"""SUBMIT_LINE -> model inputs: 16 kHz mono audio, an emotion track and request options.

Every problem a client can fix raises :class:`model.errors.InputError` (sent as ERROR
``INVALID_ARGUMENT``), except a clip above the length limit: :class:`ClipTooLongError`
(``RESOURCE_EXHAUSTED``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from model.constants import SAMPLE_RATE_HZ
from model.emotion import EmotionTrack
from model.errors import InputError
from server.livelink.codec import FLAG_INTERRUPT, FLAG_PACED, PcmEncoding, SubmitLine
from server.runtime import limits
from server.runtime.audio_io import MAX_SAMPLE_RATE_HZ, MIN_SAMPLE_RATE_HZ, AudioLimits, decode_pcm
from server.runtime.options import RequestOptions

_ENCODINGS = {PcmEncoding.S16LE: ("s16le", 2), PcmEncoding.F32LE: ("f32le", 4)}


class ClipTooLongError(InputError):
    """Audio longer than the server's clip limit (maps to RESOURCE_EXHAUSTED)."""


@dataclass(frozen=True)
class LineRequest:
    """A validated SUBMIT_LINE. audio_16k: ``(n,)`` float32 mono at 16 kHz."""

    request_id: int
    subject: str
    paced: bool
    interrupt: bool
    audio_16k: np.ndarray
    emotion: EmotionTrack
    options: RequestOptions


def parse_submit(msg: SubmitLine, max_clip_s: float) -> LineRequest:
    """Validate and decode a SUBMIT_LINE (raises InputError / ClipTooLongError)."""
    if not msg.subject:
        raise InputError("SUBMIT_LINE needs a subject name")
    if msg.flags & ~(FLAG_PACED | FLAG_INTERRUPT):
        raise InputError(f"unknown SUBMIT_LINE flag bits 0x{msg.flags & ~(FLAG_PACED | FLAG_INTERRUPT):02x}; "
                         "only PACED (1) and INTERRUPT (2) are defined")
    if msg.encoding not in _ENCODINGS:
        raise InputError(f"unknown pcm_encoding {msg.encoding}; use 1 (s16le) or 2 (f32le)")
    encoding, sample_bytes = _ENCODINGS[PcmEncoding(msg.encoding)]
    if MIN_SAMPLE_RATE_HZ <= msg.sample_rate_hz <= MAX_SAMPLE_RATE_HZ and msg.channels >= 1:
        duration_s = len(msg.audio) / (sample_bytes * msg.channels * msg.sample_rate_hz)
        if duration_s > max_clip_s:
            raise ClipTooLongError(f"audio is {duration_s:.1f} s long; the server's limit is {max_clip_s:g} s "
                                   "(max_clip_s): split the line")
    _check_text("emotion", msg.emotion, limits.LIVELINK_EMOTION_TEXT_BYTES)
    _check_text("options_json", msg.options_json, limits.LIVELINK_OPTIONS_JSON_BYTES)
    audio = decode_pcm(msg.audio, encoding, msg.sample_rate_hz, msg.channels, AudioLimits(max_clip_s))
    return LineRequest(msg.request_id, msg.subject, bool(msg.flags & FLAG_PACED), bool(msg.flags & FLAG_INTERRUPT),
                       audio, parse_emotion(msg.emotion, len(audio) / SAMPLE_RATE_HZ), parse_options(msg.options_json))


def _check_text(name: str, text: str, max_bytes: int) -> None:
    if len(text) > max_bytes:  # characters <= UTF-8 bytes: a cheap lower bound
        raise InputError(f"{name} is longer than {max_bytes} bytes")


def _loads(text: str, what: str):
    """``json.loads`` with every failure a client can cause as InputError (nesting too deep included)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{what} is not valid JSON: {exc}") from None
    except RecursionError:
        raise InputError(f"{what} is nested too deeply") from None


def parse_emotion(text: str, audio_s: float | None = None) -> EmotionTrack:
    """``""`` = neutral; ``happy`` / ``happy:0.6``; or a JSON emotion track (``{"keys": [...]}`` or a list).

    audio_s: the line's audio duration; a JSON track may have at most ``limits.keys_allowed(audio_s)`` keys.
    """
    stripped = text.strip()
    if not stripped:
        return EmotionTrack.constant("neutral", 1.0)
    if stripped[0] in "[{":
        obj = _loads(stripped, "emotion looks like JSON but")
        keys = obj.get("keys") if isinstance(obj, dict) else obj
        allowed = limits.keys_allowed(audio_s if audio_s is not None else float("inf"))
        if isinstance(keys, list) and len(keys) > allowed:
            raise InputError(f"the emotion track has {len(keys)} keys; this line's audio allows {allowed}")
        try:
            return EmotionTrack.from_obj(obj)
        except (TypeError, AttributeError, KeyError, RecursionError) as exc:  # values of the wrong JSON type
            raise InputError(f"bad emotion track: {type(exc).__name__}: {exc}") from None
    return EmotionTrack.parse(stripped)


def parse_options(text: str) -> RequestOptions:
    """``""`` = defaults; else a JSON object with ``smoothing``, ``blink``, ``gaze``, ``gains``, ``speech_gate``,
    ``seed``."""
    if not text.strip():
        return RequestOptions()
    obj = _loads(text, "options_json")
    if not isinstance(obj, dict):
        raise InputError("options_json must be a JSON object")
    if obj.get("controls"):
        raise InputError("options_json: 'controls' is not supported on Live Link; every frame carries all "
                         "controls of the subject's static data")
    try:
        return RequestOptions.from_dict(obj)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"bad options_json: {exc}") from None
