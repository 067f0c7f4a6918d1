"""Key an EmoFace bake onto a MetaHuman's face board in a Level Sequence (Unreal Editor 5.6+, Python).

From the editor's Python console (or ``py`` in the Cmd console)::

    import emoface_sequencer
    emoface_sequencer.import_bake("D:/bakes/line_042.json", sequence="/Game/Cinematics/LS_Line042",
                                  metahuman_binding="BP_Hero", display_rate=24)
    emoface_sequencer.import_bake_directory("D:/bakes", "/Game/Cinematics/VO", metahuman_binding="BP_Hero")

What one import does: reads and validates the bake (``emoface_bake_io``); finds its audio
(``emoface_audio``); opens or creates the Level Sequence and opens it in Sequencer; binds the
MetaHuman's ``Face`` skeletal mesh component (finding the actor in the level by label, or reusing
the sequence's existing ``BP_Hero`` / ``Face`` binding, e.g. a spawnable); finds or creates the
face-board Control Rig track; keys every mapped control with one batched call per control
(``emoface_rig_map``, ``emoface_keys``); adds an audio track whose section starts where baked frame 0
plays; sets the playback range to cover both; saves.

Not run inside Unreal on the machines this was written on (no engine there): the calls follow Epic's
Python API documentation and engine sources, and the tests drive this module against a recording
stand-in of the ``unreal`` module. See README.md in this folder.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import unreal

import emoface_audio
import emoface_keys
import emoface_rig_map
from emoface_bake_io import Bake, BakeError, bake_directory_files, read_bake

log = logging.getLogger(__name__)

FACE_BOARD_RIGS = ("/MetaHumanCharacter/Face/Face_ControlBoard_CtrlRig",
                   "/Game/MetaHumans/Common/Face/Face_ControlBoard_CtrlRig")
"""Where the face-board Control Rig lives: the MetaHuman plugin of UE 5.6+, then older MetaHuman exports."""

AUDIO_FOLDER = "/Game/EmoFace/Audio"
AUDIO_TRACK_PREFIX = "EmoFace "


class SequencerImportError(RuntimeError):
    """The import cannot proceed in this editor session (sequence, binding, rig or audio asset)."""


class BindingNotFoundError(SequencerImportError):
    """No MetaHuman actor or face component to bind."""


class ControlRigNotFoundError(SequencerImportError):
    """No face-board Control Rig asset, track or instance."""


class BatchImportError(SequencerImportError):
    """Some lines of a bake directory failed; ``results`` holds the lines that were imported."""

    def __init__(self, results: list, failures: list[tuple[str, str]]):
        super().__init__(f"{len(failures)} of {len(results) + len(failures)} line(s) failed:\n"
                         + "\n".join(f"  {path}: {error}" for path, error in failures))
        self.results, self.failures = results, failures


@dataclass(frozen=True)
class ImportOptions:
    """Every choice of an import; echoed back as ``ImportResult.options``.

    start_frame: display frame where baked frame 0 and the audio's first sample play; None = the
        sequence's playback start (0 for a new sequence).
    display_rate: set the sequence's display rate first (24, 30, 60, 29.97, "30000/1001"); None keeps it.
    key_rate: "display" (a key on every display frame) or "source" (a key per baked frame, exact ticks).
    reduce_tolerance: drop keys that linear interpolation between the kept keys reproduces within this
        many control units (None = keep every key; 0.001 is conservative).
    face_component: name of the MetaHuman's face SkeletalMeshComponent.
    control_rig: asset path of the face-board Control Rig; None = the first of FACE_BOARD_RIGS that exists.
    clear_existing: remove the face component's Control Rig tracks first (their keys are lost).
    strict_controls: raise if a baked control has no counterpart in the rig (default: skip and report).
    audio_folder: content folder a WAV file is imported into.
    max_audio_mismatch_s: refuse audio whose length differs more than this from the clip's; None = no check.
    out_of_range: "error" or "clamp" for baked values outside their control's range.
    save: save the sequence when done (imported audio is always saved).
    """

    start_frame: int | None = None
    display_rate: object = None
    key_rate: str = "display"
    reduce_tolerance: float | None = None
    face_component: str = "Face"
    control_rig: str | None = None
    clear_existing: bool = False
    strict_controls: bool = False
    audio_folder: str = AUDIO_FOLDER
    max_audio_mismatch_s: float | None = emoface_audio.MAX_MISMATCH_S
    out_of_range: str = "error"
    save: bool = True


@dataclass(frozen=True)
class ImportResult:
    """What an import did. keys_written counts key times (a Vector2D key sets X and Y at once)."""

    bake_path: str
    sequence_path: str
    created_sequence: bool
    binding: str
    display_rate: str
    tick_resolution: str
    num_frames: int
    keyed_controls: int
    keys_written: int
    skipped: tuple[emoface_rig_map.Skipped, ...]
    audio: str | None
    audio_found_by: str | None
    alignment: emoface_keys.Alignment
    options: ImportOptions


# ----------------------------------------------------------------------------- entry points
def import_bake(bake_path: str | Path, sequence: str, metahuman_binding: str, audio: str | Path | bool | None = None,
                **options) -> ImportResult:
    """Key one baked line (``.json`` / ``.csv``) into ``sequence`` on ``metahuman_binding``'s face board.

    audio: None = find it (see emoface_audio); a WAV path or a /Game/... SoundWave path; False = no audio.
    options: the fields of :class:`ImportOptions`.
    """
    opts = import_options(**options)
    bake = read_bake(bake_path, out_of_range=opts.out_of_range)
    source = None if audio is False else emoface_audio.find_audio(bake, None if audio is True else audio)
    if source is not None:
        emoface_audio.check_duration(bake, source.duration_s, source.path, opts.max_audio_mismatch_s)
    level_sequence, created = open_or_create_sequence(sequence, opts.display_rate)
    sound = load_sound(source, opts.audio_folder, bake, opts.max_audio_mismatch_s) if source else None
    if not unreal.LevelSequenceEditorBlueprintLibrary.open_level_sequence(level_sequence):
        raise SequencerImportError(f"cannot open {sequence} in Sequencer (Control Rig keys are set through it)")
    binding = find_face_binding(level_sequence, metahuman_binding, opts.face_component)
    rig = face_board_rig(level_sequence, binding, opts)
    channels, skipped = emoface_rig_map.map_to_rig(bake.controls, rig_control_types(rig))
    _report_skipped(bake, skipped, opts.strict_controls)
    display_rate, tick_rate = _rate(level_sequence.get_display_rate()), _rate(level_sequence.get_tick_resolution())
    start = opts.start_frame
    if start is None:
        start = 0 if created else level_sequence.get_playback_start()
    plan = emoface_keys.plan_keys(bake.num_frames, emoface_keys.frame_rate(bake.fps), display_rate, tick_rate,
                                  int(start), opts.key_rate)
    keys_written = key_channels(level_sequence, rig, bake, channels, plan, opts.reduce_tolerance)
    alignment = emoface_keys.align(
        bake.num_frames, emoface_keys.frame_rate(bake.fps), display_rate, int(start),
        _sound_duration_s(source, sound),
        None if created else (level_sequence.get_playback_start(), level_sequence.get_playback_end()))
    if sound is not None:
        add_audio_section(level_sequence, bake.line_id, sound, alignment)
    level_sequence.set_playback_start(alignment.playback_start_frame)
    level_sequence.set_playback_end(alignment.playback_end_frame)
    unreal.LevelSequenceEditorBlueprintLibrary.refresh_current_level_sequence()
    if opts.save and not unreal.EditorAssetLibrary.save_loaded_asset(level_sequence, False):
        raise SequencerImportError(f"keyed {sequence} but could not save it (checked out / read-only?)")
    log.info("EmoFace: keyed %s into %s (%d controls, %d keys)", bake.path.name, sequence, len(channels), keys_written)
    return ImportResult(str(bake.path), sequence, created, f"{metahuman_binding}/{opts.face_component}",
                        _rate_text(display_rate), _rate_text(tick_rate), bake.num_frames, len(channels), keys_written,
                        tuple(skipped), source.path if source else None, source.found_by if source else None,
                        alignment, opts)


def import_bake_directory(bake_dir: str | Path, sequence_folder: str, metahuman_binding: str, *,
                          sequence_prefix: str = "LS_", audio: bool = True, **options) -> list[ImportResult]:
    """Import every line of an ``emoface bake`` directory into its own sequence
    ``<sequence_folder>/<sequence_prefix><line id>``, each with the audio its manifest row names.

    Every line is attempted; if any fail, :class:`BatchImportError` lists them (and carries the results).
    """
    results, failures = [], []
    for path in bake_directory_files(bake_dir):
        target = f"{sequence_folder.rstrip('/')}/{sequence_prefix}{asset_name(path.stem)}"
        try:
            results.append(import_bake(path, target, metahuman_binding, audio=None if audio else False, **options))
        except (BakeError, emoface_audio.AudioError, emoface_keys.KeyTimeError, SequencerImportError) as exc:
            log.error("EmoFace: %s failed: %s", path.name, exc)
            failures.append((str(path), str(exc)))
    if failures:
        raise BatchImportError(results, failures)
    return results


def import_options(**options) -> ImportOptions:
    """:class:`ImportOptions` from keyword arguments, refusing unknown names with the valid ones listed."""
    unknown = sorted(set(options) - set(ImportOptions.__dataclass_fields__))
    if unknown:
        raise TypeError(f"unknown import option(s) {', '.join(unknown)}; valid: "
                        + ", ".join(ImportOptions.__dataclass_fields__))
    return ImportOptions(**options)


# ----------------------------------------------------------------------------- sequence and binding
def open_or_create_sequence(path: str, display_rate: object = None):
    """``(level_sequence, created)`` for a content path such as ``/Game/Cinematics/LS_Line042``."""
    path = path.rstrip("/")
    folder, _, name = path.rpartition("/")
    if not path.startswith("/") or not folder or not name:
        raise SequencerImportError(f"sequence must be a content path like /Game/Cinematics/LS_Line042, got {path!r}")
    created = not unreal.EditorAssetLibrary.does_asset_exist(path)
    if created:
        factory = unreal.LevelSequenceFactoryNew()
        level_sequence = unreal.AssetToolsHelpers.get_asset_tools().create_asset(name, folder, unreal.LevelSequence,
                                                                                   factory)
        if level_sequence is None:
            raise SequencerImportError(f"could not create the Level Sequence {path}")
    else:
        level_sequence = unreal.EditorAssetLibrary.load_asset(path)
        if not isinstance(level_sequence, unreal.LevelSequence):
            raise SequencerImportError(f"{path} exists but is not a Level Sequence")
    if display_rate is not None:
        rate = emoface_keys.frame_rate(display_rate)
        level_sequence.set_display_rate(unreal.FrameRate(rate.numerator, rate.denominator))
    return level_sequence, created


def find_face_binding(level_sequence, actor_name: str, face_component: str = "Face"):
    """The sequence's binding of ``actor_name``'s face component: an existing ``actor_name`` / ``Face``
    binding (possessable or spawnable), else a new possessable of the level actor labelled ``actor_name``."""
    for binding in level_sequence.get_bindings():
        if (str(binding.get_display_name()) == face_component
                and str(binding.get_parent().get_display_name()) == actor_name):
            return binding
    actors = unreal.get_editor_subsystem(unreal.EditorActorSubsystem).get_all_level_actors()
    matches = ([a for a in actors if a.get_actor_label() == actor_name]
               or [a for a in actors if a.get_name() == actor_name])
    if not matches:
        faces = sorted(a.get_actor_label() for a in actors if _component(a, face_component) is not None)
        raise BindingNotFoundError(f"no actor labelled {actor_name!r} in the open level, and "
                                   f"{level_sequence.get_name()} has no {actor_name}/{face_component} binding; "
                                   f"actors with a {face_component!r} component: {', '.join(faces[:10]) or 'none'}")
    if len(matches) > 1:
        raise BindingNotFoundError(f"{len(matches)} actors are labelled {actor_name!r}; "
                                   "give each MetaHuman a unique label")
    component = _component(matches[0], face_component)
    if component is None:
        names = [c.get_name() for c in matches[0].get_components_by_class(unreal.SkeletalMeshComponent)]
        raise BindingNotFoundError(f"actor {actor_name!r} has no skeletal mesh component named {face_component!r} "
                                   f"(it has: {', '.join(names) or 'none'}); pass face_component=")
    return level_sequence.add_possessable(component)  # finds the existing binding, or adds it under its actor


def _component(actor, name: str):
    return next((c for c in actor.get_components_by_class(unreal.SkeletalMeshComponent) if c.get_name() == name), None)


# ----------------------------------------------------------------------------- control rig
def face_board_rig(level_sequence, binding, opts: ImportOptions):
    """The face-board Control Rig instance of ``binding``'s Control Rig track (created if missing)."""
    rig_class = control_rig_class(opts.control_rig)
    if opts.clear_existing:
        for track in binding.find_tracks_by_exact_type(unreal.MovieSceneControlRigParameterTrack):
            binding.remove_track(track)
    world = unreal.get_editor_subsystem(unreal.UnrealEditorSubsystem).get_editor_world()
    library = unreal.ControlRigSequencerLibrary
    track = library.find_or_create_control_rig_track(world, level_sequence, rig_class, binding,
                                                     is_layered_control_rig=False)
    if track is None:
        raise ControlRigNotFoundError(f"could not find or create a Control Rig track on {binding.get_display_name()}")
    for proxy in library.get_control_rigs(level_sequence):
        if proxy.track == track and proxy.control_rig is not None:
            return proxy.control_rig
    raise ControlRigNotFoundError("the Control Rig track has no Control Rig instance; is the sequence open in "
                                  "Sequencer with its level loaded?")


