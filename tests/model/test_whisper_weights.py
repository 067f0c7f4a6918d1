"""The packaged Whisper tiny.en encoder: file hash, conversion, and agreement with CTranslate2."""
import numpy as np
import pytest
import torch

from model.audio_encoders import WhisperAudioEncoder
from model.config import EmoFaceConfig
from model.ct2_whisper import TINY_EN_SHA256, ct2_dims, packaged_encoder_state, packaged_model_dir, read_ct2_variables
from model.errors import CheckpointError


def test_packaged_weights_are_the_verified_file():
    state, sha = packaged_encoder_state()
    assert sha == TINY_EN_SHA256
    assert ct2_dims(packaged_model_dir()) == {"width": 384, "layers": 4, "heads": 6, "n_mels": 80, "positions": 1500}
    assert state["layers.3.fc1.weight"].shape == (1536, 384) and state["conv1.weight"].dtype == torch.float32


def test_reader_refuses_other_files(tmp_path):
    bad = tmp_path / "model.bin"
    bad.write_bytes((5).to_bytes(4, "little") + b"\x00" * 16)
    with pytest.raises(CheckpointError, match="version 5"):
        read_ct2_variables(bad)


def test_converted_encoder_matches_ctranslate2():
    ctranslate2 = pytest.importorskip("ctranslate2", reason="ctranslate2 is a dev dependency")
    enc = WhisperAudioEncoder(EmoFaceConfig.small()).eval()
    enc.model.load_state_dict(packaged_encoder_state()[0])
    audio = torch.from_numpy(np.random.default_rng(0).normal(0, 0.05, 480_000).astype(np.float32))[None]
    with torch.inference_mode():
        mel = enc.log_mel(audio)  # (1, 80, 3000): a full 30 s window, as CTranslate2 expects
        m = enc.model
        h = torch.nn.functional.gelu(m.conv2(torch.nn.functional.gelu(m.conv1(mel)))).transpose(1, 2)
        h = h + m.embed_positions.weight
        for layer in m.layers:
            h = layer(h)
        ours = m.layer_norm(h).numpy()
    ct = ctranslate2.models.Whisper(str(packaged_model_dir()), device="cpu", compute_type="float32")
    theirs = np.array(ct.encode(ctranslate2.StorageView.from_array(np.ascontiguousarray(mel.numpy())), to_cpu=True))
    assert theirs.shape == ours.shape == (1, 1500, 384)
    assert np.abs(theirs - ours).max() < 0.02
    assert np.abs(theirs - ours).mean() < 1e-3
