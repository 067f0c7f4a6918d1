"""Build the corpus on disk: resumable, cached, with a progress bar.

Layout of ``OUT``: ``<id>.wav`` (16 kHz mono PCM16), ``<id>.phones.json`` (ARPAbet spans),
``<id>.json`` (text, voice, settings, emotion, augmentation, split, duration) and
``manifest.jsonl`` (one line per finished utterance, appended after its files, so a killed
build resumes where it stopped).

Voices: the Piper neural voice (ids ``utt*``) and espeak-ng speakers (ids ``esp*``: accents,
variants, pitch and rate), each with exact phone timings from the synthesiser.

Splits: ``train`` and ``val``. The validation set is held out by *text* (lines never used in
training) and by *voice*: espeak-ng speakers whose accent and variant training never hears
(:data:`HELD_OUT_VOICES`), and a Piper *voice condition* (a speaking rate, variability and
augmentation range training never sees; only one neural voice is installable here).
"""
from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import soundfile as sf

from model.constants import EMOTIONS, SAMPLE_RATE_HZ
from model.emotion import EmotionTrack
from model.files import atomic_path
from server.runtime.audio_io import resample
from training.corpus import augment as aug_mod
from training.corpus import espeak
from training.corpus import silence as silence_mod
from training.corpus.text import DIALOGUE, coverage_sentences
from training.corpus.voices import PROSODY, VoiceSettings, synthesize
from training.phones import PhoneSpan, save_alignment

log = logging.getLogger(__name__)
SCALES = {"quick": 6, "small": 360, "full": 1400}
VAL_SHARE = 0.1
SILENCE_SHARE = 0.4  # training lines that get long pauses, noise floors, breaths or no speech at all
ESPEAK_SHARE = 0.3  # espeak-ng lines per Piper line (``--espeak-count`` overrides)
TRAIN_VOICES = ("en-us+m1", "en-us+m3", "en-us+f1", "en-us+f4", "en+m4", "en+f5", "en-gb-scotland+m7",
                "en-029+m2", "en-gb-x-gbclan+f3", "en-us+klatt2")
HELD_OUT_VOICES = ("en-gb-x-rp+f2", "en-us+klatt4")
# emotion -> (rate factor, pitch offset, pitch-range offset) for espeak-ng speakers
ESPEAK_PROSODY = {"angry": (1.1, 4, 25), "disgust": (0.92, -6, 5), "fear": (1.12, 12, 10), "happy": (1.05, 8, 25),
                  "neutral": (1.0, 0, 0), "sad": (0.85, -8, -25), "surprise": (1.0, 14, 35)}


@dataclass(frozen=True)
class Utterance:
    utt_id: str
    text: str
    split: str
    emotion: str
    settings: VoiceSettings | espeak.EspeakVoice
    augment: aug_mod.Augment
    silence: silence_mod.Silence | None = None


def with_silence(utts: list[Utterance], seed: int, stream: int) -> list[Utterance]:
    """Training lines with a :data:`SILENCE_SHARE` chance of a pause plan (own generator per line, so
    the rest of the plan is the same with or without it). Digital silence stays exact: no added noise."""
    out = []
    for k, utt in enumerate(utts):
        rng = np.random.default_rng([seed, k, stream, 2])
        if utt.split != "train" or rng.random() >= SILENCE_SHARE:
            out.append(utt)
            continue
        plan = silence_mod.random_silence(rng)
        augment = replace(utt.augment, snr_db=None) if plan.fill == "zeros" else utt.augment
        out.append(replace(utt, silence=plan, augment=augment))
    return out


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
    return with_silence(out, seed, 0)


