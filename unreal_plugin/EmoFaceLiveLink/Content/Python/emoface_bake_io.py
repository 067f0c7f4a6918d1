"""Read and validate EmoFace baked animations (``.json`` and ``.csv``) for the Sequencer import.

Standard library only and no ``unreal`` import: this module runs inside the Unreal Editor's Python
(where the ``emoface-bridge`` package is not installed) and in the project's tests.

The two formats, as ``emoface animate -o`` and ``emoface bake`` write them (``server/runtime/formats.py``):

- ``.json``: one object with ``controls`` (names), ``fps``, ``num_frames``, ``frames`` (one list of
  values per frame, in ``controls`` order), ``options``, ``provenance``, ``emotion`` and ``blinks``;
- ``.csv``: a header row of control names, then one row per frame. A CSV carries no frame rate;
  EmoFace writes 60 fps (:data:`CSV_FPS`).

Control names may be EmoFace dataset names (``CTRL_C_jaw-translateY``), Unreal face-board names
(``CTRL_C_jaw.ty``) or the newer rig's names of three tongue controls (``CTRL_C_tongue_move.tx``);
case does not matter. All 174 controls or any subset may be present, each at most once.
"""
from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

CONTROLS_TSV = Path(__file__).with_name("emoface_controls.tsv")
"""The rig schema: a copy of the project's ``model/data/controls.tsv`` (a test keeps them equal)."""

CSV_FPS = 60.0
"""Frame rate of a CSV bake (the file does not say; EmoFace's network runs at 60 fps)."""

RANGE_TOLERANCE = 1e-4
"""How far (in control units) a value may lie outside its control's range before it is an error."""

OUT_OF_RANGE_POLICIES = ("error", "clamp")
BAKE_SUFFIXES = (".json", ".csv")
_AXIS_WORDS = {"tx": "translateX", "ty": "translateY"}


class BakeError(ValueError):
    """A baked animation that cannot be imported; the message names the file and the place in it."""


# ----------------------------------------------------------------------------- rig schema
@dataclass(frozen=True)
class RigControl:
    """One face-board control axis of the EmoFace rig schema.

    name: EmoFace dataset name (``CTRL_C_jaw-translateY``); ue_name: ``CTRL_C_jaw.ty``;
    control: the face-board control (``CTRL_C_jaw``); axis: ``tx`` or ``ty``;
    newer_control: the control's name on newer MetaHuman rigs (three tongue controls), else None.
    """

    index: int
    name: str
    ue_name: str
    control: str
    axis: str
    range_min: float
    range_max: float
    newer_control: str | None

    def aliases(self) -> tuple[str, ...]:
        """Every name a baked file may use for this control."""
        names = [self.name, self.ue_name]
        if self.newer_control:
            names += [f"{self.newer_control}.{self.axis}", f"{self.newer_control}-{_AXIS_WORDS[self.axis]}"]
        return tuple(names)


@lru_cache(maxsize=1)
def rig_controls() -> tuple[RigControl, ...]:
    """The 174 controls in rig order, read once from :data:`CONTROLS_TSV`."""
    rows = list(csv.DictReader(CONTROLS_TSV.read_text(encoding="utf-8").splitlines(), delimiter="\t"))
    controls = tuple(RigControl(int(r["index"]), r["name"], r["ue_control"], r["control"], r["axis"],
                                float(r["range_min"]), float(r["range_max"]), r["newer_rig_name"].strip() or None)
                     for r in rows)
    if [c.index for c in controls] != list(range(len(controls))):
        raise RuntimeError(f"{CONTROLS_TSV}: indices are not 0..N-1 in order")
    return controls


@lru_cache(maxsize=1)
def _lookup() -> dict[str, RigControl]:
    return {alias.lower(): c for c in rig_controls() for alias in c.aliases()}


def find_control(name: str) -> RigControl | None:
    """The control a baked column name refers to, or None if the rig has no such control."""
    return _lookup().get(name.strip().lower())