def control_rig_class(asset_path: str | None = None):
    """The class of the face-board Control Rig asset (``asset_path``, or the first of FACE_BOARD_RIGS found)."""
    candidates = [asset_path] if asset_path else list(FACE_BOARD_RIGS)
    for path in candidates:
        if not unreal.EditorAssetLibrary.does_asset_exist(path):
            continue
        asset = unreal.EditorAssetLibrary.load_asset(path)
        getter = getattr(asset, "get_control_rig_class", None)
        rig_class = getter() if getter is not None else asset.generated_class()
        if rig_class is None:
            raise ControlRigNotFoundError(f"{path} is not a Control Rig asset")
        return rig_class
    raise ControlRigNotFoundError(f"face-board Control Rig not found at {', '.join(candidates)}; enable the MetaHuman "
                                  "plugins or pass control_rig='/Game/.../Face_ControlBoard_CtrlRig'")


def rig_control_types(rig) -> dict[str, str]:
    """Every control of ``rig``: name -> "float", "vector2d" or the name of another control type."""
    hierarchy = rig.get_hierarchy()
    floats = {t for t in (unreal.RigControlType.FLOAT, getattr(unreal.RigControlType, "SCALE_FLOAT", None)) if t}
    types = {}
    for key in hierarchy.get_controls():
        if hasattr(hierarchy, "get_control_settings"):
            control_type = hierarchy.get_control_settings(key).control_type
        else:
            control_type = hierarchy.find_control(key).settings.control_type
        types[str(key.name)] = (emoface_rig_map.FLOAT if control_type in floats else
                                emoface_rig_map.VECTOR2D if control_type == unreal.RigControlType.VECTOR2D
                                else str(control_type))
    return types


