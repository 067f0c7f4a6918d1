"""Write RGB frames to an H.264 MP4 with ffmpeg, audio muxed in sync.

Frames are piped raw (``rgb24``) into the ffmpeg binary shipped by ``imageio-ffmpeg``, so
encoding runs in its own process alongside the Python renderer. The audio track is cut or
padded with silence to exactly the video's duration, so frame ``i`` is shown while audio
sample ``i / fps * sample_rate`` plays.
"""
from __future__ import annotations

import logging
import subprocess
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import soundfile as sf

from model.constants import SAMPLE_RATE_HZ
from model.errors import InputError

log = logging.getLogger(__name__)


class VideoError(RuntimeError):
    """ffmpeg failed (not a user input problem)."""


@dataclass(frozen=True)
class VideoOptions:
    """crf: x264 quality (lower = better/larger; 18-28 typical).
    preset: x264 speed preset (``ultrafast`` .. ``veryslow``).
    audio_bitrate: AAC bitrate for the muxed audio, e.g. ``"128k"``."""

    crf: int = 20
    preset: str = "veryfast"
    audio_bitrate: str = "128k"


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary (from ``imageio-ffmpeg``)."""
    try:
        import imageio_ffmpeg
    except ImportError:
        raise ModuleNotFoundError("preview needs imageio-ffmpeg: pip install 'emoface-bridge[preview]'",
                                  name="imageio_ffmpeg") from None
    return imageio_ffmpeg.get_ffmpeg_exe()


def fit_audio(audio: np.ndarray, duration_s: float, sample_rate_hz: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """Mono ``(n,)`` or multichannel ``(n, channels)`` float32 cut or zero-padded to
    ``round(duration_s * sample_rate_hz)`` samples."""
    n = int(round(duration_s * sample_rate_hz))
    audio = np.asarray(audio, dtype=np.float32)
    audio = audio.reshape(-1) if audio.ndim < 2 else audio
    audio = audio[:n]
    return np.pad(audio, [(0, n - len(audio))] + [(0, 0)] * (audio.ndim - 1))


class VideoWriter:
    """Context manager: ``with VideoWriter(path, w, h, fps, n) as v: v.write(frame)`` for each frame.

    path: output ``.mp4`` (written to a temporary name and renamed on success).
    width_px, height_px: frame size (even numbers, as H.264 4:2:0 needs).
    fps: frame rate; num_frames: the number of frames that will be written (fixes the audio length).
    audio: optional float32 ``(n,)`` or ``(n, channels)`` at ``sample_rate_hz`` to mux in; the video
    keeps its rate and channels (AAC).
    """

    def __init__(self, path: str | Path, width_px: int, height_px: int, fps: float, num_frames: int,
                 audio: np.ndarray | None = None, sample_rate_hz: int = SAMPLE_RATE_HZ,
                 options: VideoOptions = VideoOptions()):
        if width_px % 2 or height_px % 2:
            raise ValueError(f"frame size must be even, got {width_px}x{height_px}")
        if Path(path).suffix.lower() != ".mp4":
            raise InputError(f"preview output must be an .mp4 file, got {Path(path).name!r}")
        self.path = Path(path)
        self.size = (int(width_px), int(height_px))
        self.fps = fps
        self.num_frames = num_frames
        self.audio = audio
        self.sample_rate_hz = sample_rate_hz
        self.options = options
        self.frames_written = 0
        self._proc: subprocess.Popen | None = None
        self._tmpdir: tempfile.TemporaryDirectory | None = None

    def _command(self, audio_path: Path | None, out_path: Path) -> list[str]:
        rate = str(Fraction(self.fps).limit_denominator(1001))
        cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
               "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{self.size[0]}x{self.size[1]}", "-r", rate, "-i", "-"]
        if audio_path is not None:
            cmd += ["-i", str(audio_path), "-map", "0:v:0", "-map", "1:a:0", "-c:a", "aac",
                    "-b:a", self.options.audio_bitrate]
        cmd += ["-c:v", "libx264", "-preset", self.options.preset, "-crf", str(self.options.crf),
                "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4", str(out_path)]
        return cmd

    def __enter__(self) -> VideoWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmpdir = tempfile.TemporaryDirectory(prefix=".preview-", dir=self.path.parent)
        tmp = Path(self._tmpdir.name)
        audio_path = None
        if self.audio is not None:
            audio_path = tmp / "audio.wav"
            sf.write(audio_path, fit_audio(self.audio, self.num_frames / self.fps, self.sample_rate_hz),
                     self.sample_rate_hz, subtype="PCM_16")
        self._out = tmp / "video.mp4"
        self._log = open(tmp / "ffmpeg.log", "w+b")
        cmd = self._command(audio_path, self._out)
        log.debug("ffmpeg: %s", " ".join(cmd))
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._log)
        return self

    def write(self, frame: np.ndarray | bytes) -> None:
        """One frame: ``(height, width, 3)`` uint8 RGB, or the same as raw ``rgb24`` bytes."""
        if isinstance(frame, bytes):
            data = frame
            if len(data) != self.size[0] * self.size[1] * 3:
                raise ValueError(f"raw frame must be {self.size[0] * self.size[1] * 3} bytes, got {len(data)}")
        else:
            frame = np.ascontiguousarray(frame, dtype=np.uint8)
            if frame.shape != (self.size[1], self.size[0], 3):
                raise ValueError(f"frame must be {(self.size[1], self.size[0], 3)}, got {frame.shape}")
            data = frame.tobytes()
        assert self._proc is not None and self._proc.stdin is not None
        try:
            self._proc.stdin.write(data)
        except BrokenPipeError:
            raise VideoError(f"ffmpeg stopped early: {self._ffmpeg_message()}") from None
        self.frames_written += 1

    def _ffmpeg_message(self) -> str:
        self._log.seek(0)
        text = self._log.read().decode(errors="replace").strip()
        return text.splitlines()[-1] if text else "(no message)"

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self._proc is not None and self._tmpdir is not None
        try:
            if self._proc.stdin:
                try:
                    self._proc.stdin.close()
                except BrokenPipeError:
                    pass
            if exc_type is not None:
                self._proc.kill()
                self._proc.wait()
                return
            code = self._proc.wait()
            if code != 0:
                raise VideoError(f"ffmpeg failed (exit {code}): {self._ffmpeg_message()}")
            if self.frames_written != self.num_frames:
                log.warning("wrote %d frames, expected %d", self.frames_written, self.num_frames)
            self._out.replace(self.path)
        finally:
            self._log.close()
            self._tmpdir.cleanup()
