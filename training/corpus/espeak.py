"""Speech with exact phone timings from Debian's espeak-ng, through ``libespeak-ng`` (ctypes).

espeak-ng reports a phoneme event (IPA, start sample) for every phoneme it speaks, so its
timings are exact without forced alignment (pocketsphinx does not align its formant speech).
A voice is a language voice plus a variant (``en-us+m3``, ``en-gb-x-rp+f2``...) with a pitch,
pitch range and rate; these give speakers of different sex, accent and register. Needs the
Debian package ``espeak-ng`` (``libespeak-ng1``).
"""
from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass
from functools import cache

import numpy as np

from model.errors import InputError
from training.corpus.ipa import ipa_to_spans
from training.phones import PhoneSpan

_SYNCHRONOUS = 2
_INIT_PHONEME_EVENTS, _INIT_PHONEME_IPA, _INIT_DONT_EXIT = 0x0001, 0x0002, 0x8000
_EVENT_LIST_END, _EVENT_PHONEME = 0, 7
_RATE, _PITCH, _RANGE = 1, 3, 4
_POS_CHARACTER = 1
_LOCK = threading.Lock()  # libespeak-ng has one global synthesiser


@dataclass(frozen=True)
class EspeakVoice:
    """name: espeak-ng voice and variant (``en-us+m3``); rate_wpm: words per minute (espeak: 80-450);
    pitch, pitch_range: 0-100 (espeak's defaults are 50)."""

    name: str = "en-us"
    rate_wpm: int = 170
    pitch: int = 50
    pitch_range: int = 50

    @property
    def label(self) -> str:
        return f"espeak:{self.name}"


class _Id(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _Id)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


class _Engine:
    def __init__(self) -> None:
        try:
            self.lib = ctypes.CDLL("libespeak-ng.so.1")
        except OSError:
            raise InputError("espeak-ng voices need the Debian package espeak-ng (apt-get install espeak-ng)") from None
        self.sample_rate_hz = self.lib.espeak_Initialize(
            _SYNCHRONOUS, 0, None, _INIT_PHONEME_EVENTS | _INIT_PHONEME_IPA | _INIT_DONT_EXIT)
        if self.sample_rate_hz <= 0:
            raise InputError("libespeak-ng failed to initialise (is espeak-ng-data installed?)")
        self.chunks: list[np.ndarray] = []
        self.events: list[tuple[str, int]] = []
        self._callback = _CALLBACK(self._on_audio)  # keep a reference: C holds the pointer
        self.lib.espeak_SetSynthCallback(self._callback)

    def _on_audio(self, wav, num_samples, events) -> int:
        if num_samples > 0:
            self.chunks.append(np.ctypeslib.as_array(wav, shape=(num_samples,)).copy())
        k = 0
        while events[k].type != _EVENT_LIST_END:
            if events[k].type == _EVENT_PHONEME:
                self.events.append((events[k].id.string.decode("utf-8", "replace"), int(events[k].sample)))
            k += 1
        return 0

    def speak(self, text: str, voice: EspeakVoice) -> tuple[np.ndarray, list[tuple[str, int]]]:
        if self.lib.espeak_SetVoiceByName(voice.name.encode()) != 0:
            raise InputError(f"espeak-ng has no voice {voice.name!r} (see `espeak-ng --voices=en`)")
        for param, value in ((_RATE, voice.rate_wpm), (_PITCH, voice.pitch), (_RANGE, voice.pitch_range)):
            self.lib.espeak_SetParameter(param, int(value), 0)
        self.chunks, self.events = [], []
        data = text.encode("utf-8") + b"\0"
        self.lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, 0, None, None)
        self.lib.espeak_Synchronize()
        audio = np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.int16)
        return audio, self.events


@cache
def _engine() -> _Engine:
    return _Engine()


def events_to_symbols(events: list[tuple[str, int]], num_samples: int) -> list[tuple[str, int]]:
    """Phoneme events ``(ipa, start sample)`` -> ``(symbol, num_samples)`` in the form Piper reports.

    An event's duration runs to the next event's start; multi-character events (``ɛɹ``, ``ɑː``) are split
    into their characters, the duration shared among those that are not stress or length marks (pairs
    such as ``oʊ`` are merged again by :func:`ipa_to_spans`). An empty event is a word boundary.
    """
    symbols: list[tuple[str, int]] = []
    starts = [s for _, s in events] + [num_samples]
    if events and starts[0] > 0:
        symbols.append(("_", starts[0]))
    for (ipa, start), end in zip(events, starts[1:]):
        n = max(0, min(end, num_samples) - start)
        chars = [c for c in ipa if not c.isspace()]
        if not chars:
            symbols.append((" ", n))
            continue
        timed = [c for c in chars if c not in "ˈˌːˑ"] or chars
        share, rest = divmod(n, len(timed))
        first = True
        for c in chars:
            if c in timed:
                symbols.append((c, share + (rest if first else 0)))
                first = False
            else:
                symbols.append((c, 0))
    return symbols


def synthesize(text: str, voice: EspeakVoice) -> tuple[np.ndarray, int, list[PhoneSpan]]:
    """Text -> (float32 audio, sample rate, ARPAbet spans covering the audio)."""
    with _LOCK:
        engine = _engine()
        pcm, events = engine.speak(text, voice)
    if not len(pcm) or not events:
        raise InputError(f"espeak-ng produced no speech for {text!r}")
    spans = ipa_to_spans(events_to_symbols(events, len(pcm)), engine.sample_rate_hz)
    return pcm.astype(np.float32) / 32768.0, engine.sample_rate_hz, spans
