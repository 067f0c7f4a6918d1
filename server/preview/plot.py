"""Animation curves over time, one panel per control group, with emotion keys and blinks marked.

Uses matplotlib's Agg backend (no display needed); matplotlib is imported only when plotting.
Groups with many controls show the most active ones in colour (with a legend) and the rest as
thin grey lines, so a panel stays readable.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.emotion import EmotionTrack
from model.errors import InputError
from model.files import atomic_path
from model.rig import GROUPS, rig
from server.runtime.animation import Animation

log = logging.getLogger(__name__)

IMAGE_FORMATS = ("png", "svg", "pdf")
DEFAULT_GROUPS = ("jaw", "mouth", "eye", "brow")


class PlotError(InputError):
    """A plot request that cannot be drawn (bad output name, nothing to plot)."""


@dataclass(frozen=True)
class PlotOptions:
    """groups: one panel per group (used when ``controls`` is empty; empty = :data:`DEFAULT_GROUPS`).
    controls: control names for one extra panel "selected controls" (any name form).
    max_legend: controls drawn in colour with a legend per panel (the most active); the rest grey.
    width_in, panel_height_in, dpi: figure size in inches and resolution.
    title: figure title (None = none)."""

    groups: tuple[str, ...] = ()
    controls: tuple[str, ...] = ()
    max_legend: int = 8
    width_in: float = 12.0
    panel_height_in: float = 2.4
    dpi: int = 100
    title: str | None = None


def image_format(path: str | Path) -> str:
    """Format from the output extension, or a :class:`PlotError` naming the accepted ones."""
    ext = Path(path).suffix.lower().lstrip(".")
    if ext not in IMAGE_FORMATS:
        raise PlotError("plot output must end in " + ", ".join("." + f for f in IMAGE_FORMATS)
                        + f"; got {Path(path).name!r}")
    return ext


def panels_for(options: PlotOptions) -> list[tuple[str, np.ndarray]]:
    """(title, rig indices) per panel; unknown names raise an :class:`InputError` listing the valid ones."""
    panels: list[tuple[str, np.ndarray]] = []
    groups = options.groups or (() if options.controls else DEFAULT_GROUPS)
    for g in groups:
        if g.strip().lower() not in GROUPS:
            raise PlotError(f"unknown control group {g!r}; expected one of: {', '.join(GROUPS)}")
        panels.append((g.strip().lower(), rig().group_indices(g)))
    if options.controls:
        panels.append(("selected controls", rig().indices(options.controls)))
    return panels


def emotion_marks(anim: Animation) -> list[tuple[float, float, str]]:
    """(start_s, end_s, label) of each emotion key: where the track starts moving and where it arrives."""
    if not anim.emotion:
        return []
    try:
        track = EmotionTrack.from_obj(anim.emotion)
    except InputError as exc:
        log.warning("ignoring the animation's emotion track: %s", exc)
        return []
    return [(k.time_s, k.time_s + k.transition_s, f"{k.label} {k.intensity:.2f}") for k in track.keys]


def _draw_panel(ax, times: np.ndarray, values: np.ndarray, indices: np.ndarray, title: str,
                max_legend: int) -> None:
    activity = np.ptp(values, axis=0) + np.abs(values).mean(axis=0) if len(values) else np.zeros(len(indices))
    order = np.argsort(-activity, kind="stable")
    coloured = [i for i in order[:max_legend] if activity[i] > 1e-6]
    for i in order[max_legend:]:
        ax.plot(times, values[:, i], color="0.75", lw=0.6, zorder=1)
    for i in coloured:
        ax.plot(times, values[:, i], lw=1.3, label=rig().controls[int(indices[i])].ue_name, zorder=3)
    ax.set_ylabel(title)
    ax.grid(True, alpha=0.3)
    if coloured:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    else:
        ax.text(0.5, 0.5, "all controls constant at 0" if not np.any(values) else "constant",
                transform=ax.transAxes, ha="center", va="center", color="0.4")


def plot_animation(anim: Animation, path: str | Path, options: PlotOptions = PlotOptions()) -> Path:
    """Draw the curves of ``anim`` to an image file (format from the extension); returns ``path``."""
    fmt = image_format(path)
    panels = panels_for(options)
    if anim.num_frames == 0:
        raise PlotError("the animation has no frames; nothing to plot")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    full = anim.full()
    times = np.arange(anim.num_frames) / anim.fps
    fig, axes = plt.subplots(len(panels), 1, sharex=True, squeeze=False,
                             figsize=(options.width_in, options.panel_height_in * len(panels) + 0.8))
    marks = emotion_marks(anim)
    blink_times = [b / anim.fps for b in anim.blinks]
    for ax, (title, idx) in zip(axes[:, 0], panels):
        _draw_panel(ax, times, full[:, idx], idx, title, options.max_legend)
        for start, end, _ in marks:
            ax.axvline(start, color="tab:purple", ls="--", lw=1.0, zorder=2)
            if end > start:
                ax.axvspan(start, end, color="tab:purple", alpha=0.08, zorder=0)
        for b in blink_times:
            ax.axvline(b, color="tab:cyan", ls=":", lw=1.0, zorder=2)
    top = axes[0, 0]
    for start, _, label in marks:
        top.annotate(label, (start, 1.0), xycoords=("data", "axes fraction"), xytext=(3, 3),
                     textcoords="offset points", fontsize=8, color="tab:purple")
    if blink_times:
        top.plot(blink_times, np.full(len(blink_times), 1.0), "v", color="tab:cyan", ms=6, clip_on=False,
                 transform=top.get_xaxis_transform(), label=None, zorder=4)
    axes[-1, 0].set_xlabel("time (s)")
    axes[-1, 0].set_xlim(0, max(times[-1], 1.0 / anim.fps))
    fig.suptitle(options.title or "", fontsize=10)
    fig.text(0.01, 0.005, "dashed purple: emotion keys (shaded: transition)   dotted cyan / triangles: blink onsets",
             fontsize=7, color="0.35")
    fig.tight_layout(rect=(0, 0.02, 1, 0.97))
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=options.dpi)
    plt.close(fig)
    return Path(path)