def key_channels(level_sequence, rig, bake: Bake, channels, plan: emoface_keys.KeyPlan,
                 tolerance: float | None) -> int:
    """Key every channel with one batched call per rig control; returns the number of key times written."""
    library = unreal.ControlRigSequencerLibrary
    unit = (unreal.MovieSceneTimeUnit.DISPLAY_RATE if plan.time_unit == "display"
            else unreal.MovieSceneTimeUnit.TICK_RESOLUTION)
    columns = list(zip(*bake.frames))
    total = 0
    for channel in channels:
        x = emoface_keys.sample(columns[channel.x], plan.positions) if channel.x is not None else None
        y = emoface_keys.sample(columns[channel.y], plan.positions) if channel.y is not None else None
        kept = emoface_keys.reduce_keys(plan.frames, [c for c in (x, y) if c is not None], tolerance)
        frames = [unreal.FrameNumber(plan.frames[i]) for i in kept]
        if channel.kind == emoface_rig_map.FLOAT:
            library.set_local_control_rig_floats(level_sequence, rig, channel.rig_control, frames,
                                                 [y[i] for i in kept], unit)
        else:
            values = [unreal.Vector2D(x[i] if x else 0.0, y[i] if y else 0.0) for i in kept]
            library.set_local_control_rig_vector2_ds(level_sequence, rig, channel.rig_control, frames, values, unit)
        total += len(kept)
    return total


