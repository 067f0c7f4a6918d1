"""Animations (+ audio) -> a preview MP4: one face, or labelled faces side by side.

:func:`write_preview` is the one entry point the CLI and other code use; it resamples every
animation to the output rate, renders each frame with :class:`FaceRenderer` and streams the
frames into :class:`VideoWriter`.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model.constants import EMOTIONS, SAMPLE_RATE_HZ
from model.emotion import EmotionTrack
from model.errors import InputError
from model.files import atomic_path
from server.preview.face_params import FaceParams
from server.preview.render import FaceRenderer, PanelCanvas, RenderOptions
from server.preview.video import VideoOptions, VideoWriter
from server.runtime.animation import Animation

log = logging.getLogger(__name__)

MAX_PANELS = 4


@dataclass(frozen=True)
class PreviewOptions:
    """fps: output frame rate (None = the first animation's rate).
    render: face panel size, anti-aliasing and caption (see :class:`RenderOptions`).
    video: encoder settings (see :class:`VideoOptions`)."""

    fps: float | None = None
    render: RenderOptions = field(default_factory=RenderOptions)
    video: VideoOptions = field(default_factory=VideoOptions)


@dataclass(frozen=True)
class PreviewStats:
    """What was written: frame count, rate, duration, pixel size, wall time and the real-time factor
    (video duration / wall time; > 1 means faster than real time)."""

    path: Path
    num_frames: int
    fps: float
    duration_s: float
    width_px: int
    height_px: int
    wall_s: float

    @property
    def render_fps(self) -> float:
        return self.num_frames / self.wall_s if self.wall_s > 0 else float("inf")

    @property
    def realtime_factor(self) -> float:
        return self.duration_s / self.wall_s if self.wall_s > 0 else float("inf")


def resample_frames(frames: np.ndarray, from_fps: float, to_fps: float) -> np.ndarray:
    """``(T, C)`` at ``from_fps`` -> ``(floor(T * to / from), C)`` at ``to_fps`` (linear in time)."""
    frames = np.asarray(frames, dtype=np.float32)
    if abs(from_fps - to_fps) < 1e-9 or len(frames) == 0:
        return frames
    n_out = int(np.floor(len(frames) * to_fps / from_fps + 1e-9))
    src = np.arange(n_out) * (from_fps / to_fps)
    i0 = np.clip(np.floor(src).astype(int), 0, len(frames) - 1)
    i1 = np.clip(i0 + 1, 0, len(frames) - 1)
    w = (src - i0)[:, None].astype(np.float32)
    return frames[i0] * (1 - w) + frames[i1] * w


def emotion_captions(anim: Animation, num_frames: int, fps: float) -> list[str]:
    """Per-frame caption: time and the dominant emotion with its intensity (when the track is known)."""
    times = [f"{i / fps:6.2f} s" for i in range(num_frames)]
    if not anim.emotion:
        return times
    try:
        weights, intensity = EmotionTrack.from_obj(anim.emotion).at_frames(num_frames, fps)
    except InputError as exc:
        log.warning("ignoring the animation's emotion track: %s", exc)
        return times
    labels = [f"{EMOTIONS[int(k)]} {float(a):.2f}" for k, a in zip(np.argmax(weights, axis=1), intensity)]
    return [f"{t}   {lab}" for t, lab in zip(times, labels)]


def _fit_length(frames: np.ndarray, n: int) -> np.ndarray:
    """Cut or hold the last frame so that there are exactly ``n`` frames."""
    if len(frames) >= n:
        return frames[:n]
    pad = frames[-1:] if len(frames) else np.zeros((1, frames.shape[1]), np.float32)
    return np.concatenate([frames, np.repeat(pad, n - len(frames), axis=0)])


def _panel_params(animations: list[Animation], fps: float) -> tuple[list[FaceParams], int]:
    """Drawing parameters of each animation at ``fps``, all cut/held to the first one's length."""
    if not 1 <= len(animations) <= MAX_PANELS:
        raise InputError(f"preview takes 1 to {MAX_PANELS} animations, got {len(animations)}")
    if not 1 <= fps <= 240:
        raise InputError(f"frame rate must be 1..240 fps, got {fps:g}")
    for a in animations:
        if not (np.isfinite(a.fps) and a.fps > 0):
            raise InputError(f"the animation's frame rate must be a positive number, got {a.fps}")
        bad = np.argwhere(~np.isfinite(a.frames))
        if len(bad):
            t, c = bad[0]
            raise InputError(f"the animation has NaN or infinite values ({len(bad)} in all, first at frame {t}, "
                             f"control {a.controls[c]}); re-export it")
    tracks = [resample_frames(a.full(), a.fps, fps) for a in animations]
    n = len(tracks[0])
    if n == 0:
        raise InputError("the animation has no frames; nothing to preview")
    for i, tr in enumerate(tracks[1:], start=1):
        if abs(len(tr) - n) > max(2, 0.05 * n):
            log.warning("animation %d has %d frames, the first has %d; holding/cutting to %d", i + 1, len(tr), n, n)
    return [FaceParams.from_frames(_fit_length(tr, n)) for tr in tracks], n


def write_still(path: str | Path, animations: list[Animation], time_s: float, labels: list[str] | None = None,
                render: RenderOptions = RenderOptions()) -> Path:
    """One frame (the one shown at ``time_s``) of 1..4 animations side by side, as a PNG/JPEG image."""
    from PIL import Image

    if Path(path).suffix.lower() not in (".png", ".jpg", ".jpeg"):
        raise InputError(f"a still must be a .png or .jpg file, got {Path(path).name!r}")
    if labels is not None and len(labels) != len(animations):
        raise InputError(f"got {len(labels)} labels for {len(animations)} animations; give one label each")
    fps = float(animations[0].fps) if animations else 1.0
    params, n = _panel_params(animations, fps)
    t = int(np.floor(time_s * fps + 1e-9))
    if not 0 <= t < n:
        raise InputError(f"--at {time_s:g} s is outside the animation (0 to {n / fps:.2f} s)")
    renderers = [FaceRenderer(render) for _ in animations]  # each panel needs its own frame buffer
    canvas = PanelCanvas(render.size_px, len(animations), labels)
    raw = canvas.compose([r.render_image(p, t, emotion_captions(a, n, fps)[t])
                          for r, p, a in zip(renderers, params, animations)])
    with atomic_path(path) as tmp:
        Image.frombytes("RGB", canvas.size, raw).save(tmp, format="PNG" if Path(path).suffix.lower() == ".png"
                                                      else "JPEG")
    return Path(path)


def write_preview(path: str | Path, animations: list[Animation], audio: np.ndarray | None = None,
                  labels: list[str] | None = None, options: PreviewOptions = PreviewOptions(),
                  audio_rate_hz: int = SAMPLE_RATE_HZ) -> PreviewStats:
    """Render ``animations`` (1..4, side by side) to an MP4 at ``path``.

    audio: float32 ``(n,)`` or ``(n, channels)`` at ``audio_rate_hz`` to mux in (cut or padded to the
    video length; its rate and channels are kept), or None.
    labels: one label per animation, drawn above the panels (required when comparing).
    The video has as many frames as the first animation at the output rate.
    """
    if labels is not None and len(labels) != len(animations):
        raise InputError(f"got {len(labels)} labels for {len(animations)} animations; give one label each")
    fps = float(options.fps or (animations[0].fps if animations else 0))
    params, n = _panel_params(animations, fps)
    captions = [emotion_captions(a, n, fps) for a in animations]
    renderers = [FaceRenderer(options.render) for _ in animations]  # each panel needs its own frame buffer
    canvas = PanelCanvas(options.render.size_px, len(animations), labels)
    width, height = canvas.size
    start = time.perf_counter()
    with VideoWriter(path, width, height, fps, n, audio, audio_rate_hz, options.video) as video:
        for t in range(n):
            video.write(canvas.compose([r.render_image(p, t, cap[t])
                                        for r, p, cap in zip(renderers, params, captions)]))
    stats = PreviewStats(Path(path), n, fps, n / fps, width, height, time.perf_counter() - start)
    log.info("wrote %s: %d frames at %g fps in %.2f s (%.1f fps, %.2fx real time)", path, n, fps, stats.wall_s,
             stats.render_fps, stats.realtime_factor)
    return stats