def plan_espeak(count: int, piper: list[Utterance], seed: int) -> list[Utterance]:
    """``count`` espeak-ng lines: training texts by training voices, held-out texts by held-out voices."""
    rng = np.random.default_rng([seed, 1])
    train_texts = [u.text for u in piper if u.split == "train"] or [u.text for u in piper]
    val_texts = [u.text for u in piper if u.split == "val"] or train_texts
    n_val = max(1, int(round(count * VAL_SHARE * 2))) if count > 1 else 0
    out = []
    for k in range(count):
        split = "val" if n_val and k % max(1, count // n_val) == 0 else "train"
        texts, voices = (val_texts, HELD_OUT_VOICES) if split == "val" else (train_texts, TRAIN_VOICES)
        emotion = EMOTIONS[int(rng.integers(len(EMOTIONS)))]
        rate, pitch, spread = ESPEAK_PROSODY[emotion]
        voice = espeak.EspeakVoice(voices[int(rng.integers(len(voices)))], int(rng.uniform(140, 200) * rate),
                                   int(np.clip(rng.uniform(35, 65) + pitch, 0, 100)),
                                   int(np.clip(rng.uniform(40, 70) + spread, 0, 100)))
        augment = aug_mod.Augment(speed=1.0, gain=PROSODY[emotion][1], snr_db=40.0, reverb_s=0.0) \
            if split == "val" else aug_mod.random_augment(rng)
        out.append(Utterance(f"esp{k:05d}", texts[int(rng.integers(len(texts)))], split, emotion, voice, augment))
    return with_silence(out, seed, 1)


def build(out: Path, scale: str = "small", seed: int = 0, count: int | None = None, progress: bool = True,
          espeak_count: int | None = None, command: str | None = None) -> int:
    """Synthesise every planned utterance not yet in the manifest; returns how many were added.

    ``count`` Piper lines (default: by ``scale``) and ``espeak_count`` espeak-ng lines (default:
    :data:`ESPEAK_SHARE` of ``count``). ``OUT/build.json`` records the settings and ``command``
    (provenance for the models trained on it)."""
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / "manifest.jsonl"
    done = {json.loads(line)["id"] for line in manifest.read_text().splitlines() if line.strip()} \
        if manifest.exists() else set()
    piper = plan(count or SCALES[scale], seed)
    n_espeak = int(round(len(piper) * ESPEAK_SHARE)) if espeak_count is None else espeak_count
    todo = [u for u in piper + plan_espeak(n_espeak, piper, seed) if u.utt_id not in done]
    from tqdm import tqdm

    added = 0
    with open(manifest, "a", encoding="utf-8") as fh:
        for utt in tqdm(todo, desc="corpus", unit="utt", disable=not progress):
            record = _make(out, utt, seed)
            fh.write(json.dumps(record) + "\n")
            fh.flush()
            added += 1
    _write_record(out, {"command": command, "scale": scale, "seed": seed, "count": len(piper),
                        "espeak_count": n_espeak, "silence_share": SILENCE_SHARE,
                        "utterances": len(done) + added})
    return added


def _write_record(out: Path, record: dict) -> None:
    with atomic_path(out / "build.json") as tmp:
        tmp.write_text(json.dumps(record, indent=1))


def _make(out: Path, utt: Utterance, seed: int) -> dict:
    key = [seed, int(utt.utt_id[3:])] + ([1] if utt.utt_id.startswith("esp") else [])
    rng = np.random.default_rng(key)
    if isinstance(utt.settings, espeak.EspeakVoice):
        audio, rate, spans = espeak.synthesize(utt.text, utt.settings)
        voice, speaker = utt.settings.label, utt.settings.name
    else:
        audio, rate, spans = synthesize(utt.text, utt.settings)
        voice, speaker = "piper:en_US-joe-medium", "joe"
    if utt.silence is not None:
        audio, spans = silence_mod.apply(audio, rate, spans, utt.silence)
    audio, spans = aug_mod.apply(audio, rate, spans, utt.augment, rng)
    audio16 = resample(audio, rate, SAMPLE_RATE_HZ)
    duration = len(audio16) / SAMPLE_RATE_HZ
    spans = [PhoneSpan(s.phone, min(s.start_s, duration), min(s.end_s, duration)) for s in spans]
    sf.write(out / f"{utt.utt_id}.wav", audio16, SAMPLE_RATE_HZ, subtype="PCM_16")
    save_alignment(spans, out / f"{utt.utt_id}.phones.json")
    meta = {"id": utt.utt_id, "text": utt.text, "voice": voice, "speaker": speaker,
            "settings": asdict(utt.settings), "emotion": EmotionTrack.parse(utt.emotion).to_obj(),
            "augment": utt.augment.to_dict(), "split": utt.split, "duration_s": duration,
            "silence": utt.silence.to_dict() if utt.silence else None}
    (out / f"{utt.utt_id}.json").write_text(json.dumps(meta))
    return {"id": utt.utt_id, "split": utt.split, "duration_s": round(duration, 3)}
