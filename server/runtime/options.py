"""Request options: one object collecting every stage's options, the output subset and
the seed. Parsed once at the edge (CLI flags, gRPC message, bake manifest) and echoed
back with every result as the options actually used."""
from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass, field
from typing import Any

from model.errors import InputError
from model.rig import rig
from postfx.blink.sampler import BlinkOptions
from postfx.chain import PostFxOptions
from postfx.gains import GainOptions
from postfx.gate_stage import SpeechGateOptions
from postfx.gaze import GazeOptions
from postfx.smoothing import SmoothingOptions

STAGE_OPTIONS = {"smoothing": SmoothingOptions, "blink": BlinkOptions, "gaze": GazeOptions, "gains": GainOptions,
                 "speech_gate": SpeechGateOptions}
STAGES = tuple(STAGE_OPTIONS)  # the post-processing stages, by the names every door uses


@dataclass(frozen=True)
class RequestOptions:
    """Everything a request may set besides audio and emotion.

    postfx: options of the post-processing stages.
    controls: return only these controls (names and/or group names); empty = all 174.
    seed: seed of the random stages (blink, gaze); None picks one, echoed back.
    """

    postfx: PostFxOptions = field(default_factory=PostFxOptions)
    controls: tuple[str, ...] = ()
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.seed is not None and not (isinstance(self.seed, int) and 0 <= self.seed < 2**63):
            raise InputError(f"seed must be an integer in [0, 2^63), got {self.seed!r}")
        rig().select(self.controls)  # raises on unknown names

    def resolved(self) -> RequestOptions:
        """These options with a concrete seed (drawn at random when unset)."""
        return self if self.seed is not None else dataclasses.replace(self, seed=secrets.randbits(31))

    def with_gate_within(self, frames: int) -> RequestOptions:
        """These options with the speech gate's pre-roll cut to fit ``frames`` of lookahead (streams)."""
        gate = self.postfx.speech_gate.within(frames)
        if gate == self.postfx.speech_gate:
            return self
        return dataclasses.replace(self, postfx=dataclasses.replace(self.postfx, speech_gate=gate))

    def to_dict(self) -> dict[str, Any]:
        d = {name: _stage_dict(getattr(self.postfx, name)) for name in STAGES}
        d["controls"] = list(self.controls)
        d["seed"] = self.seed
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RequestOptions:
        """Inverse of :meth:`to_dict`; missing fields take defaults, unknown ones are errors."""
        unknown = set(d) - set(STAGES) - {"controls", "seed"}
        if unknown:
            raise InputError(f"unknown option(s): {', '.join(sorted(unknown))}")
        stages = {name: _stage_from(name, d.get(name) or {}) for name in STAGES}
        return cls(PostFxOptions(**stages), tuple(d.get("controls") or ()), d.get("seed"))


def _stage_dict(stage: Any) -> dict[str, Any]:
    d = dataclasses.asdict(stage)
    if isinstance(stage, GainOptions):
        d["controls"] = dict(stage.controls)
    return d


def _stage_from(name: str, d: dict[str, Any]) -> Any:
    cls = STAGE_OPTIONS[name]
    if not isinstance(d, dict):
        raise InputError(f"option {name} must be an object")
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = set(d) - fields
    if unknown:
        raise InputError(f"unknown {name} option(s): {', '.join(sorted(unknown))}")
    if cls is GainOptions and "controls" in d:
        d = {**d, "controls": tuple(sorted((str(k), float(v)) for k, v in dict(d["controls"]).items()))}
    try:
        return cls(**d)
    except TypeError as exc:
        raise InputError(f"bad {name} options: {exc}") from None
