"""Per-character gains and clamping to the rig's control ranges.

``mouth`` scales the lower face (mouth, jaw, teeth, tongue groups), ``upper_face`` the
brows, nose and the eye controls other than gaze direction; ``controls`` overrides single
controls by name. Gains scale deviation from rest (0); results are clamped to range.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np

from model.rig import rig
from postfx._validate import check_range

LOWER_FACE_GROUPS = ("mouth", "jaw", "teeth", "tongue")
UPPER_FACE_GROUPS = ("brow", "eye", "nose")


@dataclass(frozen=True)
class GainOptions:
    """Per-character gains (1 = as predicted).

    mouth: gain on mouth, jaw, teeth and tongue controls.
    upper_face: gain on brow, nose and eye controls (gaze direction excluded).
    controls: per-control gains by name, applied after the group gains.
    """

    mouth: float = 1.0
    upper_face: float = 1.0
    controls: tuple[tuple[str, float], ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        check_range("gains.mouth", self.mouth, 0.0, 3.0)
        check_range("gains.upper_face", self.upper_face, 0.0, 3.0)
        for name, gain in self.controls:
            rig().index(name)
            check_range(f"gains.controls[{name}]", gain, 0.0, 3.0)

    def vector(self) -> np.ndarray:
        """Gain per control ``(174,)``."""
        return _vector(self.mouth, self.upper_face, self.controls)


@cache
def _vector(mouth: float, upper: float, controls: tuple[tuple[str, float], ...]) -> np.ndarray:
    schema = rig()
    g = np.ones(len(schema), dtype=np.float32)
    gaze = set(schema.flagged("gaze").tolist())
    for c in schema.controls:
        if c.group in LOWER_FACE_GROUPS:
            g[c.index] = mouth
        elif c.group in UPPER_FACE_GROUPS and c.index not in gaze:
            g[c.index] = upper
    for name, gain in controls:
        g[schema.index(name)] = gain
    g.setflags(write=False)
    return g


def apply_gains(frames: np.ndarray, opts: GainOptions) -> np.ndarray:
    """Scale ``(T, 174)`` frames by the gains and clamp to each control's range."""
    return rig().clamp(frames * opts.vector())
