"""The plain-PyTorch Whisper encoder is the transformers one, parameter for parameter and output for output."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from model.whisper import WhisperEncoder, mel_filters


def test_mel_filters_equal_the_transformers_filter_bank():
    from transformers.audio_utils import mel_filter_bank

    for n_mels in (80, 128):
        ref = mel_filter_bank(num_frequency_bins=201, num_mel_filters=n_mels, min_frequency=0.0, max_frequency=8000,
                              sampling_rate=16000, norm="slaney", mel_scale="slaney")
        np.testing.assert_allclose(mel_filters(n_mels, 400, 16000), ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("width,layers,heads,ffn", [(64, 2, 2, 128), (384, 1, 6, 1536)])
def test_encoder_matches_transformers_whisper_encoder(width, layers, heads, ffn):
    from transformers import WhisperConfig
    from transformers.models.whisper.modeling_whisper import WhisperEncoder as HFWhisperEncoder

    cfg = WhisperConfig(d_model=width, encoder_layers=layers, encoder_attention_heads=heads, encoder_ffn_dim=ffn,
                        num_mel_bins=80, max_source_positions=1500, decoder_layers=1, decoder_attention_heads=heads,
                        dropout=0.0)
    cfg._attn_implementation = "sdpa"
    ref = HFWhisperEncoder(cfg).eval()
    ours = WhisperEncoder(80, width, layers, heads, ffn, 1500).eval()
    assert set(ours.state_dict()) == set(ref.state_dict())
    assert torch.equal(ours.embed_positions.weight, ref.embed_positions.weight)  # the same fixed sinusoids
    assert [n for n, p in ours.named_parameters() if not p.requires_grad] == ["embed_positions.weight"]
    ours.load_state_dict(ref.state_dict())
    h = torch.randn(2, 37, width, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected, got = h, h
        for ref_layer, layer in zip(ref.layers, ours.layers):
            expected, got = ref_layer(expected, None), layer(got)
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-6)


def test_whisper_models_run_without_importing_transformers(tmp_path, tiny_checkpoint):
    import subprocess
    import sys

    code = ("import sys, numpy as np\n"
            "from server.runtime.pipeline import Pipeline\n"
            "from model.emotion import EmotionTrack\n"
            f"Pipeline.load({str(tiny_checkpoint)!r}).animate(np.zeros(16000, np.float32), EmotionTrack.parse('sad'))\n"
            "print(sorted(m for m in ('transformers', 'sympy', 'scipy.signal') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
