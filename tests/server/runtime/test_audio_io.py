"""Decoding real encoded bytes at many rates, channel counts and formats; every failure is an AudioError."""
import numpy as np
import pytest

from emoface_testing import encode_audio, speechlike
from model.constants import SAMPLE_RATE_HZ, frame_count
from server.runtime.audio_io import (AudioError, AudioLimits, StreamResampler, decode_bytes, decode_file, decode_pcm,
                                     resample)


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 44100, 48000])
def test_any_rate_gives_16k_with_the_frame_rule(rate):
    audio = speechlike(2.5, rate)
    out = decode_bytes(encode_audio(audio, rate))
    assert out.dtype == np.float32
    assert len(out) == int(np.floor(len(audio) * 16000 / rate))
    assert frame_count(len(out)) == 150


@pytest.mark.parametrize("fmt,subtype", [("WAV", "PCM_16"), ("WAV", "FLOAT"), ("FLAC", None), ("OGG", "VORBIS")])
def test_formats_decode(fmt, subtype):
    audio = speechlike(1.0, 16000)
    out = decode_bytes(encode_audio(audio, 16000, fmt, subtype))
    assert len(out) == 16000
    if fmt != "OGG":  # lossless formats round-trip closely
        assert np.abs(out - audio).max() < 1e-3


def test_stereo_is_mixed_to_mono():
    left = speechlike(1.0, 22050)
    stereo = np.stack([left, -left * 0 + left], axis=1)
    out = decode_bytes(encode_audio(stereo, 22050))
    mono = decode_bytes(encode_audio(left, 22050))
    assert np.allclose(out, mono, atol=1e-4)


def test_pcm_s16_and_f32():
    audio = speechlike(1.0, 48000)
    s16 = (audio * 32767).astype("<i2").tobytes()
    f32 = audio.astype("<f4").tobytes()
    a, b = decode_pcm(s16, "s16le", 48000, 1), decode_pcm(f32, "f32le", 48000, 1)
    assert len(a) == len(b) == 16000 and np.abs(a - b).max() < 1e-3
    two = np.repeat(audio[:, None], 2, axis=1).astype("<f4").tobytes()
    assert len(decode_pcm(two, "f32le", 48000, 2)) == 16000


@pytest.mark.parametrize("data,match", [
    (b"", "empty"),
    (b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk", "cannot decode"),
    (b"\x00" * 1000, "cannot decode"),
])
def test_bad_bytes(data, match):
    with pytest.raises(AudioError, match=match):
        decode_bytes(data)


def test_unsupported_container_and_limits(tmp_path):
    import soundfile as sf
    import io

    buf = io.BytesIO()
    sf.write(buf, speechlike(0.5, 16000), 16000, format="AIFF")
    with pytest.raises(AudioError, match="unsupported audio container"):
        decode_bytes(buf.getvalue())
    with pytest.raises(AudioError, match="limit is 1 s"):
        decode_bytes(encode_audio(speechlike(2.0), 16000), AudioLimits(max_duration_s=1))
    with pytest.raises(AudioError, match="no samples"):
        decode_bytes(encode_audio(np.zeros(0, np.float32), 16000))
    with pytest.raises(AudioError, match="not found"):
        decode_file(tmp_path / "nope.wav")


@pytest.mark.parametrize("args,match", [
    ((b"\x00" * 3, "s16le", 16000, 1), "multiple"),
    ((b"\x00" * 4, "mp3", 16000, 1), "unsupported PCM"),
    ((b"\x00" * 4, "s16le", 100, 1), "sample rate"),
    ((b"\x00" * 4, "s16le", 16000, 0), "channels"),
    ((np.array([np.nan], "<f4").tobytes(), "f32le", 16000, 1), "NaN"),
])
def test_bad_pcm(args, match):
    with pytest.raises(AudioError, match=match):
        decode_pcm(*args)


@pytest.mark.parametrize("rate_hz", [8000, 16000, 22050, 44100, 48000])
def test_stream_resampler_equals_whole_signal_resampling(rate_hz):
    rng = np.random.default_rng(rate_hz)
    x = rng.standard_normal(int(1.3 * rate_hz)).astype(np.float32)
    r = StreamResampler(rate_hz)
    outs, i = [], 0
    while i < len(x):
        n = int(rng.choice([1, 7, 160, 999, 4410]))
        outs.append(r.push(x[i:i + n]))
        i += n
    outs.append(r.finish())
    y = np.concatenate(outs)
    ref = resample(x, rate_hz, SAMPLE_RATE_HZ)
    assert len(y) == len(ref) == len(x) * SAMPLE_RATE_HZ // rate_hz
    np.testing.assert_allclose(y, ref, atol=1e-5)


def test_stream_resampler_holds_back_at_most_its_filter_margin():
    r = StreamResampler(48000)
    out = r.push(np.zeros(4800, np.float32))  # 0.1 s
    assert 1600 - len(out) <= r.pad  # 16 kHz outputs held back <= margin (1 output per 3 inputs)
    assert len(out) + len(r.finish()) == 1600


@pytest.mark.parametrize("up,down", [(320, 441), (160, 147), (1, 3), (2, 1), (40, 441), (1, 12)])
def test_polyphase_resampling_equals_scipy(up, down):
    from scipy.signal import resample_poly as scipy_resample_poly

    from server.runtime.polyphase import resample_poly

    rng = np.random.default_rng(up * 1000 + down)
    for n in (1, 7, 1000, 22050):
        x = rng.standard_normal(n)
        np.testing.assert_allclose(resample_poly(x, up, down), scipy_resample_poly(x, up, down), rtol=0, atol=1e-12)


def test_decoding_imports_no_scipy_signal(tmp_path):
    import subprocess
    import sys

    wav = tmp_path / "a.wav"
    wav.write_bytes(encode_audio(speechlike(0.5, 22050), 22050))
    code = (f"import sys\nfrom server.runtime.audio_io import decode_file\ndecode_file({str(wav)!r})\n"
            "print('scipy.signal' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "False", done.stderr
