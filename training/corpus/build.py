"""Build the corpus on disk: resumable, cached, with a progress bar.

Layout of ``OUT``: ``<id>.wav`` (16 kHz mono PCM16), ``<id>.phones.json`` (ARPAbet spans),
``<id>.json`` (text, voice, settings, emotion, augmentation, split, duration) and
``manifest.jsonl`` (one line per finished utterance, appended after its files, so a killed
build resumes where it stopped).

Splits: ``train`` and ``val``. Only one neural voice is installable here, so the validation
set is held out by *text* (dialogue lines and coverage sentences never used in training) and by
*voice condition* (a speaking rate, variability and augmentation range training never sees).
"""
from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from model.constants import EMOTIONS, SAMPLE_RATE_HZ
from model.emotion import EmotionTrack
from server.audio_io import resample
from training.corpus import augment as aug_mod
from training.corpus.text import DIALOGUE, coverage_sentences
from training.corpus.voices import PROSODY, VoiceSettings, synthesize
from training.phones import PhoneSpan, save_alignment

log = logging.getLogger(__name__)
SCALES = {"quick": 6, "small": 360, "full": 1400}
VAL_SHARE = 0.1


@dataclass(frozen=True)
class Utterance:
    utt_id: str
    text: str
    split: str
    emotion: str
    settings: VoiceSettings
    augment: aug_mod.Augment


def plan(count: int, seed: int) -> list[Utterance]:
    """The utterances of a corpus of ``count`` lines (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    texts = list(DIALOGUE) + coverage_sentences(max(0, count - len(DIALOGUE)), seed)
    texts = [texts[i % len(texts)] for i in range(count)]
    n_val = max(1, int(round(count * VAL_SHARE)))
    out = []
    for k, text in enumerate(texts):
        split = "val" if k % max(1, count // n_val) == 0 else "train"
        emotion = EMOTIONS[int(rng.integers(len(EMOTIONS)))]
        rate_factor, gain = PROSODY[emotion]
        if split == "val":  # held-out condition: slow, steady, with reverberation
            settings = VoiceSettings(1.25 * rate_factor, 0.3, 0.4, gain)
            augment = aug_mod.Augment(speed=1.0, gain=1.0, snr_db=30.0, reverb_s=0.3)
        else:
            settings = VoiceSettings(float(rng.uniform(0.8, 1.15)) * rate_factor, float(rng.uniform(0.5, 0.9)),
                                     float(rng.uniform(0.6, 1.0)), gain)
            augment = aug_mod.random_augment(rng)
        out.append(Utterance(f"utt{k:05d}", text, split, emotion, settings, augment))
    return out


def build(out: Path, scale: str = "small", seed: int = 0, count: int | None = None, progress: bool = True) -> int:
    """Synthesise every planned utterance not yet in the manifest; returns how many were added."""
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / "manifest.jsonl"
    done = {json.loads(line)["id"] for line in manifest.read_text().splitlines() if line.strip()} \
        if manifest.exists() else set()
    todo = [u for u in plan(count or SCALES[scale], seed) if u.utt_id not in done]
    from tqdm import tqdm

    added = 0
    with open(manifest, "a", encoding="utf-8") as fh:
        for utt in tqdm(todo, desc="corpus", unit="utt", disable=not progress):
            record = _make(out, utt, seed)
            fh.write(json.dumps(record) + "\n")
            fh.flush()
            added += 1
    return added


def _make(out: Path, utt: Utterance, seed: int) -> dict:
    rng = np.random.default_rng([seed, int(utt.utt_id[3:])])
    audio, rate, spans = synthesize(utt.text, utt.settings)
    audio, spans = aug_mod.apply(audio, rate, spans, utt.augment, rng)
    audio16 = resample(audio, rate, SAMPLE_RATE_HZ)
    duration = len(audio16) / SAMPLE_RATE_HZ
    spans = [PhoneSpan(s.phone, min(s.start_s, duration), min(s.end_s, duration)) for s in spans]
    sf.write(out / f"{utt.utt_id}.wav", audio16, SAMPLE_RATE_HZ, subtype="PCM_16")
    save_alignment(spans, out / f"{utt.utt_id}.phones.json")
    meta = {"id": utt.utt_id, "text": utt.text, "voice": "piper:en_US-joe-medium", "speaker": "joe",
            "settings": asdict(utt.settings), "emotion": EmotionTrack.parse(utt.emotion).to_obj(),
            "augment": utt.augment.to_dict(), "split": utt.split, "duration_s": duration}
    (out / f"{utt.utt_id}.json").write_text(json.dumps(meta))
    return {"id": utt.utt_id, "split": utt.split, "duration_s": round(duration, 3)}