def _report_skipped(bake: Bake, skipped, strict: bool) -> None:
    if not skipped:
        return
    text = "; ".join(f"{s.column} ({s.reason})" for s in skipped)
    if strict:
        raise ControlRigNotFoundError(f"{bake.path.name}: {len(skipped)} control(s) cannot be keyed: {text}")
    log.warning("EmoFace: %s: %d control(s) not keyed: %s", bake.path.name, len(skipped), text)


# ----------------------------------------------------------------------------- audio
def load_sound(source: emoface_audio.AudioSource, folder: str, bake: Bake, max_mismatch_s: float | None):
    """The SoundWave for ``source``: an existing asset, or the WAV file imported into ``folder``."""
    if source.is_asset:
        if not unreal.EditorAssetLibrary.does_asset_exist(source.path):
            raise emoface_audio.AudioError(f"sound asset not found: {source.path}")
        sound = unreal.EditorAssetLibrary.load_asset(source.path)
    else:
        task = unreal.AssetImportTask()
        task.filename = source.path
        task.destination_path = folder
        task.destination_name = asset_name(source.name)
        task.automated = True
        task.replace_existing = True
        task.save = True
        unreal.AssetToolsHelpers.get_asset_tools().import_asset_tasks([task])
        paths = list(task.imported_object_paths or [])
        if not paths:
            raise emoface_audio.AudioError(f"importing {source.path} into {folder} failed (see the Output Log)")
        sound = unreal.EditorAssetLibrary.load_asset(paths[0])
    if not isinstance(sound, unreal.SoundBase):
        raise emoface_audio.AudioError(f"{source.path} is not a sound asset")
    if source.duration_s is None:
        emoface_audio.check_duration(bake, _sound_duration_s(source, sound), source.path, max_mismatch_s)
    return sound