# ----------------------------------------------------------------------------- the bake
@dataclass(frozen=True)
class Bake:
    """One baked line, validated.

    controls: the columns, in file order; frames: ``(num_frames, len(controls))`` values;
    fps: source frame rate; options / provenance: as the JSON file carries them (empty for CSV);
    metadata: the JSON file's other top-level fields (``emotion``, ``blinks``, ...);
    clamped_values: how many values ``out_of_range="clamp"`` moved into their control's range.
    """

    path: Path
    controls: tuple[RigControl, ...]
    fps: float
    frames: tuple[tuple[float, ...], ...]
    options: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    clamped_values: int = 0

    @property
    def num_frames(self) -> int:
        return len(self.frames)

    @property
    def duration_s(self) -> float:
        """Length of the clip: frame *i* covers ``[i / fps, (i + 1) / fps)``."""
        return self.num_frames / self.fps

    @property
    def line_id(self) -> str:
        """The line's id: the file name without its extension (``emoface bake`` names files by id)."""
        return self.path.stem

    def curve(self, name: str) -> list[float]:
        """Values of one control over all frames, by any of its names."""
        wanted = find_control(name)
        for column, control in enumerate(self.controls):
            if control is wanted:
                return [frame[column] for frame in self.frames]
        raise KeyError(f"control {name!r} is not in {self.path.name}")


def read_bake(path: str | Path, *, csv_fps: float = CSV_FPS, out_of_range: str = "error") -> Bake:
    """Read and validate a baked ``.json`` or ``.csv`` animation.

    out_of_range: ``"error"`` (default) refuses a value outside its control's range (beyond
    :data:`RANGE_TOLERANCE`); ``"clamp"`` clamps it and counts it in ``Bake.clamped_values``.
    Raises :class:`BakeError` naming the file and the line, frame or control at fault.
    """
    p = Path(path)
    if out_of_range not in OUT_OF_RANGE_POLICIES:
        raise ValueError(f"out_of_range must be one of {OUT_OF_RANGE_POLICIES}, got {out_of_range!r}")
    if p.suffix.lower() not in BAKE_SUFFIXES:
        raise BakeError(f"{p}: unsupported bake format {p.suffix or '(none)'!r}; use .json or .csv "
                        "(`emoface animate line.wav -o line.json`)")
    if not p.is_file():
        raise BakeError(f"{p}: baked animation not found")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BakeError(f"{p}: cannot read: {exc}") from None
    if p.suffix.lower() == ".json":
        bake = _parse_json(p, text)
    else:
        bake = _parse_csv(p, text, _check_fps(p, csv_fps, "csv_fps"))
    return _check_ranges(bake, clamp=out_of_range == "clamp")


def _fail(path: Path, where: str, message: str) -> BakeError:
    return BakeError(f"{path}: {where}: {message}" if where else f"{path}: {message}")


def _resolve_names(path: Path, names: list[Any], where: str) -> tuple[RigControl, ...]:
    """Map column names to rig controls; every problem is reported at once."""
    if not names:
        raise _fail(path, where, "no control names")
    unknown, resolved, seen = [], [], {}
    for name in names:
        control = find_control(name) if isinstance(name, str) else None
        if control is None:
            unknown.append(repr(name))
            continue
        if control.index in seen:
            raise _fail(path, where, f"control {name!r} appears twice (also as {seen[control.index]!r})")
        seen[control.index] = name
        resolved.append(control)
    if unknown:
        raise _fail(path, where, f"unknown control name(s) {', '.join(unknown)} (names come from "
                    "`emoface info` or model/data/controls.tsv)")
    return tuple(resolved)


def _check_fps(path: Path, fps: Any, where: str) -> float:
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not math.isfinite(fps) or fps <= 0:
        raise _fail(path, where, f"fps must be a positive number, got {fps!r}")
    return float(fps)


