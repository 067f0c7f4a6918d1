"""Map baked control columns onto the controls of the MetaHuman face-board Control Rig (stdlib only).

EmoFace names a control *axis*: ``CTRL_C_jaw.ty`` is the Y of the face board's ``CTRL_C_jaw``.
In ``Face_ControlBoard_CtrlRig`` a control that moves in two directions (jaw, mouth, eyes, tongue)
is a **Vector2D** control whose X and Y are EmoFace's ``.tx`` and ``.ty``; a control that moves one
way (brows, blinks, lip controls, ...) is a **Float** control whose value is EmoFace's ``.ty`` (a
``.tx`` column aimed at a Float control is reported, not keyed).
The rig itself is the judge: :func:`map_to_rig` takes the control types read from the rig's
hierarchy, so a rig with different types or names is handled, and what cannot be keyed is reported.

Names: each column's face-board control is looked up under its EmoFace name, then under the newer
MetaHuman rig's name (``CTRL_C_tongue`` -> ``CTRL_C_tongue_move``, ``CTRL_C_tongue_tip`` ->
``CTRL_C_tongue_tipMove``, ``CTRL_C_tongue_narrowWide`` -> ``CTRL_C_tongue_wideNarrow``).
"""
from __future__ import annotations

from dataclasses import dataclass

from emoface_bake_io import RigControl

FLOAT = "float"
VECTOR2D = "vector2d"


@dataclass(frozen=True)
class RigChannel:
    """One rig control to key and the baked columns that feed it.

    rig_control: the control's name in the Control Rig; kind: :data:`FLOAT` or :data:`VECTOR2D`;
    x / y: the baked column index keyed into X and Y (Vector2D), or ``y`` alone for a Float
    control's value; a Vector2D axis with no column is keyed at 0 (the face board's rest value).
    """

    rig_control: str
    kind: str
    x: int | None
    y: int | None


@dataclass(frozen=True)
class Skipped:
    """A baked column that is not keyed, and why."""

    column: str
    reason: str


def map_to_rig(columns: tuple[RigControl, ...], rig_types: dict[str, str]) -> tuple[list[RigChannel], list[Skipped]]:
    """Channels to key (in the bake's column order of first use) and the columns left out.

    rig_types: every control of the rig, name -> :data:`FLOAT`, :data:`VECTOR2D` or another type's name.
    """
    slots: dict[str, dict[str, int]] = {}
    kinds: dict[str, str] = {}
    skipped: list[Skipped] = []
    for column, control in enumerate(columns):
        name = next((n for n in (control.control, control.newer_control) if n and n in rig_types), None)
        if name is None:
            skipped.append(Skipped(control.name, f"the rig has no control {control.control}"
                                   + (f" or {control.newer_control}" if control.newer_control else "")))
            continue
        kind = rig_types[name]
        if kind not in (FLOAT, VECTOR2D):
            skipped.append(Skipped(control.name, f"rig control {name} is a {kind} control; only Float and "
                                   "Vector2D controls are keyed"))
            continue
        if kind == FLOAT and control.axis != "ty":
            skipped.append(Skipped(control.name, f"rig control {name} is a Float control; it is keyed from "
                                   f"{name}.ty only"))
            continue
        axes = slots.setdefault(name, {})
        axes["y" if kind == FLOAT else {"tx": "x", "ty": "y"}[control.axis]] = column
        kinds[name] = kind
    channels = [RigChannel(name, kinds[name], axes.get("x"), axes.get("y")) for name, axes in slots.items()]
    return channels, skipped
