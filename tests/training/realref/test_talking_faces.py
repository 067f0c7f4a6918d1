"""Talking-face reader on a generated mp4: audio track at 16 kHz, aperture at 60 fps, no face -> NaN."""
from __future__ import annotations

import numpy as np
import pytest

av = pytest.importorskip("av")


def write_mp4(path, seconds: float = 1.0, fps: int = 25, rate: int = 44100) -> np.ndarray:
    container = av.open(str(path), "w")
    video = container.add_stream("mpeg4", rate=fps)
    video.width, video.height, video.pix_fmt = 64, 64, "yuv420p"
    audio = container.add_stream("aac", rate=rate)
    audio.layout = "mono"
    t = np.arange(int(seconds * rate)) / rate
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    for k in range(int(seconds * fps)):
        frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), k * 5 % 255, np.uint8), format="rgb24")
        for packet in video.encode(frame):
            container.mux(packet)
    for start in range(0, len(tone), 1024):
        frame = av.AudioFrame.from_ndarray(tone[None, start : start + 1024], format="fltp", layout="mono")
        frame.sample_rate = rate
        for packet in audio.encode(frame):
            container.mux(packet)
    for stream in (video, audio):
        for packet in stream.encode(None):
            container.mux(packet)
    container.close()
    return tone


@pytest.mark.slow
def test_reads_audio_and_marks_faceless_frames_nan(tmp_path):
    pytest.importorskip("dlib")
    from training.realref.talking_faces import audio_track, read_talking_face

    write_mp4(tmp_path / "clip.mp4")
    audio, start = audio_track(tmp_path / "clip.mp4")
    assert abs(len(audio) - 16000) < 1600 and start >= 0
    assert np.sqrt(np.mean(audio[2000:14000] ** 2)) == pytest.approx(0.3 / np.sqrt(2), rel=0.1)
    face = read_talking_face(tmp_path / "clip.mp4")
    assert len(face.aperture) == len(audio) * 60 // 16000
    assert len(face.aperture_video) == 25 and face.face_share == 0.0
    assert np.all(np.isnan(face.aperture))
