"""Talking-face video: the audio track and the real inner-lip aperture per frame.

The audio track is decoded with PyAV and brought to 16 kHz mono; each video frame goes through dlib's
68-point landmarks (:func:`postfx.blink.landmarks.face_landmarks`, the blink detector's). Frames without a
face are NaN. The aperture is resampled to the animation's 60 fps on the audio's clock: each video frame sits at its
presentation time minus the audio stream's start time (variable frame rates, as in ``face_1.mp4``, are
followed frame by frame).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.constants import FPS, frame_count
from model.errors import InputError
from postfx.blink.landmarks import INSTALL_HINT, face_landmarks
from server.runtime.audio_io import to_model_rate
from training.realref.aperture import inner_lip_aperture
from training.realref.lag import resample_times

log = logging.getLogger(__name__)


@dataclass
class TalkingFace:
    """audio: 16 kHz mono float32; aperture: ``(T,)`` at 60 fps on the audio's clock (NaN = no face);
    aperture_video: per video frame; video_fps: mean frame rate; offset_s: first video frame's time minus the
    audio start."""

    name: str
    audio: np.ndarray
    aperture: np.ndarray
    aperture_video: np.ndarray
    video_fps: float
    offset_s: float

    @property
    def face_share(self) -> float:
        return float(np.mean(np.isfinite(self.aperture_video)))


def _open(path: Path):
    try:
        import av
    except ImportError:
        raise InputError(f"video decoding needs PyAV: {INSTALL_HINT}") from None
    if not path.is_file():
        raise InputError(f"video not found: {path}")
    try:
        return av.open(str(path))
    except av.error.FFmpegError as exc:
        raise InputError(f"cannot open video {path}: {exc}") from None


def _start_s(stream) -> float:
    return float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0


def audio_track(path: str | Path) -> tuple[np.ndarray, float]:
    """``(16 kHz mono float32 audio, start time in s)`` of a video's first audio stream."""
    p = Path(path)
    with _open(p) as container:
        if not container.streams.audio:
            raise InputError(f"{p} has no audio stream")
        stream = container.streams.audio[0]
        chunks, rate = [], stream.rate
        for frame in container.decode(stream):
            x = frame.to_ndarray()  # (channels, n) planar or (1, n * channels) packed
            if frame.format.is_planar:
                chunks.append(x.T)
            else:
                chunks.append(x.reshape(-1, len(frame.layout.channels)))
        if not chunks:
            raise InputError(f"{p}: the audio stream has no samples")
        samples = np.concatenate(chunks).astype(np.float32)
        if np.issubdtype(chunks[0].dtype, np.integer):
            samples /= float(np.iinfo(chunks[0].dtype).max)
        return to_model_rate(samples, rate), _start_s(stream)


def video_landmarks(path: str | Path, max_width: int = 640) -> tuple[np.ndarray, np.ndarray]:
    """``((N, 68, 2) landmarks (NaN = no face), (N,) presentation times in s)`` of a video's first video stream
    (each frame downscaled to ``max_width`` for speed)."""
    p = Path(path)
    with _open(p) as container:
        if not container.streams.video:
            raise InputError(f"{p} has no video stream")
        stream = container.streams.video[0]
        out, times = [], []
        for frame in container.decode(stream):
            scale = min(1.0, max_width / frame.width)
            img = frame.to_ndarray(format="gray", width=int(frame.width * scale), height=int(frame.height * scale))
            pts = face_landmarks(img)
            out.append(pts if pts is not None else np.full((68, 2), np.nan))
            times.append(frame.time)
        if not out:
            raise InputError(f"{p} has no decodable frames")
        if any(t is None for t in times) or np.any(np.diff(times) <= 0):
            raise InputError(f"{p}: video frames without increasing timestamps")
        return np.stack(out), np.array(times, np.float64)


def read_talking_face(path: str | Path) -> TalkingFace:
    """Audio and 60 fps inner-lip aperture of one talking-face video."""
    p = Path(path)
    audio, audio_start = audio_track(p)
    landmarks, times = video_landmarks(p)
    per_frame = inner_lip_aperture(landmarks)
    times = times - audio_start
    fps = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else float("nan")
    offset = float(times[0])
    aperture = resample_times(per_frame, times, frame_count(len(audio)), FPS)
    log.info("%s: %d video frames at %.3f fps, face in %d, video-audio offset %.3f s", p.name, len(per_frame), fps,
             int(np.isfinite(per_frame).sum()), offset)
    return TalkingFace(p.stem, audio, aperture, per_frame, fps, offset)


def read_folder(folder: str | Path) -> list[TalkingFace]:
    """Every ``*.mp4`` of a folder, sorted by name."""
    paths = sorted(Path(folder).glob("*.mp4"))
    if not paths:
        raise InputError(f"{folder} has no .mp4 files")
    return [read_talking_face(p) for p in paths]
