"""Cache of frozen speech-encoder features (they do not depend on the emotion).

One ``.npy`` (float16, ``(T, audio_width)`` at 60 fps) per utterance under
``CACHE/<encoder key>/``; the key hashes the encoder's weights, so a different encoder never
reads stale features.
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
    return h.hexdigest()[:16]


def cached_features(model: EmoFace, utterances: list[Utterance], cache_dir: Path, progress: bool = True
                    ) -> dict[str, np.ndarray]:
    """Features of every utterance, computed once and cached on disk."""
    from tqdm import tqdm

    folder = Path(cache_dir) / encoder_key(model)
    folder.mkdir(parents=True, exist_ok=True)
    engine = InferenceEngine(model)
    out = {}
    for utt in tqdm(utterances, desc="features", unit="utt", disable=not progress):
        path = folder / f"{utt.utt_id}.npy"
        if path.exists():
            feats = np.load(path)
        else:
            with torch.inference_mode():
                feats = engine.encode(utt.audio()).astype(np.float16)
            tmp = path.with_suffix(".tmp.npy")
            np.save(tmp, feats)
            tmp.replace(path)
        out[utt.utt_id] = feats[: utt.num_frames]
    return out
