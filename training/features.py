"""Cache of the frozen speech-encoder stage's features (they do not depend on the emotion).

The frozen stage is the whole encoder (``small``: Whisper frozen) or wav2vec2's CNN (``paper``).
One ``.npy`` (float16, ``(T, C)`` at 60 fps) per utterance under ``CACHE/<encoder key>/``, named by
the utterance id and a hash of its audio file; the key hashes the encoder's weights and the stage,
so neither a different encoder nor another corpus with the same ids reads stale features.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch

from model.inference import InferenceEngine
from model.network import EmoFace
from training.dataset import Utterance


def encoder_key(model: EmoFace) -> str:
    h = hashlib.sha256()
    for name, tensor in sorted(model.audio_encoder.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().cpu().numpy().tobytes()[:4096])
    h.update(repr(model.config.audio_width).encode())
    if not whole_encoder_frozen(model):
        h.update(b"stage:cnn")
    return h.hexdigest()[:16]


def _audio_digest(path: Path) -> str:
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()[:12]


def whole_encoder_frozen(model: EmoFace) -> bool:
    return not any(p.requires_grad for p in model.audio_encoder.parameters())


def frozen_features(model: EmoFace, audio: np.ndarray) -> np.ndarray:
    """``(n,)`` audio -> ``(frame_count(n), C)`` output of the frozen stage (windowed like inference
    when the whole encoder is frozen; the CNN stage is local, so it runs on the whole clip)."""
    with torch.inference_mode():
        if whole_encoder_frozen(model):
            return InferenceEngine(model).encode(audio)
        a = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))[None]
        return model.frozen_features(a)[0].numpy()


def cached_features(model: EmoFace, utterances: list[Utterance], cache_dir: Path, progress: bool = True
                    ) -> dict[str, np.ndarray]:
    """Features of every utterance, computed once and cached on disk."""
    from tqdm import tqdm

    folder = Path(cache_dir) / encoder_key(model)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for utt in tqdm(utterances, desc="features", unit="utt", disable=not progress):
        path = folder / f"{utt.utt_id}-{_audio_digest(utt.audio_path)}.npy"
        if path.exists():
            feats = np.load(path)
        else:
            feats = frozen_features(model, utt.audio()).astype(np.float16)
            tmp = path.with_suffix(".tmp.npy")
            np.save(tmp, feats)
            tmp.replace(path)
        out[utt.utt_id] = feats[: utt.num_frames]
    return out
