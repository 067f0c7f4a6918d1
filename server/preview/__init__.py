"""Preview without Unreal: a front-view face drawn from the 174 controls, rendered to MP4
with the audio muxed in (``emoface preview``), and curve plots (``emoface plot``).

Public API:
- :class:`FaceParams` (controls -> drawing parameters), :class:`FaceRenderer` / :class:`RenderOptions`
  (one frame -> RGB array), :func:`write_preview` / :class:`PreviewOptions` (animations -> MP4),
  :func:`write_still` (one frame -> PNG),
  :func:`plot_animation` / :class:`PlotOptions` (animation -> PNG/SVG/PDF curves; imports matplotlib lazily).
"""
from __future__ import annotations

from server.preview.face_params import FaceParams, pose
from server.preview.movie import PreviewOptions, PreviewStats, resample_frames, write_preview, write_still
from server.preview.plot import PlotOptions, plot_animation
from server.preview.render import FaceRenderer, RenderOptions
from server.preview.video import VideoOptions, VideoWriter

__all__ = ["FaceParams", "FaceRenderer", "PlotOptions", "PreviewOptions", "PreviewStats", "RenderOptions",
           "VideoOptions", "VideoWriter", "plot_animation", "pose", "resample_frames", "write_preview", "write_still"]
