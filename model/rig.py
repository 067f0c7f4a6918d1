"""The MetaHuman face-board rig schema: the 174 GUI controls the network predicts.

One source of truth for control names, output order, Unreal names, groups, sides,
mirror pairs, ranges and aliases. Loaded from the committed ``model/data/controls.tsv``.
No other module hard-codes a control index: look controls up by name here.
"""
from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from model.errors import InputError

RIG_SCHEMA_VERSION = "metahuman-gui-174/1"
GROUPS: tuple[str, ...] = ("eye", "brow", "jaw", "mouth", "teeth", "tongue", "nose", "neck", "ear")


class UnknownControlError(InputError):
    """A control or group name the rig does not have."""


@dataclass(frozen=True)
class Control:
    """One face-board control axis.

    ``name`` is the EmoFace dataset name (``CTRL_C_jaw-translateY``); ``ue_name`` the
    Unreal face-board name (``CTRL_C_jaw.ty``).
    """

    index: int
    name: str
    ue_name: str
    control: str
    axis: str
    side: str  # "L", "R" or "C"
    group: str
    range_min: float
    range_max: float
    range_verified: bool
    mirror_index: int | None
    newer_rig_control: str | None
    gaze: bool
    blink: bool


class RigSchema:
    """The ordered list of controls with name, group and range look-ups."""

    def __init__(self, controls: list[Control]):
        self.controls: tuple[Control, ...] = tuple(controls)
        self.names: tuple[str, ...] = tuple(c.name for c in controls)
        self.ue_names: tuple[str, ...] = tuple(c.ue_name for c in controls)
        self.range_min = np.array([c.range_min for c in controls], dtype=np.float32)
        self.range_max = np.array([c.range_max for c in controls], dtype=np.float32)
        self._lookup: dict[str, int] = {}
        for c in controls:
            for alias in self._aliases(c):
                self._lookup[alias.lower()] = c.index

    @staticmethod
    def _aliases(c: Control) -> list[str]:
        names = [c.name, c.ue_name]
        if c.newer_rig_control:
            names.append(f"{c.newer_rig_control}.{c.axis}")
            axis_word = {"tx": "translateX", "ty": "translateY"}[c.axis]
            names.append(f"{c.newer_rig_control}-{axis_word}")
        return names

    def __len__(self) -> int:
        return len(self.controls)

    @property
    def fingerprint(self) -> str:
        """Short hash of the names in order; changes if the output layout changes."""
        return hashlib.sha256("\n".join(self.names).encode()).hexdigest()[:16]

    def index(self, name: str) -> int:
        """Output index of a control by dataset name, Unreal name or newer-rig alias."""
        try:
            return self._lookup[name.strip().lower()]
        except KeyError:
            raise UnknownControlError(f"unknown control {name!r} (use a name from `emoface info`)") from None

    def indices(self, names: list[str] | tuple[str, ...]) -> np.ndarray:
        return np.array([self.index(n) for n in names], dtype=np.int64)

    def group_indices(self, group: str) -> np.ndarray:
        """Indices of one group (``mouth``, ``jaw``, ``eye``, ...)."""
        key = group.strip().lower()
        if key not in GROUPS:
            raise UnknownControlError(f"unknown control group {group!r}; expected one of: {', '.join(GROUPS)}")
        return np.array([c.index for c in self.controls if c.group == key], dtype=np.int64)

    def select(self, names_or_groups: list[str] | tuple[str, ...]) -> np.ndarray:
        """Sorted unique indices for a mix of control names and group names."""
        out: set[int] = set()
        for item in names_or_groups:
            if item.strip().lower() in GROUPS:
                out.update(self.group_indices(item).tolist())
            else:
                out.add(self.index(item))
        return np.array(sorted(out), dtype=np.int64)

    def mirror(self, frames: np.ndarray) -> np.ndarray:
        """Swap left and right controls of ``frames`` (..., 174); x-axes of sided pairs keep sign."""
        perm = np.array([c.mirror_index if c.mirror_index is not None else c.index for c in self.controls])
        return frames[..., perm]

    def clamp(self, frames: np.ndarray) -> np.ndarray:
        """Clip ``frames`` (..., 174) to every control's range."""
        return np.clip(frames, self.range_min, self.range_max)

    def flagged(self, flag: str) -> np.ndarray:
        """Indices of controls with a flag: ``gaze`` or ``blink``."""
        return np.array([c.index for c in self.controls if getattr(c, flag)], dtype=np.int64)


def _parse_row(row: dict[str, str]) -> Control:
    mirror = row["mirror_index"].strip()
    return Control(
        index=int(row["index"]),
        name=row["name"],
        ue_name=row["ue_control"],
        control=row["control"],
        axis=row["axis"],
        side=row["side"],
        group=row["group"],
        range_min=float(row["range_min"]),
        range_max=float(row["range_max"]),
        range_verified=row["range_verified"] == "yes",
        mirror_index=int(mirror) if mirror else None,
        newer_rig_control=row["newer_rig_name"].strip() or None,
        gaze=row["gaze"] == "yes",
        blink=row["blink"] == "yes",
    )


@cache
def rig() -> RigSchema:
    """The project's rig schema (loaded once)."""
    text = resources.files("model").joinpath("data/controls.tsv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines(), delimiter="\t"))
    controls = [_parse_row(r) for r in rows]
    if [c.index for c in controls] != list(range(len(controls))):
        raise RuntimeError("controls.tsv indices are not 0..N-1 in order")
    return RigSchema(controls)


NUM_CONTROLS = 174
"""Number of network outputs; checked against the schema at import of the network."""
