"""`emoface preview` and `emoface plot` as a user runs them (the whole command, in this process), real files."""
import dataclasses

import av
import numpy as np
import pytest

from emoface_testing import emoface, encode_audio, speechlike
from model.constants import SAMPLE_RATE_HZ, frame_count
from server.runtime.formats import FORMATS, read, write


def video_info(path):
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        return (sum(1 for _ in c.decode(video=0)), v.codec_context.width, v.codec_context.height,
                len(c.streams.audio))


@pytest.fixture(scope="module")
def wav(tmp_path_factory):
    path = tmp_path_factory.mktemp("audio") / "line.wav"
    path.write_bytes(encode_audio(speechlike(1.0, 22050), 22050))
    return path


@pytest.fixture
def anim_file(tmp_path, talking_anim):
    return write(talking_anim, tmp_path / "take.json")


@pytest.mark.slow
def test_preview_audio_animates_then_renders_offline_and_streamed(tmp_path, wav, tiny_checkpoint):
    out, saved = tmp_path / "line.mp4", tmp_path / "line.npz"
    proc = emoface("preview", wav, "--emotion", "happy:0.8", "--seed", 3, "--checkpoint", tiny_checkpoint,
                   "--size", 128, "--save-animation", saved, "--compare-stream", "-o", out)
    assert proc.returncode == 0, proc.stderr
    n = frame_count(SAMPLE_RATE_HZ)  # 1 s of audio
    frames, width, height, audio_streams = video_info(out)
    assert (frames, width, audio_streams) == (n, 256, 1) and height > 128  # two labelled panels
    anim = read(saved)
    assert anim.num_frames == n and anim.options["seed"] == 3
    assert f"wrote {n} frames" in proc.stdout and "real time" in proc.stdout



def _audio_stream(path):
    with av.open(str(path)) as c:
        a = c.streams.audio[0]
        return a.rate, a.channels


@pytest.mark.slow
@pytest.mark.parametrize("rate_hz,channels", [(44100, 2), (22050, 1), (8000, 1)])
def test_preview_keeps_the_source_audio_rate_and_channels(tmp_path, anim_file, tiny_checkpoint, rate_hz, channels):
    mono = speechlike(1.0, rate_hz)
    src = tmp_path / "src.wav"
    src.write_bytes(encode_audio(np.stack([mono] * channels, axis=1) if channels > 1 else mono, rate_hz))
    from_audio = emoface("preview", src, "--checkpoint", tiny_checkpoint, "--size", 64, "-o", tmp_path / "a.mp4")
    assert from_audio.returncode == 0, from_audio.stderr
    from_animation = emoface("preview", anim_file, "--audio", src, "--size", 64, "-o", tmp_path / "b.mp4")
    assert from_animation.returncode == 0, from_animation.stderr
    assert _audio_stream(tmp_path / "a.mp4") == _audio_stream(tmp_path / "b.mp4") == (rate_hz, channels)

def test_preview_animation_with_audio_and_compare(tmp_path, anim_file, wav, talking_anim):
    other = write(talking_anim, tmp_path / "other.csv")
    out = tmp_path / "cmp.mp4"
    proc = emoface("preview", anim_file, "--audio", wav, "--compare", other, "--labels", "json,csv",
                   "--size", 96, "--fps", 30, "-o", out)
    assert proc.returncode == 0, proc.stderr
    frames, width, height, audio_streams = video_info(out)
    assert frames == 45 and width == 192 and height > 96 and audio_streams == 1


def test_preview_still_side_by_side(tmp_path, anim_file, talking_anim):
    other = write(talking_anim, tmp_path / "other.txt")
    out = tmp_path / "still.png"
    proc = emoface("preview", anim_file, "--compare", other, "--at", 0.5, "--size", 96, "-o", out)
    assert proc.returncode == 0, proc.stderr
    from PIL import Image
    with Image.open(out) as img:
        assert img.size[0] == 192 and img.size[1] > 96


@pytest.mark.parametrize("fmt", FORMATS)
def test_plot_every_input_format(tmp_path, talking_anim, fmt):
    src = write(talking_anim, tmp_path / f"take.{fmt}")
    out = tmp_path / f"take_{fmt}.png"
    proc = emoface("plot", src, "-o", out, "--groups", "jaw,eye", "--dpi", 40)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes().startswith(b"\x89PNG") and "wrote" in proc.stdout



@pytest.mark.parametrize("blinks,words", [((), "0 blinks marked"), ((30,), "1 blink marked"),
                                          ((30, 90), "2 blinks marked")])
def test_plot_counts_blinks_in_words(tmp_path, talking_anim, blinks, words):
    src = write(dataclasses.replace(talking_anim, blinks=blinks), tmp_path / "take.json")
    proc = emoface("plot", src, "-o", tmp_path / "take.png", "--dpi", 40)
    assert proc.returncode == 0, proc.stderr
    assert f"frames, {words})" in proc.stdout

BAD = [
    (["preview", "{missing}.json", "-o", "{tmp}/a.mp4"], "animation file not found"),
    (["preview", "{anim}", "-o", "{tmp}/a.avi"], ".mp4"),
    (["preview", "{tmp}/notes.docx", "-o", "{tmp}/a.mp4"], "extension"),
    (["preview", "{anim}", "--audio", "{missing}.wav", "-o", "{tmp}/a.mp4"], "audio file not found"),
    (["preview", "{anim}", "--compare", "{anim}", "--labels", "one", "-o", "{tmp}/a.mp4"], "label"),
    (["preview", "{anim}", "--size", "101", "-o", "{tmp}/a.mp4"], "--size"),
    (["preview", "{anim}", "--at", "5", "-o", "{tmp}/a.png"], "outside the animation"),
    (["preview", "{anim}", "--compare-stream", "-o", "{tmp}/a.mp4"], "--compare-stream needs audio"),
    (["preview", "{corrupt}", "-o", "{tmp}/a.mp4"], "cannot read"),
    (["plot", "{anim}", "-o", "{tmp}/a.png", "--groups", "lips"], "unknown control group"),
    (["plot", "{anim}", "-o", "{tmp}/a.png", "--controls", "CTRL_C_nope.ty"], "unknown control"),
    (["plot", "{anim}", "-o", "{tmp}/a.gif"], ".png"),
    (["plot", "{corrupt}", "-o", "{tmp}/a.png"], "cannot read"),
]


@pytest.mark.parametrize("argv,message", BAD, ids=[f"{a[0]}-{m}" for a, m in BAD])
def test_bad_inputs_exit_2_with_one_line(tmp_path, anim_file, argv, message):
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text('{"controls": ["CTRL_C_jaw.ty"], "frames": [[0.1, ')
    (tmp_path / "notes.docx").write_bytes(b"not media")
    fill = {"tmp": tmp_path, "anim": anim_file, "missing": tmp_path / "missing", "corrupt": corrupt}
    proc = emoface(*[a.format(**fill) for a in argv])
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"emoface {argv[0]}: error:") and message in lines[0], proc.stderr
    assert not list(tmp_path.glob("a.*")) and not list(tmp_path.glob(".preview-*"))
