"""The network's shapes, emotion path, attention over time and the reference compatibility switch."""
import numpy as np
import pytest
import torch

from emoface_testing import TINY_CONFIG, make_tiny_model, speechlike
from model.config import EmoFaceConfig
from model.constants import NEUTRAL_INDEX, frame_count
from model.network import EmoFace


def _inputs(n_samples: int, label: int = 3, intensity: float = 1.0):
    t = frame_count(n_samples)
    audio = torch.from_numpy(speechlike(n_samples / 16000))[None]
    w = torch.zeros(1, t, 7)
    w[..., label] = 1.0
    return audio, w, torch.full((1, t), intensity)


@pytest.mark.parametrize("n", [16000, 16001, 24000, 44100])
def test_output_has_one_frame_per_sixtieth_second(n):
    model = make_tiny_model().eval()
    with torch.inference_mode():
        y = model(*_inputs(n))
    assert y.shape == (1, n * 60 // 16000, 174)


def test_output_layer_starts_at_zero():
    model = EmoFace(TINY_CONFIG).eval()
    with torch.inference_mode():
        assert torch.count_nonzero(model(*_inputs(16000))) == 0


def test_intensity_zero_equals_neutral_and_emotion_changes_output():
    model = make_tiny_model().eval()
    audio, happy, zero = _inputs(16000, intensity=0.0)
    neutral = torch.zeros_like(happy)
    neutral[..., NEUTRAL_INDEX] = 1
    with torch.inference_mode():
        a = model(audio, happy, zero)
        b = model(audio, neutral, torch.ones_like(zero))
        c = model(audio, happy, torch.ones_like(zero))
    assert torch.allclose(a, b, atol=1e-6)
    assert (c - b).abs().mean() > 1e-3


def test_attention_runs_over_time():
    """Changing late audio changes early frames (the reference code's per-frame bug would not)."""
    model = make_tiny_model().eval()
    audio, w, i = _inputs(32000)
    with torch.inference_mode():
        feats = model.encode_audio(audio)
        feats2 = feats.clone()
        feats2[:, 90:] = 0  # only the head sees the change
        early = (model.head(feats, w, i)[:, :30] - model.head(feats2, w, i)[:, :30]).abs().max()
    assert early > 1e-4


def test_reference_compat_processes_every_frame_alone():
    cfg = TINY_CONFIG.replace(reference_compat=True)
    model = make_tiny_model(cfg).eval()
    audio, w, i = _inputs(32000)
    with torch.inference_mode():
        feats = model.encode_audio(audio)
        perm = torch.randperm(feats.shape[1], generator=torch.Generator().manual_seed(0))
        out = model.head(feats, w, i)
        out_perm = model.head(feats[:, perm], w[:, perm], i[:, perm])
    assert torch.allclose(out[:, perm], out_perm, atol=1e-5)


def test_paper_config_matches_the_paper():
    cfg = EmoFaceConfig.paper()
    model = EmoFace(cfg)
    assert cfg.audio_encoder == "wav2vec2" and cfg.audio_width == 768 and cfg.audio_layers == 12
    assert model.in_fn.in_features == 768 and model.in_fn.out_features == 512
    assert model.embed.weight.shape == (7, 256)
    assert [type(m).__name__ for m in model.emotion] == ["Linear", "LeakyReLU", "Linear"]
    assert model.emotion[1].negative_slope == 0.2
    assert len(model.encoder.layers) == 10
    layer = model.encoder.layers[0]
    assert layer.self_attn.num_heads == 8 and layer.linear1.out_features == 2048 and layer.self_attn.batch_first
    assert model.out_fn.out_features == 174 and torch.count_nonzero(model.out_fn.weight) == 0
    cnn = model.audio_encoder.model.feature_extractor
    assert not any(p.requires_grad for p in cnn.parameters())
    assert any(p.requires_grad for p in model.audio_encoder.model.encoder.parameters())


@pytest.mark.slow
def test_paper_model_forward_on_one_second():
    model = EmoFace(EmoFaceConfig.paper()).eval()
    with torch.inference_mode():
        y = model(*_inputs(16000))
    assert y.shape == (1, 60, 174)


def test_small_config_freezes_the_pretrained_encoder():
    cfg = EmoFaceConfig.small()
    model = EmoFace(cfg)
    assert cfg.audio_encoder == "whisper" and cfg.audio_width == 384 and cfg.audio_layers == 4
    assert not any(p.requires_grad for p in model.audio_encoder.parameters())
    assert all(p.requires_grad for p in model.encoder.parameters())


def test_whisper_encoder_accepts_short_input_and_rejects_over_30_s():
    model = make_tiny_model().eval()
    with torch.inference_mode():
        assert model.encode_audio(torch.zeros(1, 1000)).shape == (1, 3, 64)
        with pytest.raises(ValueError, match="exceeds"):
            model.encode_audio(torch.zeros(1, 16000 * 31))


@pytest.mark.parametrize("compat", [False, True])
def test_head_rows_equal_the_same_rows_of_the_whole_window(compat):
    """A stream step keeps a few frames of its window: computing only those in the last layer gives the
    values the whole window has there (every frame is still attended to)."""
    from dataclasses import replace

    model = make_tiny_model(replace(TINY_CONFIG, reference_compat=compat)).eval()
    g = torch.Generator().manual_seed(0)
    feats = torch.randn(3, 40, TINY_CONFIG.audio_width, generator=g)
    weights = torch.softmax(torch.randn(3, 40, 7, generator=g), -1)
    intensity = torch.rand(3, 40, generator=g)
    with torch.no_grad():
        whole = model.head(feats, weights, intensity)
        part = model.head(feats, weights, intensity, rows=slice(30, 36))
        changed = feats.clone()
        changed[:, 0] += 1.0  # a frame outside the rows: the rows see it unless each frame is alone
        part_changed = model.head(changed, weights, intensity, rows=slice(30, 36))
    assert part.shape == (3, 6, 174)
    torch.testing.assert_close(part, whole[:, 30:36], atol=1e-5, rtol=1e-5)
    assert torch.equal(part_changed, part) == compat
