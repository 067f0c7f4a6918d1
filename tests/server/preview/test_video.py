"""Preview MP4s probed with PyAV: frame count, duration, audio stream, and frames that follow the controls."""
import av
import numpy as np
import pytest

from model.constants import FPS
from model.errors import InputError
from model.rig import rig
from server.preview.face_params import neutral_frames
from server.preview.movie import PreviewOptions, emotion_captions, write_preview, write_still
from server.preview.render import RenderOptions
from server.preview.video import VideoWriter, fit_audio
from server.runtime.animation import Animation

SMALL = RenderOptions(size_px=160)


def probe(path):
    """(video frames decoded, video duration s, width, height, audio duration s or None)."""
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        a = c.streams.audio[0] if c.streams.audio else None
        v_dur = float(v.duration * v.time_base)
        a_dur = float(a.duration * a.time_base) if a is not None else None
        n = sum(1 for _ in c.decode(video=0))
        return n, v_dur, v.codec_context.width, v.codec_context.height, a_dur


def decoded_frames(path):
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def test_video_has_frames_duration_and_audio(tmp_path, talking_anim, tone):
    out = tmp_path / "line.mp4"
    stats = write_preview(out, [talking_anim], tone, options=PreviewOptions(render=SMALL))
    n, v_dur, w, h, a_dur = probe(out)
    assert (n, w, h) == (90, 160, 160) and stats.num_frames == 90
    assert v_dur == pytest.approx(1.5, abs=1 / FPS)
    assert a_dur == pytest.approx(1.5, abs=0.05)  # AAC frames are 1024 samples
    assert stats.realtime_factor > 0 and not list(tmp_path.glob(".preview-*"))  # temporary files removed


def test_audio_is_cut_to_the_video_and_chosen_rate(tmp_path, talking_anim, tone):
    long_audio = np.concatenate([tone, tone])  # 3 s of audio for 1.5 s of animation
    out = tmp_path / "line30.mp4"
    write_preview(out, [talking_anim], long_audio, options=PreviewOptions(fps=30, render=SMALL))
    n, v_dur, _, _, a_dur = probe(out)
    assert n == 45 and v_dur == pytest.approx(1.5, abs=1 / 30)
    assert a_dur == pytest.approx(1.5, abs=0.05)


def test_no_audio_means_no_audio_stream(tmp_path, talking_anim):
    out = tmp_path / "silent.mp4"
    write_preview(out, [talking_anim], None, options=PreviewOptions(render=SMALL))
    assert probe(out)[4] is None


def test_encoded_frames_follow_the_jaw(tmp_path):
    """Closed mouth for 30 frames, open jaw for 30: the decoded video differs in the mouth region only."""
    full = neutral_frames(60)
    full[30:, rig().index("CTRL_C_jaw.ty")] = 0.8
    out = tmp_path / "jaw.mp4"
    write_preview(out, [Animation(full)], None, options=PreviewOptions(render=RenderOptions(160, caption=False)))
    frames = decoded_frames(out)
    assert len(frames) == 60
    s = 160 / 1000
    mouth = lambda f: f[int(640 * s):int(820 * s), int(380 * s):int(620 * s)].astype(int)  # noqa: E731
    eyes = lambda f: f[int(380 * s):int(470 * s), int(340 * s):int(660 * s)].astype(int)  # noqa: E731
    assert np.abs(mouth(frames[10]) - mouth(frames[50])).mean() > 10
    assert np.abs(mouth(frames[5]) - mouth(frames[20])).mean() < 2  # same pose, only codec noise
    assert np.abs(eyes(frames[10]) - eyes(frames[50])).mean() < 2


def test_side_by_side_is_labelled_and_twice_as_wide(tmp_path, talking_anim, tone):
    other = Animation(talking_anim.frames * 0.5, talking_anim.controls, talking_anim.fps)
    out = tmp_path / "cmp.mp4"
    write_preview(out, [talking_anim, other], tone, ["offline", "stream"], PreviewOptions(render=SMALL))
    n, _, w, h, a_dur = probe(out)
    assert n == 90 and w == 320 and h > 160 and a_dur is not None
    frame = decoded_frames(out)[40]
    left, right = frame[h - 160:, :160].astype(int), frame[h - 160:, 160:].astype(int)
    assert np.abs(left - right).mean() > 0.5  # different animations, different faces
    assert frame[: h - 160].std() > 5  # a header with text


