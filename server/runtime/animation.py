"""The result type every entry point consumes."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from model.constants import FPS
from model.rig import rig


@dataclass
class Animation:
    """Face-board animation of one clip.

    frames: ``(T, C)`` float32 control values, columns in ``controls`` order.
    controls: control names (EmoFace dataset names, e.g. ``CTRL_C_jaw-translateY``).
    fps: frames per second.
    options: the options actually used (``RequestOptions.to_dict()``), seed included.
    provenance: model id, checkpoint hash and anything else that made these frames.
    emotion: the emotion track used, as JSON data.
    blinks: onset frames of synthesised blinks (for plots), when known.
    """

    frames: np.ndarray
    controls: tuple[str, ...] = field(default_factory=lambda: rig().names)
    fps: float = FPS
    options: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    emotion: dict[str, Any] | None = None
    blinks: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        self.frames = np.asarray(self.frames, dtype=np.float32)
        self.controls = tuple(self.controls)
        if self.frames.ndim != 2 or self.frames.shape[1] != len(self.controls):
            raise ValueError(f"frames must be (T, {len(self.controls)}), got {self.frames.shape}")

    @property
    def num_frames(self) -> int:
        return int(self.frames.shape[0])

    @property
    def duration_s(self) -> float:
        return self.num_frames / self.fps

    def column(self, name: str) -> np.ndarray:
        """Values of one control by any of its names."""
        wanted = rig().index(name)
        for i, c in enumerate(self.controls):
            if rig().index(c) == wanted:
                return self.frames[:, i]
        raise KeyError(f"control {name!r} is not in this animation")

    def full(self) -> np.ndarray:
        """``(T, 174)`` frames in rig order (controls missing from a subset are 0)."""
        out = np.zeros((self.num_frames, len(rig())), dtype=np.float32)
        out[:, rig().indices(self.controls)] = self.frames
        return out

    def subset(self, names_or_groups: tuple[str, ...] | list[str]) -> Animation:
        """Only the given controls/groups (in rig order); empty selection = unchanged."""
        if not names_or_groups:
            return self
        idx = rig().select(names_or_groups)
        full = self.full()
        return Animation(full[:, idx], tuple(rig().names[i] for i in idx), self.fps,
                         self.options, self.provenance, self.emotion, self.blinks)
