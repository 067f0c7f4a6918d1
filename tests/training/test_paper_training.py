"""Training the `paper` configuration: wav2vec2 with its CNN frozen and cached, the rest trained."""
import numpy as np
import pytest
import soundfile as sf
import torch

from emoface_testing import speechlike
from model.checkpoint import load_model
from model.config import EmoFaceConfig
from model.errors import InputError
from model.network import EmoFace
from training.phones import PhoneSpan, save_alignment
from training.train import TrainConfig, build_model, train

TINY_PAPER = {"audio_width": 32, "audio_layers": 2, "audio_heads": 2, "audio_ffn": 64, "d_model": 32,
              "num_layers": 1, "num_heads": 2, "ffn_dim": 64, "emotion_embed_dim": 16, "window_s": 4.0,
              "overlap_s": 1.0}


def _write_corpus(root, n=4):
    """A corpus-factory folder of speech-like clips with plausible phone spans."""
    import json

    root.mkdir()
    lines = []
    for k in range(n):
        uid, split = f"utt{k:05d}", "val" if k == 0 else "train"
        audio = speechlike(1.5, seed=k)
        sf.write(root / f"{uid}.wav", audio, 16000, subtype="PCM_16")
        phones = ["SIL", "M", "AA", "P", "IY", "SIL"]
        save_alignment([PhoneSpan(p, i * 0.25, (i + 1) * 0.25) for i, p in enumerate(phones)], root / f"{uid}.phones.json")
        meta = {"id": uid, "text": "ma pea", "voice": "test", "emotion": {"keys": [{"time": 0, "emotion": "happy"}]},
                "split": split, "duration_s": len(audio) / 16000}
        (root / f"{uid}.json").write_text(json.dumps(meta))
        lines.append(json.dumps({"id": uid, "split": split, "duration_s": meta["duration_s"]}))
    (root / "manifest.jsonl").write_text("\n".join(lines) + "\n")
    return root


def test_frozen_stage_plus_rest_equals_the_whole_encoder():
    torch.manual_seed(0)
    model = EmoFace(EmoFaceConfig.paper().replace(**TINY_PAPER)).eval()
    audio = torch.from_numpy(speechlike(1.0)).float()[None]
    w, i = torch.zeros(1, 60, 7), torch.ones(1, 60)
    w[..., 0] = 1
    frozen = model.frozen_features(audio)
    assert frozen.shape == (1, 60, 512)  # the CNN's features, at 60 fps
    assert torch.allclose(model.forward_from_frozen(frozen, w, i), model(audio, w, i), atol=1e-5)


def test_paper_config_trains_its_transformer_with_the_cnn_frozen(tmp_path):
    from transformers import Wav2Vec2Config, Wav2Vec2Model

    hf = Wav2Vec2Model(Wav2Vec2Config(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64))
    hf.save_pretrained(tmp_path / "w2v")
    corpus = _write_corpus(tmp_path / "corpus")
    cfg = TrainConfig(corpus=str(corpus), out=str(tmp_path / "run"), preset="paper", minutes=5, max_steps=4,
                      batch_size=2, crop_frames=60, eval_every=2, variants=1, cache_dir=str(tmp_path / "cache"),
                      encoder_weights=str(tmp_path / "w2v"), model_overrides=TINY_PAPER)
    loaded = load_model(train(cfg), allow_other_encoder=True)
    enc = loaded.model.audio_encoder.model
    cnn = enc.feature_extractor.conv_layers[0].conv.weight
    assert torch.allclose(cnn, hf.feature_extractor.conv_layers[0].conv.weight.half().float())  # frozen
    q = enc.encoder.layers[0].attention.q_proj.weight
    assert not torch.allclose(q, hf.encoder.layers[0].attention.q_proj.weight.half().float())  # trained
    assert loaded.metadata["training"]["steps"] == 4 and loaded.config.audio_encoder == "wav2vec2"
    assert len(list((tmp_path / "cache").glob("*/*.npy"))) == 4  # CNN features cached per utterance
    w = np.zeros((90, 7), np.float32)
    w[:, 0] = 1
    out = loaded.model(torch.from_numpy(speechlike(1.5)).float()[None], torch.from_numpy(w)[None], torch.ones(1, 90))
    assert out.shape == (1, 90, 174) and torch.isfinite(out).all()


def test_untrainable_settings_are_refused(tmp_path):
    with pytest.raises(InputError, match="freeze"):
        build_model(TrainConfig(corpus="c", out="o", preset="small", model_overrides={"freeze_audio_encoder": False}))
    with pytest.raises(InputError, match="training config"):
        build_model(TrainConfig(corpus="c", out="o", model_overrides={"no_such_field": 1}))