def _sound_duration_s(source, sound) -> float | None:
    if source is not None and source.duration_s:
        return source.duration_s
    if sound is None:
        return None
    duration = float(sound.get_editor_property("duration"))
    return duration if duration > 0 else None


def add_audio_section(level_sequence, line_id: str, sound, alignment: emoface_keys.Alignment):
    """An audio track ``EmoFace <line id>`` (reused on re-import) with one section of ``sound`` that
    starts at ``alignment.start_frame``, where baked frame 0 plays."""
    name = AUDIO_TRACK_PREFIX + line_id
    track = next((t for t in level_sequence.find_tracks_by_exact_type(unreal.MovieSceneAudioTrack)
                  if str(t.get_display_name()) == name), None)
    if track is None:
        track = level_sequence.add_track(unreal.MovieSceneAudioTrack)
        track.set_display_name(name)
    else:
        for section in list(track.get_sections()):
            track.remove_section(section)
    section = track.add_section()
    section.set_sound(sound)
    section.set_range(alignment.start_frame, alignment.audio_end_frame or alignment.clip_end_frame)
    return section


# ----------------------------------------------------------------------------- helpers
def asset_name(text: str) -> str:
    """A valid asset name from a line id or file name."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", text) or "Line"


def _rate(frame_rate) -> Fraction:
    return Fraction(frame_rate.numerator, frame_rate.denominator)


def _rate_text(rate: Fraction) -> str:
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"
