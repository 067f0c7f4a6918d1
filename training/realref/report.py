"""All real references for one checkpoint: talking faces, FACEGOOD takes, EmoFace-layout takes, rest.

References are read once (:func:`load_references`) and scored for any number of checkpoints
(:func:`score_references`), so a before/after comparison decodes each video once.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

from training.realref.animate import JAW, Animator
from training.realref.pauses import PauseOptions
from training.realref.rest import RestOptions, hello_padded, pause_jaw, silence_jaw, stream_rest
from training.realref.score import ScoredClip, score

log = logging.getLogger(__name__)
REPO_ROOT = Path(__file__).resolve().parents[2]


def default_realdata() -> Path:
    """``../shared/realdata`` beside the repository; from a worktree nested deeper, the nearest ancestor's
    ``shared/realdata`` that exists (else the first candidate, which callers report as absent)."""
    candidates = [parent / "shared" / "realdata" for parent in REPO_ROOT.parents]
    return next((c for c in candidates if c.is_dir()), candidates[0])


@dataclass(frozen=True)
class RealRefOptions:
    """talking_faces / facegood / keyed_takes: folders to score (None = skip); rest: run the rest metrics;
    max_lag_frames: the lag search range (+-frames at 60 fps); pauses: how pauses are found."""

    talking_faces: Path | None = None
    facegood: Path | None = None
    keyed_takes: Path | None = None
    rest: bool = False
    max_lag_frames: int = 12
    pauses: PauseOptions = field(default_factory=PauseOptions)


@dataclass
class References:
    """What was read: talking faces, FACEGOOD takes, EmoFace-layout takes, and why a part was skipped."""

    talking_faces: list = field(default_factory=list)
    facegood: list = field(default_factory=list)
    keyed_takes: list = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def load_references(opts: RealRefOptions) -> References:
    """Read every requested reference; an absent folder is noted in ``skipped`` and its part left out."""
    refs = References()
    parts = (("talking_faces", opts.talking_faces, "training.realref.talking_faces"),
             ("facegood", opts.facegood, "training.realref.facegood"),
             ("keyed_takes", opts.keyed_takes, "training.realref.keyed_takes"))
    for name, folder, module in parts:
        if folder is None:
            continue
        if not Path(folder).is_dir():
            refs.skipped[name] = f"{folder} does not exist"
            log.warning("skipping %s: %s does not exist", name, folder)
            continue
        setattr(refs, name, import_module(module).read_folder(folder))
    return refs


def score_references(animator: Animator, refs: References, opts: RealRefOptions) -> dict:
    """The report for one checkpoint (JSON-ready)."""
    out: dict = {"model_id": animator.model_id, "control": JAW, "max_lag_frames": opts.max_lag_frames,
                 "skipped": dict(refs.skipped)}
    if refs.talking_faces:
        clips = [ScoredClip(f.name, _jaws(animator, f.name, f.audio), f.aperture) for f in refs.talking_faces]
        out["talking_faces"] = {**score(clips, opts.max_lag_frames), "reference": "inner-lip aperture (dlib)",
                                "face_share": {f.name: f.face_share for f in refs.talking_faces}}
    if refs.facegood:
        from training.realref.facegood import MOUTH_OPEN

        clips = [ScoredClip(t.name, _jaws(animator, t.name, t.audio), t.mouth) for t in refs.facegood]
        out["facegood"] = {**score(clips, opts.max_lag_frames), "reference": MOUTH_OPEN}
    if refs.keyed_takes:
        from training.realref.keyed_takes import score_takes

        out["keyed_takes"] = score_takes(animator, refs.keyed_takes, opts.max_lag_frames)
    if opts.rest:
        groups = {"talking_faces": {f.name: f.audio for f in refs.talking_faces},
                  "facegood": {t.name: t.audio for t in refs.facegood}, "hello_padded": hello_padded(REPO_ROOT)}
        speech = {name: audio for group in groups.values() for name, audio in group.items()}
        pauses = pause_jaw(animator, speech, opts.pauses)
        pauses["groups"] = {g: pause_jaw(animator, clips, opts.pauses)["pooled"] for g, clips in groups.items()
                            if clips}
        rest = RestOptions(pauses=opts.pauses)
        short = {**groups["talking_faces"], **groups["hello_padded"]}
        out["rest"] = {"silence": silence_jaw(animator, rest), "pauses": pauses,
                       "stream": stream_rest(animator, short, rest)}
    return out


def _jaws(animator: Animator, name: str, audio) -> dict:
    c = animator.curves(audio, key=name)
    return {s: c.jaw(s) for s in ("raw", "postfx", "energy")}
