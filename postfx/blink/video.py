"""EAR per video frame (PyAV decoding, dlib landmarks). Frames without a face are NaN."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.errors import InputError
from postfx.blink.ear import ear_from_landmarks
from postfx.blink.landmarks import INSTALL_HINT, face_landmarks

log = logging.getLogger(__name__)


@dataclass
class EarSeries:
    """left, right, mean: ``(N,)`` EAR per frame (NaN = no face found); fps: the video's frame rate."""

    left: np.ndarray
    right: np.ndarray
    mean: np.ndarray
    fps: float

    @property
    def face_found(self) -> np.ndarray:
        return ~np.isnan(self.mean)


def ear_from_video(path: str | Path, max_width: int = 640) -> EarSeries:
    """Decode a video and measure EAR in every frame (downscaled to ``max_width`` for speed)."""
    try:
        import av
    except ImportError:
        raise InputError(f"video decoding needs PyAV: {INSTALL_HINT}") from None
    p = Path(path)
    if not p.is_file():
        raise InputError(f"video not found: {p}")
    try:
        container = av.open(str(p))
    except av.error.FFmpegError as exc:
        raise InputError(f"cannot open video {p}: {exc}") from None
    with container:
        if not container.streams.video:
            raise InputError(f"{p} has no video stream")
        stream = container.streams.video[0]
        fps = float(stream.average_rate or stream.guessed_rate or 0)
        if fps <= 0:
            raise InputError(f"{p}: unknown frame rate")
        values = []
        try:
            for frame in container.decode(stream):
                scale = min(1.0, max_width / frame.width)
                img = frame.to_ndarray(format="gray", width=int(frame.width * scale),
                                       height=int(frame.height * scale))
                pts = face_landmarks(img)
                values.append(ear_from_landmarks(pts) if pts is not None else (np.nan, np.nan, np.nan))
        except av.error.FFmpegError as exc:
            raise InputError(f"cannot decode {p}: {exc}") from None
    if not values:
        raise InputError(f"{p} has no decodable frames")
    arr = np.array(values, dtype=np.float64)
    log.info("%s: %d frames at %.3f fps, face in %d", p.name, len(arr), fps, int(np.sum(~np.isnan(arr[:, 2]))))
    return EarSeries(arr[:, 0], arr[:, 1], arr[:, 2], fps)
