"""Random gaze: hold, then glide linearly to a new target or back to centre.

Paper: hold 15-45 frames (0.25-0.75 s), target radius 0.1-0.2 at a uniform angle, or
with probability 0.4 the centre; linear transition (reference code: 5 frames). Frame
counts are defined at 60 fps and scaled for other rates. The offset is added to the gaze
controls (``CTRL_C_eye.tx``/``.ty`` by default: both eyes together).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

from model.rig import rig
from postfx._validate import check_int, check_range


@dataclass(frozen=True)
class GazeOptions:
    """Gaze generator parameters (frame counts at 60 fps).

    enabled: add gaze movement at all.
    hold_min_frames, hold_max_frames: how long a target is held.
    radius_min, radius_max: distance of a new target from centre, in control units.
    return_to_centre_prob: chance that a move goes back to centre.
    transition_frames: length of the linear move.
    x_control, y_control: the controls the offset is added to.
    """

    enabled: bool = True
    hold_min_frames: int = 15
    hold_max_frames: int = 45
    radius_min: float = 0.1
    radius_max: float = 0.2
    return_to_centre_prob: float = 0.4
    transition_frames: int = 5
    x_control: str = "CTRL_C_eye.tx"
    y_control: str = "CTRL_C_eye.ty"

    def __post_init__(self) -> None:
        check_int("gaze.hold_min_frames", self.hold_min_frames, 1, 6000)
        check_int("gaze.hold_max_frames", self.hold_max_frames, self.hold_min_frames, 6000)
        check_range("gaze.radius_min", self.radius_min, 0.0, 1.0)
        check_range("gaze.radius_max", self.radius_max, self.radius_min, 1.0)
        check_range("gaze.return_to_centre_prob", self.return_to_centre_prob, 0.0, 1.0)
        check_int("gaze.transition_frames", self.transition_frames, 1, 600)
        rig().index(self.x_control), rig().index(self.y_control)  # raise on unknown names


@dataclass(frozen=True)
class GazeMove:
    start_frame: int  # first frame of the transition
    length: int  # transition frames
    target: tuple[float, float]
    to_centre: bool


class GazeTrack:
    """Gaze moves generated forward in time from the injected generator."""

    def __init__(self, opts: GazeOptions, rng: np.random.Generator, fps: float):
        self.opts, self.rng = opts, rng
        self.scale = fps / 60.0
        self.moves: list[GazeMove] = []
        self._pos = (0.0, 0.0)
        self._next = self._hold()

    def _hold(self) -> int:
        frames60 = int(self.rng.integers(self.opts.hold_min_frames, self.opts.hold_max_frames + 1))
        return max(1, int(round(frames60 * self.scale)))

    def extend_to(self, end_frame: int) -> None:
        o = self.opts
        while self._next < end_frame:
            to_centre = bool(self.rng.random() < o.return_to_centre_prob)
            radius = float(self.rng.uniform(o.radius_min, o.radius_max))
            angle = float(self.rng.uniform(0.0, 2 * np.pi))
            target = (0.0, 0.0) if to_centre else (radius * np.cos(angle), radius * np.sin(angle))
            length = max(1, int(round(o.transition_frames * self.scale)))
            self.moves.append(GazeMove(self._next, length, target, to_centre))
            self._next += length + self._hold()

    def offsets(self, start_frame: int, num_frames: int) -> np.ndarray:
        """Gaze offset ``(num_frames, 2)`` for frames ``start..start+n-1``."""
        self.extend_to(start_frame + num_frames)
        t = start_frame + np.arange(num_frames)
        starts = [m.start_frame for m in self.moves]
        first = max(0, bisect.bisect_right(starts, start_frame) - 1)  # the move in progress at start_frame
        prev = np.array(self.moves[first - 1].target) if first > 0 else np.zeros(2)
        out = np.zeros((num_frames, 2)) + (prev if first > 0 else 0.0)
        for m in self.moves[first:]:
            if m.start_frame >= start_frame + num_frames:
                break
            target = np.array(m.target)
            alpha = np.clip((t - m.start_frame + 1) / m.length, 0.0, 1.0)[:, None]  # (n, 1)
            out = np.where((t >= m.start_frame)[:, None], prev + alpha * (target - prev), out)
            prev = target
        return out

    def apply(self, frames: np.ndarray, start_frame: int = 0) -> np.ndarray:
        if not self.opts.enabled or len(frames) == 0:
            return frames
        xy = self.offsets(start_frame, len(frames))
        out = frames.copy()
        out[:, rig().index(self.opts.x_control)] += xy[:, 0]
        out[:, rig().index(self.opts.y_control)] += xy[:, 1]
        return out