def test_bad_requests_raise_input_errors(tmp_path, talking_anim):
    with pytest.raises(InputError, match="label"):
        write_preview(tmp_path / "x.mp4", [talking_anim, talking_anim], None, ["only one"])
    with pytest.raises(InputError, match=".mp4"):
        write_preview(tmp_path / "x.avi", [talking_anim])
    with pytest.raises(InputError, match="no frames"):
        write_preview(tmp_path / "x.mp4", [Animation(np.zeros((0, 174), np.float32))])
    with pytest.raises(InputError, match="frame rate"):
        write_preview(tmp_path / "x.mp4", [Animation(talking_anim.frames, fps=0.0)], None,
                      options=PreviewOptions(fps=60))
    broken = talking_anim.frames.copy()
    broken[7, 3] = np.nan
    with pytest.raises(InputError, match="NaN .* frame 7"):
        write_preview(tmp_path / "x.mp4", [Animation(broken)])
    assert not (tmp_path / "x.mp4").exists() and not (tmp_path / "x.avi").exists()


def test_writer_rejects_odd_sizes_and_wrong_frames(tmp_path):
    with pytest.raises(ValueError, match="even"):
        VideoWriter(tmp_path / "x.mp4", 161, 160, 60, 1)
    with VideoWriter(tmp_path / "y.mp4", 64, 64, 60, 1) as v:
        with pytest.raises(ValueError, match="frame must be"):
            v.write(np.zeros((32, 64, 3), np.uint8))
        v.write(np.zeros((64, 64, 3), np.uint8))
    assert probe(tmp_path / "y.mp4")[0] == 1


def test_fit_audio_pads_and_cuts():
    x = np.ones(100, np.float32)
    assert fit_audio(x, 0.01, 16000).shape == (160,) and fit_audio(x, 0.01, 16000)[100:].sum() == 0
    assert fit_audio(x, 0.005, 16000).shape == (80,)


def test_emotion_captions_follow_the_track(talking_anim):
    caps = emotion_captions(talking_anim, 90, 60.0)
    assert caps[0].endswith("happy 0.80") and caps[-1].endswith("sad 0.50")
    assert caps[30].split()[0] == "0.50"


def test_still_is_the_frame_shown_at_that_time(tmp_path, talking_anim):
    from PIL import Image

    from server.preview.face_params import FaceParams
    from server.preview.render import FaceRenderer

    out = write_still(tmp_path / "at.png", [talking_anim], 0.5, render=SMALL)
    with Image.open(out) as img:
        still = np.asarray(img.convert("RGB"))
    expected = FaceRenderer(SMALL).render_frame(FaceParams.from_frames(talking_anim.full()), 30,
                                                emotion_captions(talking_anim, 90, 60.0)[30])
    assert np.array_equal(still, expected)
    with pytest.raises(InputError, match="outside"):
        write_still(tmp_path / "late.png", [talking_anim], 2.0)
    with pytest.raises(InputError, match=".png"):
        write_still(tmp_path / "x.gif", [talking_anim], 0.0)


def test_audio_is_in_sync_with_the_frames(tmp_path, talking_anim):
    """A burst at 0.5 s in the input audio is at 0.5 s in the muxed track; both streams start at 0."""
    from model.constants import SAMPLE_RATE_HZ

    audio = np.zeros(int(1.5 * SAMPLE_RATE_HZ), np.float32)
    start = int(0.5 * SAMPLE_RATE_HZ)
    audio[start:start + 1600] = 0.5 * np.sin(2 * np.pi * 440 * np.arange(1600) / SAMPLE_RATE_HZ)
    out = tmp_path / "sync.mp4"
    write_preview(out, [talking_anim], audio, options=PreviewOptions(render=SMALL))
    with av.open(str(out)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        assert v.start_time == 0 and a.start_time == 0
        rate = a.codec_context.sample_rate
        decoded = np.concatenate([f.to_ndarray().reshape(-1) for f in c.decode(audio=0)])
    onset_s = np.argmax(np.abs(decoded) > 0.1) / rate
    assert onset_s == pytest.approx(0.5, abs=0.01)
