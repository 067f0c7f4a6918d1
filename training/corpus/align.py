"""Forced alignment of speech with its transcript (pocketsphinx, US English), so recordings
with a transcript get the same phone timings - and teacher targets - as synthetic speech.

pocketsphinx decodes once with the text, then ``set_alignment()`` and decodes again; its phone
segmentation (100 frames per second) becomes contiguous ARPAbet spans covering the audio.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import soundfile as sf

from model.constants import SAMPLE_RATE_HZ
from model.errors import InputError
from training.phones import PHONES, SILENCE, PhoneSpan, normalise_phone, save_alignment

FRAME_S = 0.01  # pocketsphinx frames
SHIFT_S = 0.011
"""Added to every pocketsphinx boundary. Its frames are labelled by where their 25.6 ms analysis
window starts, so its boundaries come early: against Piper's exact timings (29 held-out
utterances, 1,175 matched phones) the median offset was -11.7 ms at phone starts and -9.7 ms
at ends (docs/training.md, "Forced alignment")."""


def align(audio: np.ndarray, transcript: str) -> list[PhoneSpan]:
    """16 kHz mono float audio + its words -> ARPAbet spans from 0 to the end of the audio."""
    try:
        from pocketsphinx import Decoder
    except ImportError:
        raise InputError("forced alignment needs pocketsphinx: pip install 'emoface-bridge[train]'") from None
    words = " ".join(re.findall(r"[a-z']+", transcript.lower()))
    if not words:
        raise InputError("the transcript has no words to align")
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
    decoder = Decoder(samprate=SAMPLE_RATE_HZ, loglevel="FATAL")
    try:
        decoder.set_align_text(words)
        for _ in range(2):
            decoder.start_utt()
            decoder.process_raw(pcm, full_utt=True)
            decoder.end_utt()
            if _ == 0:
                decoder.set_alignment()
        phones = [(normalise_phone(p.name), p.start * FRAME_S + SHIFT_S, (p.start + p.duration) * FRAME_S + SHIFT_S)
                  for p in decoder.get_alignment().phones()]
    except (RuntimeError, KeyError) as exc:
        raise InputError(f"forced alignment failed ({exc}); check that the transcript matches the audio") from None
    return _contiguous(phones, len(audio) / SAMPLE_RATE_HZ)


def _contiguous(phones: list[tuple[str, float, float]], duration_s: float) -> list[PhoneSpan]:
    spans: list[PhoneSpan] = []
    t = 0.0
    for phone, start, end in phones:
        phone = phone if phone in PHONES else SILENCE
        start, end = max(start, t), min(end, duration_s)
        if start > t:
            spans.append(PhoneSpan(SILENCE, t, start))
        if end > start:
            spans.append(PhoneSpan(phone, start, end))
            t = end
    if t < duration_s:
        spans.append(PhoneSpan(SILENCE, t, duration_s))
    return spans


def import_recordings(folder: str | Path, out: str | Path, split: str = "train", speaker: str = "recorded") -> int:
    """Add ``folder/*.wav`` with transcripts ``*.txt`` to a corpus (aligned, 16 kHz); returns the count."""
    from server.runtime.audio_io import decode_file

    src, dst = Path(folder), Path(out)
    dst.mkdir(parents=True, exist_ok=True)
    added = 0
    with open(dst / "manifest.jsonl", "a", encoding="utf-8") as manifest:
        for wav in sorted(src.glob("*.wav")):
            text_path = wav.with_suffix(".txt")
            if not text_path.is_file():
                raise InputError(f"no transcript {text_path.name} for {wav.name}")
            audio = decode_file(wav)
            spans = align(audio, text_path.read_text())
            utt_id = f"rec_{re.sub(r'[^A-Za-z0-9_-]', '_', wav.stem)}"
            sf.write(dst / f"{utt_id}.wav", audio, SAMPLE_RATE_HZ, subtype="PCM_16")
            save_alignment(spans, dst / f"{utt_id}.phones.json")
            meta = {"id": utt_id, "text": text_path.read_text().strip(), "voice": "recording", "speaker": speaker,
                    "emotion": {"keys": [{"time": 0.0, "weights": [0, 0, 0, 0, 1, 0, 0], "intensity": 1.0,
                                          "transition": 0.0}]}, "augment": {}, "split": split,
                    "duration_s": len(audio) / SAMPLE_RATE_HZ}
            (dst / f"{utt_id}.json").write_text(json.dumps(meta))
            manifest.write(json.dumps({"id": utt_id, "split": split, "duration_s": round(meta["duration_s"], 3)}) + "\n")
            added += 1
    return added