def _number(path: Path, value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(path, where, f"value {value!r} is not a number")
    if not math.isfinite(value):
        raise _fail(path, where, f"value {value!r} is not finite")
    return float(value)


def _parse_json(path: Path, text: str) -> Bake:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(path, f"line {exc.lineno} column {exc.colno}", f"not valid JSON ({exc.msg})") from None
    if not isinstance(obj, dict):
        raise _fail(path, "", "a JSON bake must be an object with controls, fps and frames")
    missing = [key for key in ("controls", "fps", "frames") if key not in obj]
    if missing:
        raise _fail(path, "", f"missing field(s) {', '.join(missing)}")
    if not isinstance(obj["controls"], list):
        raise _fail(path, "controls", "must be a list of control names")
    controls = _resolve_names(path, obj["controls"], "controls")
    fps = _check_fps(path, obj["fps"], "fps")
    rows = obj["frames"]
    if not isinstance(rows, list) or not rows:
        raise _fail(path, "frames", "must be a non-empty list of frames")
    if "num_frames" in obj and obj["num_frames"] != len(rows):
        raise _fail(path, "num_frames", f"says {obj['num_frames']!r} but frames holds {len(rows)}")
    frames = []
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != len(controls):
            size = len(row) if isinstance(row, list) else type(row).__name__
            raise _fail(path, f"frame {i}", f"expected {len(controls)} values (one per control), got {size}")
        frames.append(tuple(_number(path, v, f"frame {i}, control {c.name}") for v, c in zip(row, controls)))
    extras = {k: v for k, v in obj.items() if k not in ("controls", "fps", "frames", "num_frames",
                                                         "options", "provenance")}
    return Bake(path, controls, fps, tuple(frames), _mapping(path, obj, "options"),
                _mapping(path, obj, "provenance"), extras)


def _mapping(path: Path, obj: dict[str, Any], key: str) -> dict[str, Any]:
    value = obj.get(key) or {}
    if not isinstance(value, dict):
        raise _fail(path, key, "must be an object")
    return value


def _parse_csv(path: Path, text: str, fps: float) -> Bake:
    rows = list(csv.reader(text.splitlines()))
    while rows and not rows[-1]:
        rows.pop()  # trailing blank lines
    if not rows:
        raise _fail(path, "", "empty file (a CSV bake starts with a header row of control names)")
    controls = _resolve_names(path, [name.strip() for name in rows[0]], "line 1 (header)")
    if len(rows) == 1:
        raise _fail(path, "", "no frames after the header row")
    frames = []
    for number, row in enumerate(rows[1:], start=2):
        frame = number - 2
        if len(row) != len(controls):
            raise _fail(path, f"line {number} (frame {frame})", f"expected {len(controls)} values, got {len(row)}")
        values = []
        for cell, control in zip(row, controls):
            where = f"line {number} (frame {frame}), column {control.name}"
            try:
                value = float(cell)
            except ValueError:
                raise _fail(path, where, f"{cell!r} is not a number") from None
            values.append(_number(path, value, where))
        frames.append(tuple(values))
    return Bake(path, controls, fps, tuple(frames))


def _check_ranges(bake: Bake, clamp: bool) -> Bake:
    frames, clamped = [], 0
    for i, frame in enumerate(bake.frames):
        out = list(frame)
        for column, (value, c) in enumerate(zip(frame, bake.controls)):
            if c.range_min - RANGE_TOLERANCE <= value <= c.range_max + RANGE_TOLERANCE:
                continue
            if not clamp:
                raise _fail(bake.path, f"frame {i}, control {c.name}",
                            f"value {value:g} is outside the control's range [{c.range_min:g}, {c.range_max:g}] "
                            "(pass out_of_range='clamp' to clamp)")
            out[column] = min(c.range_max, max(c.range_min, value))
            clamped += 1
        frames.append(tuple(out))
    return Bake(bake.path, bake.controls, bake.fps, tuple(frames), bake.options, bake.provenance,
                bake.metadata, clamped)


def bake_directory_files(directory: str | Path) -> list[Path]:
    """The baked lines of an ``emoface bake`` output directory, one file per line id.

    ``.json`` is preferred over ``.csv`` when a line has both. Lines the bake report lists as
    failed are left out (they have no output). Sorted by line id.
    """
    d = Path(directory)
    if not d.is_dir():
        raise BakeError(f"{d}: bake directory not found")
    failed = _failed_lines(d)
    by_id: dict[str, Path] = {}
    for suffix in reversed(BAKE_SUFFIXES):  # .csv first, so .json overrides
        for p in d.glob(f"*{suffix}"):
            if p.name.startswith(".") or p.name == "bake_report.json" or p.stem in failed:
                continue
            by_id[p.stem] = p
    if not by_id:
        raise BakeError(f"{d}: no baked .json or .csv lines (run `emoface bake manifest.csv -o {d}`)")
    return [by_id[k] for k in sorted(by_id)]


def _failed_lines(directory: Path) -> set[str]:
    report = directory / "bake_report.json"
    if not report.is_file():
        return set()
    try:
        lines = json.loads(report.read_text(encoding="utf-8")).get("lines") or {}
    except (OSError, ValueError, AttributeError) as exc:
        raise BakeError(f"{report}: unreadable bake report ({exc})") from None
    return {line_id for line_id, record in lines.items()
            if isinstance(record, dict) and record.get("status") == "failed"}
