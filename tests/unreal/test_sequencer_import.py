"""Tests of the plugin's Sequencer import script (``unreal_plugin/EmoFaceLiveLink/Content/Python``).

No Unreal Engine runs here. What is tested:
- the pure part (reading and validating bakes, fps conversion, key reduction, audio discovery and
  alignment) on real bakes made by ``emoface bake`` (the whole command, in this process) on synthesised speech;
- the Unreal part (``emoface_sequencer``) against a recording stand-in of the ``unreal`` module that
  implements only the API the script calls, with the signatures of Epic's Python API reference,
  and records every asset, binding, track, key and audio section; the recorded keys are compared
  with the baked curves, value and time, for every control.
"""
from __future__ import annotations

import ast
import importlib
import json
import math
import sys
import types
import wave
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from emoface_testing import emoface, encode_audio, speechlike
from model.rig import rig
from server.runtime import formats

REPO = Path(__file__).resolve().parents[2]
CONTENT_PYTHON = REPO / "unreal_plugin" / "EmoFaceLiveLink" / "Content" / "Python"
LINES = {"line_a": 1.5, "line_b": 0.9}  # id -> audio seconds (90 and 54 frames at 60 fps)
UE56_RIG = "/MetaHumanCharacter/Face/Face_ControlBoard_CtrlRig"
OLD_RIG = "/Game/MetaHumans/Common/Face/Face_ControlBoard_CtrlRig"

if str(CONTENT_PYTHON) not in sys.path:
    sys.path.insert(0, str(CONTENT_PYTHON))

import emoface_audio  # noqa: E402
import emoface_bake_io  # noqa: E402
import emoface_keys  # noqa: E402
import emoface_rig_map  # noqa: E402


# ============================================================================= real bakes
@pytest.fixture(scope="module")
def bake_dir(tmp_path_factory, tiny_checkpoint) -> Path:
    """``emoface bake`` run on two synthesised lines from their folder, JSON and CSV outputs."""
    root = tmp_path_factory.mktemp("bake")
    (root / "vo").mkdir()
    for i, (line_id, seconds) in enumerate(LINES.items()):
        (root / "vo" / f"{line_id}.wav").write_bytes(encode_audio(speechlike(seconds, seed=i), 16000))
    (root / "manifest.csv").write_text("id,audio,emotion\nline_a,vo/line_a.wav,happy:0.6\nline_b,vo/line_b.wav,sad\n")
    proc = emoface("bake", "manifest.csv", "-o", "baked", "--format", "json", "--format", "csv",
                   "--checkpoint", tiny_checkpoint, cwd=root)
    assert proc.returncode == 0, proc.stderr
    return root / "baked"


@pytest.fixture(scope="module")
def line_a(bake_dir) -> Path:
    return bake_dir / "line_a.json"


def _reference(path: Path) -> np.ndarray:
    """The bake as the project's own reader sees it, ``(frames, controls)``."""
    return formats.read(path).frames.astype(np.float64)


# ============================================================================= the shipped files
def test_the_shipped_rig_table_is_the_projects():
    shipped = (CONTENT_PYTHON / "emoface_controls.tsv").read_bytes()
    assert shipped == (REPO / "model" / "data" / "controls.tsv").read_bytes()
    names = [c.name for c in emoface_bake_io.rig_controls()]
    assert names == list(rig().names)
    assert [c.ue_name for c in emoface_bake_io.rig_controls()] == list(rig().ue_names)


def test_content_python_is_standard_library_only():
    own = {p.stem for p in CONTENT_PYTHON.glob("*.py")}
    for path in CONTENT_PYTHON.glob("*.py"):
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
        allowed = set(sys.stdlib_module_names) | own | ({"unreal"} if path.stem == "emoface_sequencer" else set())
        assert imported <= allowed, (path.name, imported - allowed)
        assert "numpy" not in imported and "model" not in imported and "server" not in imported


def test_readme_says_it_was_not_run_in_unreal():
    text = (CONTENT_PYTHON / "README.md").read_text()
    assert "not been run inside Unreal" in text
    assert "Python Editor Script Plugin" in text and "import_bake(" in text and "import_bake_directory(" in text


# ============================================================================= reading
def test_json_bake_matches_the_projects_reader(line_a):
    bake = emoface_bake_io.read_bake(line_a)
    assert (bake.num_frames, bake.fps, len(bake.controls)) == (90, 60.0, 174)
    assert bake.duration_s == pytest.approx(1.5)
    assert bake.line_id == "line_a"
    assert bake.provenance["model_id"].startswith("tiny-test@")
    assert bake.options["seed"] is not None and "emotion" in bake.metadata
    np.testing.assert_allclose(np.array(bake.frames), _reference(line_a), atol=1e-6)
    assert np.ptp(np.array(bake.frames), axis=0).max() > 0.01  # a real, moving animation


def test_csv_bake_matches_json(bake_dir):
    from_csv = emoface_bake_io.read_bake(bake_dir / "line_a.csv")
    from_json = emoface_bake_io.read_bake(bake_dir / "line_a.json")
    assert from_csv.controls == from_json.controls and from_csv.fps == 60.0
    np.testing.assert_allclose(np.array(from_csv.frames), np.array(from_json.frames), atol=1e-6)
    np.testing.assert_allclose(np.array(from_csv.frames), _reference(bake_dir / "line_a.csv"), atol=1e-6)


def test_subset_bakes_read_in_both_formats(line_a, tmp_path):
    subset = formats.read(line_a).subset(["mouth", "CTRL_L_eye_blink.ty"])
    for fmt in ("json", "csv"):
        path = formats.write(subset, tmp_path / f"sub.{fmt}")
        bake = emoface_bake_io.read_bake(path)
        assert [c.name for c in bake.controls] == list(subset.controls)
        np.testing.assert_allclose(np.array(bake.frames), subset.frames, atol=1e-6)


def test_unreal_and_newer_rig_names_are_accepted(tmp_path):
    path = tmp_path / "names.csv"
    path.write_text("CTRL_C_jaw.ty,ctrl_c_tongue_move.tx,CTRL_C_tongue_wideNarrow-translateY\n0.5,0.25,-0.5\n")
    bake = emoface_bake_io.read_bake(path)
    assert [c.name for c in bake.controls] == ["CTRL_C_jaw-translateY", "CTRL_C_tongue-translateX",
                                               "CTRL_C_tongue_narrowWide-translateY"]
    assert bake.curve("CTRL_C_tongue.tx") == [0.25]


# ----------------------------------------------------------------------------- every validation error
def _json(tmp_path: Path, obj=None, text: str | None = None) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(text if text is not None else json.dumps(obj))
    return path


def _good(**changes) -> dict:
    obj = {"controls": ["CTRL_C_jaw-translateY", "CTRL_C_mouth-translateX"], "fps": 60, "num_frames": 3,
           "frames": [[0.1, 0.0], [0.2, -0.1], [0.3, 0.2]], "options": {}, "provenance": {}}
    obj.update(changes)
    return obj


@pytest.mark.parametrize("change, where, message", [
    ({"controls": ["CTRL_C_jaw-translateY", "CTRL_nope.ty"]}, "controls", "unknown control name(s) 'CTRL_nope.ty'"),
    ({"controls": ["CTRL_C_jaw-translateY", "CTRL_C_jaw.ty"]}, "controls", "appears twice"),
    ({"controls": []}, "controls", "no control names"),
    ({"controls": "CTRL_C_jaw.ty"}, "controls", "must be a list"),
    ({"fps": 0}, "fps", "positive number"),
    ({"fps": "60"}, "fps", "positive number"),
    ({"fps": -60}, "fps", "positive number"),
    ({"num_frames": 4}, "num_frames", "says 4 but frames holds 3"),
    ({"frames": []}, "frames", "non-empty list"),
    ({"frames": [[0.1, 0.0], [0.2], [0.3, 0.2]]}, "frame 1", "expected 2 values"),
    ({"frames": [[0.1, 0.0], [0.2, None], [0.3, 0.2]]}, "frame 1, control CTRL_C_mouth-translateX", "not a number"),
    ({"frames": [[0.1, 0.0], [0.2, "x"], [0.3, 0.2]]}, "frame 1, control CTRL_C_mouth-translateX", "not a number"),
    ({"frames": [[0.1, 0.0], [True, 0.0], [0.3, 0.2]]}, "frame 1, control CTRL_C_jaw-translateY", "not a number"),
    ({"frames": [[0.1, 0.0], [0.2, 0.0], [1.5, 0.2]]}, "frame 2, control CTRL_C_jaw-translateY",
     "outside the control's range [0, 1]"),
    ({"frames": [[0.1, -1.01], [0.2, 0.0], [0.3, 0.2]]}, "frame 0, control CTRL_C_mouth-translateX",
     "outside the control's range [-1, 1]"),
    ({"options": [1]}, "options", "must be an object"),
])
def test_json_validation_errors_name_the_file_and_place(tmp_path, change, where, message):
    path = _json(tmp_path, _good(**change))
    with pytest.raises(emoface_bake_io.BakeError) as err:
        emoface_bake_io.read_bake(path)
    assert str(err.value).startswith(f"{path}: {where}: ")
    assert message in str(err.value)


def test_json_syntax_missing_fields_and_non_finite_values(tmp_path):
    with pytest.raises(emoface_bake_io.BakeError, match=r"bad.json: line 2 column \d+: not valid JSON"):
        emoface_bake_io.read_bake(_json(tmp_path, text='{"controls": [],\n "fps": ,}'))
    with pytest.raises(emoface_bake_io.BakeError, match="must be an object with controls"):
        emoface_bake_io.read_bake(_json(tmp_path, [1, 2]))
    with pytest.raises(emoface_bake_io.BakeError, match="missing field.s. fps, frames"):
        emoface_bake_io.read_bake(_json(tmp_path, {"controls": ["CTRL_C_jaw.ty"]}))
    for token in ("NaN", "Infinity", "-Infinity"):
        text = json.dumps(_good()).replace("0.2, -0.1", f"0.2, {token}")
        with pytest.raises(emoface_bake_io.BakeError, match="frame 1, control CTRL_C_mouth-translateX: .* not finite"):
            emoface_bake_io.read_bake(_json(tmp_path, text=text))


def test_out_of_range_values_can_be_clamped(tmp_path):
    path = _json(tmp_path, _good(frames=[[0.1, 0.0], [0.2, 1.5], [-0.5, 0.2]]))
    bake = emoface_bake_io.read_bake(path, out_of_range="clamp")
    assert bake.clamped_values == 2
    assert bake.curve("CTRL_C_mouth.tx") == [0.0, 1.0, 0.2] and bake.curve("CTRL_C_jaw.ty") == [0.1, 0.2, 0.0]
    near = _json(tmp_path, _good(frames=[[1.00005, 0.0], [0.2, 0.0], [0.3, 0.2]]))
    assert emoface_bake_io.read_bake(near).curve("CTRL_C_jaw.ty")[0] == 1.00005  # within RANGE_TOLERANCE
    with pytest.raises(ValueError, match="out_of_range"):
        emoface_bake_io.read_bake(path, out_of_range="ignore")


@pytest.mark.parametrize("text, where, message", [
    ("", "", "empty file"),
    ("\n\n", "", "empty file"),
    ("CTRL_C_jaw.ty,CTRL_C_mouth.tx\n", "", "no frames after the header"),
    ("CTRL_C_jaw.ty,CTRL_bogus.tx\n0.1,0.2\n", "line 1 (header)", "unknown control name(s) 'CTRL_bogus.tx'"),
    ("CTRL_C_jaw.ty,CTRL_C_mouth.tx\n0.1,0.2\n0.1\n", "line 3 (frame 1)", "expected 2 values, got 1"),
    ("CTRL_C_jaw.ty,CTRL_C_mouth.tx\n0.1,0.2\n\n0.1,0.2\n", "line 3 (frame 1)", "expected 2 values, got 0"),
    ("CTRL_C_jaw.ty,CTRL_C_mouth.tx\n0.1,0.2\n0.1,abc\n", "line 3 (frame 1), column CTRL_C_mouth-translateX",
     "'abc' is not a number"),
    ("CTRL_C_jaw.ty,CTRL_C_mouth.tx\n0.1,0.2\nnan,0.2\n", "line 3 (frame 1), column CTRL_C_jaw-translateY",
     "not finite"),
    ("CTRL_C_jaw.ty,CTRL_C_mouth.tx\ninf,0.2\n", "line 2 (frame 0), column CTRL_C_jaw-translateY", "not finite"),
    ("CTRL_C_jaw.ty,CTRL_C_mouth.tx\n0.1,0.2\n0.1,-2\n", "frame 1, control CTRL_C_mouth-translateX", "outside"),
])
def test_csv_validation_errors_name_the_file_and_line(tmp_path, text, where, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(emoface_bake_io.BakeError) as err:
        emoface_bake_io.read_bake(path)
    assert str(err.value).startswith(f"{path}: {where}: " if where else f"{path}: ")
    assert message in str(err.value)


def test_missing_files_and_other_formats_are_refused(tmp_path, line_a):
    with pytest.raises(emoface_bake_io.BakeError, match="baked animation not found"):
        emoface_bake_io.read_bake(tmp_path / "nope.json")
    npz = formats.write(formats.read(line_a), tmp_path / "line.npz")
    with pytest.raises(emoface_bake_io.BakeError, match="unsupported bake format '.npz'"):
        emoface_bake_io.read_bake(npz)
    with pytest.raises(emoface_bake_io.BakeError, match="positive number"):
        emoface_bake_io.read_bake(line_a.with_suffix(".csv"), csv_fps=0)


def test_bake_directory_lists_one_file_per_line(bake_dir, tmp_path):
    assert [p.name for p in emoface_bake_io.bake_directory_files(bake_dir)] == ["line_a.json", "line_b.json"]
    only_csv = tmp_path / "csv_only"
    only_csv.mkdir()
    (only_csv / "x.csv").write_text((bake_dir / "line_b.csv").read_text())
    assert [p.name for p in emoface_bake_io.bake_directory_files(only_csv)] == ["x.csv"]
    with pytest.raises(emoface_bake_io.BakeError, match="bake directory not found"):
        emoface_bake_io.bake_directory_files(only_csv / "x.csv")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(emoface_bake_io.BakeError, match="no baked .json or .csv lines"):
        emoface_bake_io.bake_directory_files(empty)


# ============================================================================= fps conversion
@pytest.mark.parametrize("line_id, frames", [("line_a", 90), ("line_b", 54)])
@pytest.mark.parametrize("rate, expected", [(24, {90: 36, 54: 22}), (30, {90: 45, 54: 27}), (60, {90: 90, 54: 54}),
                                            ("30000/1001", {90: 45, 54: 27})])
def test_display_rate_keys_cover_the_clip(bake_dir, line_id, frames, rate, expected):
    bake = emoface_bake_io.read_bake(bake_dir / f"{line_id}.json")
    assert bake.num_frames == frames
    display = emoface_keys.frame_rate(rate)
    plan = emoface_keys.plan_keys(bake.num_frames, Fraction(60), display, Fraction(24000), start_frame=7)
    assert plan.time_unit == "display" and len(plan.frames) == expected[frames]
    assert plan.frames == tuple(range(7, 7 + expected[frames]))
    seconds = emoface_keys.key_seconds(plan, display, Fraction(24000))
    duration = frames / 60
    last = seconds[-1] - 7 / display
    assert last < duration <= last + 1 / display + 1e-12  # the last key is the last display frame inside the clip
    assert all(p == Fraction(k) * 60 / display for k, p in enumerate(plan.positions))


def test_source_rate_keys_land_on_exact_ticks(line_a):
    bake = emoface_bake_io.read_bake(line_a)
    for display in (24, 30, 60):
        plan = emoface_keys.plan_keys(bake.num_frames, Fraction(60), Fraction(display), Fraction(24000), start_frame=12,
                                      key_rate="source")
        start_tick = 12 * 24000 // display
        assert plan.time_unit == "tick" and plan.max_rounding_s == 0
        assert plan.frames == tuple(start_tick + 400 * i for i in range(90))
        assert plan.frames[-1] / 24000 == pytest.approx(12 / display + 89 / 60)


def test_coarse_tick_resolutions(line_a):
    with pytest.raises(emoface_keys.KeyTimeError, match="cannot hold one key per frame at 60 fps"):
        emoface_keys.plan_keys(90, Fraction(60), Fraction(24), Fraction(24), key_rate="source")
    plan = emoface_keys.plan_keys(90, Fraction(60), Fraction(30), Fraction(90), key_rate="source")
    assert plan.max_rounding_s == pytest.approx(1 / 180)  # 1.5 ticks per frame rounds by half a tick
    with pytest.raises(emoface_keys.KeyTimeError, match="key_rate"):
        emoface_keys.plan_keys(90, Fraction(60), Fraction(30), Fraction(24000), key_rate="smart")


def test_frame_rates_parse_exactly():
    assert emoface_keys.frame_rate(24) == 24
    assert emoface_keys.frame_rate(29.97) == Fraction(30000, 1001)
    assert emoface_keys.frame_rate(59.94) == Fraction(60000, 1001)
    assert emoface_keys.frame_rate("30000/1001") == emoface_keys.frame_rate((30000, 1001))
    for bad in (0, -24, "abc", "1/0", None, True):
        with pytest.raises(emoface_keys.KeyTimeError):
            emoface_keys.frame_rate(bad)


def test_sampling_interpolates_and_holds():
    values = [0.0, 1.0, 0.5]
    got = emoface_keys.sample(values, [Fraction(0), Fraction(1, 2), Fraction(5, 2), Fraction(3, 2), Fraction(7)])
    assert got == pytest.approx([0.0, 0.5, 0.5, 0.75, 0.5])


# ============================================================================= key reduction
@pytest.mark.parametrize("tolerance", [0.0005, 0.002, 0.01])
def test_reduction_keeps_every_dropped_key_within_tolerance(line_a, tolerance):
    frames = np.array(emoface_bake_io.read_bake(line_a).frames)
    times = [float(t) for t in range(frames.shape[0])]
    total_kept = 0
    for column in frames.T:
        kept = emoface_keys.reduce_keys(times, [list(column)], tolerance)
        assert kept[0] == 0 and kept[-1] == len(times) - 1 and kept == sorted(set(kept))
        rebuilt = np.interp(times, np.array(times)[kept], column[kept])
        assert np.abs(rebuilt - column).max() <= tolerance + 1e-9
        total_kept += len(kept)
    assert total_kept < frames.size  # something was dropped


def test_reduction_of_simple_curves():
    times = list(range(100))
    assert emoface_keys.reduce_keys(times, [[0.3] * 100], 0.001) == [0, 99]
    assert emoface_keys.reduce_keys(times, [[0.01 * t for t in times]], 1e-9) == [0, 99]
    assert emoface_keys.reduce_keys(times, [[0.01 * t for t in times], [0.3] * 100], 1e-9) == [0, 99]
    assert emoface_keys.reduce_keys(times, [[(t % 2) * 0.1 for t in times]], 0.01) == times  # nothing to drop
    spike = [0.0] * 100
    spike[40] = 0.5
    assert emoface_keys.reduce_keys(times, [spike], 0.01) == [0, 39, 40, 41, 99]
    assert emoface_keys.reduce_keys(times, [spike], None) == times
    with pytest.raises(ValueError, match="non-negative"):
        emoface_keys.reduce_keys(times, [spike], -0.1)


def test_joint_reduction_bounds_both_axes(line_a):
    bake = emoface_bake_io.read_bake(line_a)
    x, y = bake.curve("CTRL_C_jaw.tx"), bake.curve("CTRL_C_jaw.ty")
    times = [float(t) for t in range(len(x))]
    kept = emoface_keys.reduce_keys(times, [x, y], 0.003)
    for curve in (np.array(x), np.array(y)):
        assert np.abs(np.interp(times, np.array(times)[kept], curve[kept]) - curve).max() <= 0.003 + 1e-9


# ============================================================================= audio
def test_audio_is_found_through_the_bake_manifest(bake_dir):
    for line_id, seconds in LINES.items():
        source = emoface_audio.find_audio(emoface_bake_io.read_bake(bake_dir / f"{line_id}.json"))
        assert Path(source.path) == (bake_dir.parent / "vo" / f"{line_id}.wav").resolve()
        assert source.found_by == "bake manifest manifest.csv" and not source.is_asset
        assert source.duration_s == pytest.approx(seconds)


def test_audio_search_order_and_failures(line_a, tmp_path):
    loose = tmp_path / "loose"
    loose.mkdir()
    bake_path = loose / "take.json"
    bake_path.write_text(line_a.read_text())
    with pytest.raises(emoface_audio.AudioError) as err:
        emoface_audio.find_audio(emoface_bake_io.read_bake(bake_path))
    assert "take.json: no audio found for line 'take'" in str(err.value) and "take.wav" in str(err.value)
    assert "audio=False" in str(err.value)
    (loose / "take.wav").write_bytes(encode_audio(speechlike(1.5), 16000))
    beside = emoface_audio.find_audio(emoface_bake_io.read_bake(bake_path))
    assert beside.found_by == "beside the bake" and Path(beside.path) == (loose / "take.wav").resolve()
    obj = json.loads(line_a.read_text())
    obj["provenance"]["audio_path"] = "../vo/elsewhere.wav"
    (tmp_path / "vo").mkdir()
    (tmp_path / "vo" / "elsewhere.wav").write_bytes(encode_audio(speechlike(1.5), 16000))
    bake_path.write_text(json.dumps(obj))
    recorded = emoface_audio.find_audio(emoface_bake_io.read_bake(bake_path))
    assert recorded.found_by == "provenance.audio_path" and recorded.path.endswith("elsewhere.wav")
    explicit = emoface_audio.find_audio(emoface_bake_io.read_bake(bake_path), loose / "take.wav")
    assert explicit.found_by == "argument"
    asset = emoface_audio.find_audio(emoface_bake_io.read_bake(bake_path), "/Game/Audio/VO/Line_042")
    assert asset.is_asset and asset.name == "Line_042" and asset.duration_s is None
    with pytest.raises(emoface_audio.AudioError, match="audio file not found"):
        emoface_audio.find_audio(emoface_bake_io.read_bake(bake_path), loose / "missing.wav")
    with pytest.raises(emoface_audio.AudioError, match="unsupported audio format '.json'"):
        emoface_audio.find_audio(emoface_bake_io.read_bake(bake_path), bake_path)


def test_audio_length_must_match_the_clip(line_a, tmp_path):
    bake = emoface_bake_io.read_bake(line_a)
    emoface_audio.check_duration(bake, 1.5 + 0.016, "ok.wav")
    with pytest.raises(emoface_audio.AudioError, match=r"audio wrong.wav is 3.000 s but the animation is 1.500 s"):
        emoface_audio.check_duration(bake, 3.0, "wrong.wav")
    emoface_audio.check_duration(bake, 3.0, "wrong.wav", max_mismatch_s=None)
    stereo = tmp_path / "stereo48k.wav"
    stereo.write_bytes(encode_audio(np.zeros((48000 * 2, 2), np.float32), 48000, subtype="PCM_16"))
    assert emoface_audio.wav_duration_s(stereo) == pytest.approx(2.0)
    assert emoface_audio.wav_duration_s(tmp_path / "x.flac") is None


@pytest.mark.parametrize("display, start, audio_s, expected", [
    (60, 0, 1.5, (0, 90, 90, 0, 90)),
    (24, 0, 1.5, (0, 36, 36, 0, 36)),
    (24, 12, 1.5, (12, 48, 48, 12, 48)),
    (30, 5, 1.51, (5, 50, 51, 5, 51)),        # audio a little longer than the clip: the range covers it
    (30, -3, None, (-3, 42, None, -3, 42)),   # length unknown: the clip decides
])
def test_alignment_puts_frame_zero_at_the_audio_start(display, start, audio_s, expected):
    a = emoface_keys.align(90, Fraction(60), Fraction(display), start, audio_s)
    got = (a.start_frame, a.clip_end_frame, a.audio_end_frame, a.playback_start_frame, a.playback_end_frame)
    assert got == expected
    assert a.offset_s == pytest.approx(start / display)
    grown = emoface_keys.align(90, Fraction(60), Fraction(display), start, audio_s, existing_range=(-10, 400))
    assert (grown.playback_start_frame, grown.playback_end_frame) == (min(-10, start), 400)
    with pytest.raises(emoface_keys.KeyTimeError, match="audio duration"):
        emoface_keys.align(90, Fraction(60), Fraction(display), start, -1.0)


# ============================================================================= rig mapping
def test_mapping_uses_the_rigs_own_names_and_types(line_a):
    bake = emoface_bake_io.read_bake(line_a)
    channels, skipped = emoface_rig_map.map_to_rig(bake.controls, face_board_types(newer_names=True))
    assert skipped == []
    by_name = {c.rig_control: c for c in channels}
    names = [c.name for c in bake.controls]
    jaw = by_name["CTRL_C_jaw"]
    assert (jaw.kind, names[jaw.x], names[jaw.y]) == ("vector2d", "CTRL_C_jaw-translateX", "CTRL_C_jaw-translateY")
    blink = by_name["CTRL_L_eye_blink"]
    assert (blink.kind, blink.x, names[blink.y]) == ("float", None, "CTRL_L_eye_blink-translateY")
    assert names[by_name["CTRL_C_tongue_move"].x] == "CTRL_C_tongue-translateX"
    assert "CTRL_C_tongue" not in by_name
    assert sum((c.x is not None) + (c.y is not None) for c in channels) == 174


def test_mapping_reports_what_cannot_be_keyed(line_a):
    bake = emoface_bake_io.read_bake(line_a)
    types_ = face_board_types(newer_names=False)
    del types_["CTRL_lookAtSwitch"]
    types_["CTRL_C_tongue_roll"] = "float"       # a one-way roll: its .tx has no channel
    types_["CTRL_C_neck_swallow"] = "RigControlType.BOOL"
    channels, skipped = emoface_rig_map.map_to_rig(bake.controls, types_)
    reasons = {s.column: s.reason for s in skipped}
    assert set(reasons) == {"CTRL_lookAtSwitch-translateY", "CTRL_C_tongue_roll-translateX",
                            "CTRL_C_neck_swallow-translateY"}
    assert "no control CTRL_lookAtSwitch" in reasons["CTRL_lookAtSwitch-translateY"]
    assert "keyed from CTRL_C_tongue_roll.ty only" in reasons["CTRL_C_tongue_roll-translateX"]
    assert "only Float and Vector2D" in reasons["CTRL_C_neck_swallow-translateY"]
    assert "CTRL_C_tongue" in {c.rig_control for c in channels}  # the older rig's name is used when present


def face_board_types(newer_names: bool = True, drop: tuple[str, ...] = ()) -> dict[str, str]:
    """A face board like MetaHuman's: two-axis controls are Vector2D, one-axis controls Float."""
    axes: dict[str, set[str]] = {}
    for c in rig().controls:
        name = c.newer_rig_control if (newer_names and c.newer_rig_control) else c.control
        axes.setdefault(name, set()).add(c.axis)
    types_ = {name: ("vector2d" if a == {"tx", "ty"} else "float") for name, a in axes.items() if name not in drop}
    types_["CTRL_C_tongue_thickThin"] = "float"  # on the newer rig; EmoFace does not drive it
    return types_


# ============================================================================= the recording stand-in of `unreal`
class _Enum:
    def __init__(self, owner: str, name: str):
        self.owner, self.name = owner, name

    def __repr__(self):
        return f"{self.owner}.{self.name}"


def _enum(owner: str, *names: str) -> type:
    return type(owner, (), {n: _Enum(owner, n) for n in names})


class FakeEditor:
    """One editor session: assets, a level, the Sequencer state and a log of every call made."""

    def __init__(self):
        self.calls: list[tuple] = []
        self.errors: list[str] = []
        self.assets: dict[str, object] = {}
        self.open_sequence = None
        self.saved: list[object] = []
        self.imports: list[object] = []
        self.module = _build_module(self)
        ue = self.module
        self.world = ue.World("EditorWorld")
        self.actors = [ue.Actor("BP_Hero", [ue.SkeletalMeshComponent("Body"), ue.SkeletalMeshComponent("Face")]),
                       ue.Actor("BP_Extra", [ue.SkeletalMeshComponent("Face")]),
                       ue.Actor("SkyLight", [])]
        self.add_rig(UE56_RIG, face_board_types(newer_names=True))

    def add_rig(self, path: str, control_types: dict[str, str]) -> None:
        self.assets[path] = self.module.ControlRigBlueprint(path.rsplit("/", 1)[-1], control_types)

    def record(self, name: str, *args, **kwargs) -> None:
        self.calls.append((name, args, kwargs))

    def called(self, name: str) -> list[tuple]:
        return [(a, k) for n, a, k in self.calls if n == name]


def _build_module(editor: FakeEditor) -> types.ModuleType:  # noqa: C901 - one namespace, many small classes
    ue = types.ModuleType("unreal")
    ue.MovieSceneTimeUnit = _enum("MovieSceneTimeUnit", "DISPLAY_RATE", "TICK_RESOLUTION")
    ue.RigControlType = _enum("RigControlType", "BOOL", "FLOAT", "SCALE_FLOAT", "INTEGER", "VECTOR2D", "POSITION",
                              "EULER_TRANSFORM")
    ue.RigElementType = _enum("RigElementType", "CONTROL")

    class FrameRate:
        def __init__(self, numerator: int = 0, denominator: int = 1):
            self.numerator, self.denominator = numerator, denominator

    class FrameNumber:
        def __init__(self, value: int = 0):
            assert isinstance(value, int), f"FrameNumber takes an int32, got {value!r}"
            self.value = value

    class Vector2D:
        def __init__(self, x: float = 0.0, y: float = 0.0):
            self.x, self.y = float(x), float(y)

    class RigElementKey:
        def __init__(self, type=None, name="None"):  # noqa: A002 - the API's parameter name
            self.type, self.name = type, name

    class Object:
        def __init__(self, name: str = "None"):
            self._name = name

        def get_name(self) -> str:
            return self._name

    class World(Object):
        pass

    class SoundBase(Object):
        def __init__(self, name: str, duration: float):
            super().__init__(name)
            self._duration = duration

        def get_editor_property(self, name: str):
            assert name == "duration", name
            return self._duration

    class SoundWave(SoundBase):
        pass

    class SkeletalMeshComponent(Object):
        pass

    class Actor(Object):
        def __init__(self, label: str, components: list):
            super().__init__(label + "_C_1")
            self._label, self._components = label, components
            for c in components:
                c.owner = self

        def get_actor_label(self) -> str:
            return self._label

        def get_components_by_class(self, component_class) -> list:
            return [c for c in self._components if isinstance(c, component_class)]

    class MovieSceneSection(Object):
        pass

    class MovieSceneAudioSection(MovieSceneSection):
        def __init__(self):
            super().__init__("MovieSceneAudioSection")
            self.sound, self.range = None, None

        def set_sound(self, sound) -> None:
            editor.record("MovieSceneAudioSection.set_sound", sound)
            self.sound = sound

        def set_range(self, start_frame: int, end_frame: int) -> None:
            editor.record("MovieSceneSection.set_range", start_frame, end_frame)
            self.range = (start_frame, end_frame)

    class MovieSceneTrack(Object):
        section_class = MovieSceneSection

        def __init__(self):
            super().__init__(type(self).__name__)
            self.sections, self.display_name = [], ""

        def add_section(self):
            section = self.section_class()
            self.sections.append(section)
            return section

        def get_sections(self) -> list:
            return list(self.sections)

        def remove_section(self, section) -> None:
            editor.record("MovieSceneTrack.remove_section", section)
            self.sections.remove(section)

        def get_display_name(self) -> str:
            return self.display_name

        def set_display_name(self, display_name: str) -> None:
            self.display_name = display_name

    class MovieSceneAudioTrack(MovieSceneTrack):
        section_class = MovieSceneAudioSection

    class MovieSceneControlRigParameterTrack(MovieSceneTrack):
        def __init__(self, control_rig):
            super().__init__()
            self.control_rig = control_rig
            self.keys: dict[str, list[tuple]] = {}

    class RigControlSettings:
        def __init__(self, control_type):
            self.control_type = control_type

    class RigControlElement:
        def __init__(self, key, control_type):
            self.key, self.settings = key, RigControlSettings(control_type)

    class RigHierarchy(Object):
        def __init__(self, control_types: dict[str, str]):
            super().__init__("RigHierarchy")
            self._types = control_types

        def get_controls(self, traverse: bool = True) -> list:
            return [RigElementKey(ue.RigElementType.CONTROL, name) for name in self._types]

        def find_control(self, key):
            kind = self._types[key.name]
            mapped = {"float": "FLOAT", "vector2d": "VECTOR2D"}.get(kind, kind.rsplit(".", 1)[-1])
            return RigControlElement(key, getattr(ue.RigControlType, mapped))

    class ControlRig(Object):
        def __init__(self, rig_class):
            super().__init__(rig_class.get_name())
            self.rig_class, self._hierarchy = rig_class, RigHierarchy(rig_class.control_types)

        def get_hierarchy(self):
            return self._hierarchy

    class Class(Object):
        def __init__(self, name: str, control_types: dict[str, str]):
            super().__init__(name + "_C")
            self.control_types = control_types

    class ControlRigBlueprint(Object):
        def __init__(self, name: str, control_types: dict[str, str]):
            super().__init__(name)
            self._class = Class(name, control_types)

        def get_control_rig_class(self):
            return self._class

    class MovieSceneBindingProxy:
        def __init__(self, sequence, name: str, bound, parent=None):
            self.sequence, self.name, self.bound, self.parent, self.tracks = sequence, name, bound, parent, []

        def get_display_name(self) -> str:
            return self.name

        def get_parent(self):
            return self.parent if self.parent is not None else MovieSceneBindingProxy(self.sequence, "", None)

        def find_tracks_by_exact_type(self, track_type) -> list:
            return [t for t in self.tracks if type(t) is track_type]

        def remove_track(self, track) -> None:
            editor.record("MovieSceneBindingProxy.remove_track", track)
            self.tracks.remove(track)

    class LevelSequence(Object):
        def __init__(self, name: str):
            super().__init__(name)
            self.display_rate, self.tick_resolution = FrameRate(30, 1), FrameRate(24000, 1)
            self.playback = (0, 150)  # a new sequence's default range, in display frames
            self.bindings, self.tracks = [], []

        def get_display_rate(self):
            return self.display_rate

        def set_display_rate(self, display_rate) -> None:
            editor.record("LevelSequence.set_display_rate", display_rate.numerator, display_rate.denominator)
            self.display_rate = display_rate

        def get_tick_resolution(self):
            return self.tick_resolution

        def get_playback_start(self) -> int:
            return self.playback[0]

        def get_playback_end(self) -> int:
            return self.playback[1]

        def set_playback_start(self, start_frame: int) -> None:
            self.playback = (start_frame, self.playback[1])

        def set_playback_end(self, end_frame: int) -> None:
            self.playback = (self.playback[0], end_frame)

        def get_bindings(self) -> list:
            return list(self.bindings)

        def add_possessable(self, object_to_possess):
            """Find-or-add, parents first, as ULevelSequence::FindOrAddBinding does."""
            editor.record("LevelSequence.add_possessable", object_to_possess)
            for b in self.bindings:
                if b.bound is object_to_possess:
                    return b
            owner = getattr(object_to_possess, "owner", None)
            parent = self.add_possessable(owner) if owner is not None else None
            name = (object_to_possess.get_actor_label() if isinstance(object_to_possess, Actor)
                    else object_to_possess.get_name())
            binding = MovieSceneBindingProxy(self, name, object_to_possess, parent)
            self.bindings.append(binding)
            return binding

        def add_track(self, track_type):
            editor.record("LevelSequence.add_track", track_type)
            track = track_type()
            self.tracks.append(track)
            return track

        def find_tracks_by_exact_type(self, track_type) -> list:
            return [t for t in self.tracks if type(t) is track_type]

    class LevelSequenceFactoryNew(Object):
        pass

    class AssetImportTask(Object):
        def __init__(self):
            super().__init__("AssetImportTask")
            self.filename = self.destination_path = self.destination_name = ""
            self.automated = self.replace_existing = self.save = False
            self.imported_object_paths = []

    class AssetTools:
        def create_asset(self, asset_name: str, package_path: str, asset_class, factory, calling_context: str = "None"):
            editor.record("AssetTools.create_asset", asset_name, package_path, asset_class, factory)
            assert asset_class is LevelSequence and isinstance(factory, LevelSequenceFactoryNew)
            asset = LevelSequence(asset_name)
            editor.assets[f"{package_path}/{asset_name}"] = asset
            return asset

        def import_asset_tasks(self, import_tasks: list) -> None:
            for task in import_tasks:
                editor.imports.append(task)
                path = Path(task.filename)
                if path.suffix.lower() == ".wav" and path.is_file():
                    with wave.open(str(path)) as w:
                        duration = w.getnframes() / w.getframerate()
                    asset_path = f"{task.destination_path}/{task.destination_name}"
                    editor.assets[asset_path] = SoundWave(task.destination_name, duration)
                    task.imported_object_paths = [f"{asset_path}.{task.destination_name}"]

    class AssetToolsHelpers:
        @classmethod
        def get_asset_tools(cls):
            return AssetTools()

    class EditorAssetLibrary:
        @classmethod
        def does_asset_exist(cls, asset_path: str) -> bool:
            return asset_path.split(".")[0] in editor.assets

        @classmethod
        def load_asset(cls, asset_path: str):
            return editor.assets.get(asset_path.split(".")[0])

        @classmethod
        def save_loaded_asset(cls, asset_to_save, only_if_is_dirty: bool = True) -> bool:
            editor.saved.append(asset_to_save)
            return True

    class LevelSequenceEditorBlueprintLibrary:
        @classmethod
        def open_level_sequence(cls, level_sequence) -> bool:
            editor.open_sequence = level_sequence
            return True

        @classmethod
        def refresh_current_level_sequence(cls) -> None:
            editor.record("LevelSequenceEditorBlueprintLibrary.refresh_current_level_sequence")

    class ControlRigSequencerBindingProxy:
        def __init__(self, proxy, control_rig, track):
            self.proxy, self.control_rig, self.track = proxy, control_rig, track

    class ControlRigSequencerLibrary:
        @classmethod
        def find_or_create_control_rig_track(cls, world, level_sequence, control_rig_class, binding,
                                             is_layered_control_rig: bool = False):
            editor.record("find_or_create_control_rig_track", world, level_sequence, control_rig_class, binding,
                          is_layered_control_rig)
            assert world is editor.world and binding.sequence is level_sequence and isinstance(control_rig_class, Class)
            for track in binding.find_tracks_by_exact_type(MovieSceneControlRigParameterTrack):
                if track.control_rig.rig_class is control_rig_class:
                    return track
            track = MovieSceneControlRigParameterTrack(ControlRig(control_rig_class))
            binding.tracks.append(track)
            return track

        @classmethod
        def get_control_rigs(cls, level_sequence) -> list:
            return [ControlRigSequencerBindingProxy(b, t.control_rig, t) for b in level_sequence.bindings
                    for t in b.find_tracks_by_exact_type(MovieSceneControlRigParameterTrack)]

        @classmethod
        def set_local_control_rig_floats(cls, level_sequence, control_rig, control_name, frames, values,
                                         time_unit=ue.MovieSceneTimeUnit.DISPLAY_RATE) -> None:
            cls._key(level_sequence, control_rig, control_name, frames, values, time_unit,
                     ("FLOAT", "SCALE_FLOAT"), float)

        @classmethod
        def set_local_control_rig_vector2_ds(cls, level_sequence, control_rig, control_name, frames, values,
                                             time_unit=ue.MovieSceneTimeUnit.DISPLAY_RATE) -> None:
            cls._key(level_sequence, control_rig, control_name, frames, values, time_unit, ("VECTOR2D",), Vector2D)

        @classmethod
        def _key(cls, level_sequence, control_rig, control_name, frames, values, time_unit, kinds, value_type):
            editor.record("key", control_name, len(frames))
            if editor.open_sequence is not level_sequence:
                editor.errors.append(f"{control_name}: keyed while {level_sequence.get_name()} is not open")
            track = next((t for b in level_sequence.bindings for t in b.tracks if getattr(t, "control_rig", None)
                          is control_rig), None)
            key = RigElementKey(ue.RigElementType.CONTROL, str(control_name))
            control = (control_rig.get_hierarchy().find_control(key)
                       if key.name in control_rig.rig_class.control_types else None)
            if track is None or control is None or control.settings.control_type.name not in kinds:
                editor.errors.append(f"{control_name}: Control Rig Wrong Type or unknown control")
                return
            if len(frames) != len(values) or not all(isinstance(f, FrameNumber) for f in frames) \
                    or not all(isinstance(v, value_type) for v in values) or time_unit.owner != "MovieSceneTimeUnit":
                editor.errors.append(f"{control_name}: bad arguments")
                return
            keys = track.keys.setdefault(str(control_name), [])
            for f, v in zip(frames, values):
                # a key at a time that already has one replaces it
                keys[:] = [k for k in keys if not (k[0] == f.value and k[2] is time_unit)]
                keys.append((f.value, (v.x, v.y) if isinstance(v, Vector2D) else v, time_unit))

    class EditorActorSubsystem:
        def get_all_level_actors(self) -> list:
            return list(editor.actors)

    class UnrealEditorSubsystem:
        def get_editor_world(self):
            return editor.world

    def get_editor_subsystem(subsystem_class):
        return subsystem_class()

    for name, value in list(locals().items()):
        if name not in ("ue", "editor") and (isinstance(value, type) or callable(value)):
            setattr(ue, name, value)
    return ue


@pytest.fixture
def ue(monkeypatch):
    """``(editor, emoface_sequencer)`` with the stand-in installed as ``unreal``."""
    editor = FakeEditor()
    monkeypatch.setitem(sys.modules, "unreal", editor.module)
    sys.modules.pop("emoface_sequencer", None)
    module = importlib.import_module("emoface_sequencer")
    yield editor, module
    sys.modules.pop("emoface_sequencer", None)


def _rig_track(sequence):
    tracks = [t for b in sequence.bindings for t in b.tracks if hasattr(t, "keys")]
    assert len(tracks) == 1
    return tracks[0]


def _keyed_columns(editor, sequence, bake, newer_names: bool = True) -> dict[str, list[tuple[float, float]]]:
    """Per baked column: its keys as ``(time_s, value)``, read back from what the stand-in recorded.

    Computed independently of the script: a column keys its face-board control (the newer rig's name
    for the three renamed tongue controls), the X (.tx) or Y (.ty) of a Vector2D, or a Float's value.
    """
    track, types_ = _rig_track(sequence), face_board_types(newer_names)
    display = Fraction(sequence.display_rate.numerator, sequence.display_rate.denominator)
    ticks = Fraction(sequence.tick_resolution.numerator, sequence.tick_resolution.denominator)
    out = {}
    for control in bake.controls:
        spec = rig().controls[control.index]
        name = spec.newer_rig_control if (newer_names and spec.newer_rig_control) else spec.control
        component = None if types_[name] == "float" else (0 if spec.axis == "tx" else 1)
        out[control.name] = [(float(frame / (display if unit.name == "DISPLAY_RATE" else ticks)),
                              value if component is None else value[component])
                             for frame, value, unit in track.keys[name]]
    return out


# ============================================================================= the Unreal part
def test_import_keys_every_control_at_every_frame_of_a_60fps_sequence(ue, line_a):
    editor, seq = ue
    result = seq.import_bake(line_a, sequence="/Game/Cinematics/LS_LineA", metahuman_binding="BP_Hero", display_rate=60)
    sequence = editor.assets["/Game/Cinematics/LS_LineA"]
    assert editor.errors == []
    assert editor.called("AssetTools.create_asset")[0][0][:2] == ("LS_LineA", "/Game/Cinematics")
    assert editor.called("LevelSequence.set_display_rate") == [((60, 1), {})]
    assert editor.open_sequence is sequence and editor.saved[-1] is sequence
    (args, kwargs), = editor.called("find_or_create_control_rig_track")
    face = editor.actors[0].get_components_by_class(editor.module.SkeletalMeshComponent)[1]
    assert args[0] is editor.world and args[1] is sequence and args[3].bound is face and args[4] is False
    assert args[3].get_parent().get_display_name() == "BP_Hero"
    bake = emoface_bake_io.read_bake(line_a)
    reference = _reference(line_a)
    for column, keys in _keyed_columns(editor, sequence, bake).items():
        j = [c.name for c in bake.controls].index(column)
        assert [t for t, _ in keys] == pytest.approx([i / 60 for i in range(90)], abs=1e-12)
        np.testing.assert_allclose([v for _, v in keys], reference[:, j], atol=1e-6, err_msg=column)
    rig_controls = {name for (name, _), _ in editor.called("key")}
    assert len(editor.called("key")) == len(rig_controls) == result.keyed_controls  # one batched call per control
    assert result.keys_written == 90 * result.keyed_controls and result.skipped == ()
    assert (result.display_rate, result.tick_resolution, result.created_sequence) == ("60", "24000", True)


def test_audio_is_imported_and_starts_with_frame_zero(ue, bake_dir):
    editor, seq = ue
    result = seq.import_bake(bake_dir / "line_b.json", "/Game/Cinematics/LS_LineB", "BP_Hero", display_rate=24,
                             start_frame=12)
    sequence = editor.assets["/Game/Cinematics/LS_LineB"]
    task, = editor.imports
    assert Path(task.filename) == (bake_dir.parent / "vo" / "line_b.wav").resolve()
    assert (task.destination_path, task.destination_name, task.automated, task.replace_existing, task.save) == \
        ("/Game/EmoFace/Audio", "line_b", True, True, True)
    track, = sequence.find_tracks_by_exact_type(editor.module.MovieSceneAudioTrack)
    section, = track.get_sections()
    assert track.get_display_name() == "EmoFace line_b"
    assert section.sound is editor.assets["/Game/EmoFace/Audio/line_b"]
    assert section.range == (12, 12 + 22)  # 0.9 s at 24 fps = 21.6 -> 22 frames, from frame 12
    assert sequence.playback == (12, 34) and result.alignment.offset_s == pytest.approx(0.5)
    bake = emoface_bake_io.read_bake(bake_dir / "line_b.json")
    keys = _keyed_columns(editor, sequence, bake)["CTRL_C_jaw-translateY"]
    assert keys[0][0] == pytest.approx(12 / 24)  # first key where the audio starts
    assert len(keys) == 22 and keys[-1][0] == pytest.approx(33 / 24)
    assert result.audio == task.filename and result.audio_found_by == "bake manifest manifest.csv"


@pytest.mark.parametrize("display", [24, 30])
def test_display_rate_keys_are_the_interpolated_curve(ue, line_a, display):
    editor, seq = ue
    seq.import_bake(line_a, "/Game/LS", "BP_Hero", display_rate=display)
    bake, reference = emoface_bake_io.read_bake(line_a), _reference(line_a)
    count = math.ceil(90 * display / 60)
    for j, (column, keys) in enumerate(_keyed_columns(editor, editor.assets["/Game/LS"], bake).items()):
        times = np.array([t for t, _ in keys])
        np.testing.assert_allclose(times, np.arange(count) / display, atol=1e-12)
        np.testing.assert_allclose([v for _, v in keys], np.interp(times * 60, np.arange(90), reference[:, j]),
                                   atol=1e-6, err_msg=column)


def test_source_rate_keys_hold_every_baked_frame_at_its_time(ue, line_a):
    editor, seq = ue
    result = seq.import_bake(line_a, "/Game/LS", "BP_Hero", display_rate=24, key_rate="source", start_frame=6)
    bake, reference = emoface_bake_io.read_bake(line_a), _reference(line_a)
    for j, (column, keys) in enumerate(_keyed_columns(editor, editor.assets["/Game/LS"], bake).items()):
        assert [t for t, _ in keys] == pytest.approx([6 / 24 + i / 60 for i in range(90)], abs=1e-12)
        np.testing.assert_allclose([v for _, v in keys], reference[:, j], atol=1e-6, err_msg=column)
    units = {unit.name for _, _, unit in _rig_track(editor.assets["/Game/LS"]).keys["CTRL_C_jaw"]}
    assert units == {"TICK_RESOLUTION"} and result.alignment.clip_end_frame == 6 + 36


def test_reduced_keys_stay_within_tolerance(ue, line_a):
    editor, seq = ue
    result = seq.import_bake(line_a, "/Game/LS", "BP_Hero", display_rate=60, reduce_tolerance=0.002)
    assert result.keys_written < 90 * result.keyed_controls
    bake, reference = emoface_bake_io.read_bake(line_a), _reference(line_a)
    for j, (column, keys) in enumerate(_keyed_columns(editor, editor.assets["/Game/LS"], bake).items()):
        times, values = np.array([t for t, _ in keys]), np.array([v for _, v in keys])
        assert times[0] == 0 and times[-1] == pytest.approx(89 / 60)
        rebuilt = np.interp(np.arange(90) / 60, times, values)
        assert np.abs(rebuilt - reference[:, j]).max() <= 0.002 + 1e-6, column


def test_vector2d_controls_get_both_axes_and_floats_their_value(ue, line_a):
    editor, seq = ue
    seq.import_bake(line_a, "/Game/LS", "BP_Hero", display_rate=60)
    track, bake = _rig_track(editor.assets["/Game/LS"]), emoface_bake_io.read_bake(line_a)
    jaw = track.keys["CTRL_C_jaw"]
    assert [v for _, v, _ in jaw][5] == pytest.approx((bake.curve("CTRL_C_jaw.tx")[5], bake.curve("CTRL_C_jaw.ty")[5]))
    assert all(isinstance(v, float) for _, v, _ in track.keys["CTRL_R_brow_raiseIn"])
    assert "CTRL_C_tongue_move" in track.keys and "CTRL_C_tongue" not in track.keys
    assert "CTRL_C_tongue_thickThin" not in track.keys  # a rig control EmoFace does not drive is left alone


def test_a_subset_keys_missing_vector_axes_at_rest(ue, line_a, tmp_path):
    editor, seq = ue
    path = formats.write(formats.read(line_a).subset(["CTRL_C_jaw.ty", "CTRL_L_eye_blink.ty"]), tmp_path / "sub.json")
    (tmp_path / "sub.wav").write_bytes((line_a.parent.parent / "vo" / "line_a.wav").read_bytes())
    result = seq.import_bake(path, "/Game/LS", "BP_Hero", display_rate=60)
    track = _rig_track(editor.assets["/Game/LS"])
    assert set(track.keys) == {"CTRL_C_jaw", "CTRL_L_eye_blink"} and result.keyed_controls == 2
    assert {v[0] for _, v, _ in track.keys["CTRL_C_jaw"]} == {0.0}
    assert result.audio_found_by == "beside the bake"


def test_an_older_rig_uses_the_older_tongue_names(ue, line_a):
    editor, seq = ue
    del editor.assets[UE56_RIG]
    editor.add_rig(OLD_RIG, face_board_types(newer_names=False))
    seq.import_bake(line_a, "/Game/LS", "BP_Hero", display_rate=60)
    keyed = _keyed_columns(editor, editor.assets["/Game/LS"], emoface_bake_io.read_bake(line_a), newer_names=False)
    assert len(keyed) == 174 and editor.errors == []
    assert "CTRL_C_tongue" in _rig_track(editor.assets["/Game/LS"]).keys


def test_controls_the_rig_lacks_are_reported_or_refused(ue, line_a):
    editor, seq = ue
    editor.add_rig("/Game/Rigs/Face_Custom", face_board_types(drop=("CTRL_lookAtSwitch", "CTRL_C_eye")))
    result = seq.import_bake(line_a, "/Game/LS", "BP_Hero", control_rig="/Game/Rigs/Face_Custom", display_rate=60)
    assert {s.column for s in result.skipped} == {"CTRL_lookAtSwitch-translateY", "CTRL_C_eye-translateX",
                                                  "CTRL_C_eye-translateY"}
    assert result.keyed_controls == len(_rig_track(editor.assets["/Game/LS"]).keys) and editor.errors == []
    with pytest.raises(seq.ControlRigNotFoundError, match="3 control.s. cannot be keyed: CTRL_C_eye-translateX"):
        seq.import_bake(line_a, "/Game/LS2", "BP_Hero", control_rig="/Game/Rigs/Face_Custom", strict_controls=True)


def test_missing_binding_component_and_rig_are_clear_errors(ue, line_a):
    editor, seq = ue
    with pytest.raises(seq.BindingNotFoundError) as err:
        seq.import_bake(line_a, "/Game/LS", "BP_Heroine")
    assert "no actor labelled 'BP_Heroine'" in str(err.value) and "BP_Extra, BP_Hero" in str(err.value)
    editor.actors.append(editor.module.Actor("BP_Prop", [editor.module.SkeletalMeshComponent("Mesh")]))
    with pytest.raises(seq.BindingNotFoundError, match="no skeletal mesh component named 'Face' .it has: Mesh."):
        seq.import_bake(line_a, "/Game/LS", "BP_Prop")
    editor.actors.append(editor.module.Actor("BP_Hero", []))
    with pytest.raises(seq.BindingNotFoundError, match="2 actors are labelled 'BP_Hero'"):
        seq.import_bake(line_a, "/Game/LS", "BP_Hero")
    editor.actors.pop()
    del editor.assets[UE56_RIG]
    with pytest.raises(seq.ControlRigNotFoundError) as err:
        seq.import_bake(line_a, "/Game/LS", "BP_Hero")
    assert UE56_RIG in str(err.value) and OLD_RIG in str(err.value) and "control_rig=" in str(err.value)
    with pytest.raises(seq.SequencerImportError, match="content path like /Game"):
        seq.import_bake(line_a, "LS_NoFolder", "BP_Hero")
    with pytest.raises(TypeError, match="unknown import option.s. fps; valid: start_frame, display_rate"):
        seq.import_bake(line_a, "/Game/LS", "BP_Hero", fps=24)
    assert all(name != "key" for name, _, _ in editor.calls)  # nothing was keyed by a failed import


def test_an_existing_binding_is_used_without_a_level_actor(ue, line_a):
    editor, seq = ue
    sequence = editor.module.LevelSequence("LS_Spawned")
    editor.assets["/Game/LS_Spawned"] = sequence
    hero = editor.module.MovieSceneBindingProxy(sequence, "BP_Hero", None)
    sequence.bindings += [hero, editor.module.MovieSceneBindingProxy(sequence, "Face", None, hero)]
    editor.actors.clear()  # e.g. a spawnable MetaHuman: not in the level
    result = seq.import_bake(line_a, "/Game/LS_Spawned", "BP_Hero")
    assert not result.created_sequence and editor.called("AssetTools.create_asset") == []
    assert editor.called("LevelSequence.add_possessable") == []
    assert _rig_track(sequence) in sequence.bindings[1].tracks and editor.errors == []
    assert result.alignment.start_frame == 0 and sequence.playback == (0, 150)  # the longer existing range is kept


def test_reimport_replaces_the_audio_section_and_rekeys(ue, line_a):
    editor, seq = ue
    seq.import_bake(line_a, "/Game/LS", "BP_Hero", display_rate=60)
    sequence = editor.assets["/Game/LS"]
    seq.import_bake(line_a, "/Game/LS", "BP_Hero")
    assert len(sequence.find_tracks_by_exact_type(editor.module.MovieSceneAudioTrack)) == 1
    assert len(editor.called("MovieSceneTrack.remove_section")) == 1
    assert len(_rig_track(sequence).keys["CTRL_C_jaw"]) == 90  # keys at the same times are replaced, not doubled
    seq.import_bake(line_a, "/Game/LS", "BP_Hero", clear_existing=True)
    assert len(editor.called("MovieSceneBindingProxy.remove_track")) == 1 and editor.errors == []


def test_audio_options(ue, line_a, tmp_path):
    editor, seq = ue
    result = seq.import_bake(line_a, "/Game/LS1", "BP_Hero", audio=False)
    assert result.audio is None and editor.assets["/Game/LS1"].find_tracks_by_exact_type(
        editor.module.MovieSceneAudioTrack) == []
    editor.assets["/Game/VO/Line_A"] = editor.module.SoundWave("Line_A", 1.5)
    result = seq.import_bake(line_a, "/Game/LS2", "BP_Hero", audio="/Game/VO/Line_A", display_rate=30)
    audio_track, = editor.assets["/Game/LS2"].find_tracks_by_exact_type(editor.module.MovieSceneAudioTrack)
    section, = audio_track.get_sections()
    assert section.sound is editor.assets["/Game/VO/Line_A"] and section.range == (0, 45) and editor.imports == []
    editor.assets["/Game/VO/Long"] = editor.module.SoundWave("Long", 4.0)
    with pytest.raises(emoface_audio.AudioError, match="audio /Game/VO/Long is 4.000 s"):
        seq.import_bake(line_a, "/Game/LS3", "BP_Hero", audio="/Game/VO/Long")
    with pytest.raises(emoface_audio.AudioError, match="sound asset not found: /Game/VO/Nope"):
        seq.import_bake(line_a, "/Game/LS4", "BP_Hero", audio="/Game/VO/Nope")


def test_batch_import_of_a_bake_directory(ue, bake_dir):
    editor, seq = ue
    results = seq.import_bake_directory(bake_dir, "/Game/VO/", "BP_Hero", display_rate=30)
    assert [r.sequence_path for r in results] == ["/Game/VO/LS_line_a", "/Game/VO/LS_line_b"]
    for result, (line_id, seconds) in zip(results, LINES.items()):
        sequence = editor.assets[f"/Game/VO/LS_{line_id}"]
        section, = sequence.find_tracks_by_exact_type(editor.module.MovieSceneAudioTrack)[0].get_sections()
        assert section.sound is editor.assets[f"/Game/EmoFace/Audio/{line_id}"]
        assert section.range == (0, round(seconds * 30)) and sequence.playback == (0, round(seconds * 30))
    assert editor.errors == [] and len(editor.imports) == 2


def test_batch_import_reports_failed_lines_and_imports_the_rest(ue, bake_dir, tmp_path):
    editor, seq = ue
    partial = tmp_path / "baked"
    partial.mkdir()
    (partial / "line_a.json").write_text((bake_dir / "line_a.json").read_text())
    (partial / "line_a.wav").write_bytes((bake_dir.parent / "vo" / "line_a.wav").read_bytes())
    (partial / "line_c.json").write_text('{"controls": ["CTRL_C_jaw.ty"], "fps": 60, "frames": [[7]]}')
    with pytest.raises(seq.BatchImportError) as err:
        seq.import_bake_directory(partial, "/Game/VO", "BP_Hero", audio=True)
    assert [r.sequence_path for r in err.value.results] == ["/Game/VO/LS_line_a"]
    (failed_path, message), = err.value.failures
    assert failed_path.endswith("line_c.json") and "outside the control's range" in message
    assert "1 of 2 line(s) failed" in str(err.value)


def test_stand_in_refuses_what_unreal_would(ue, line_a):
    """The stand-in is strict where Unreal is: keys need the sequence open in Sequencer and the right type."""
    editor, seq = ue
    sequence, _ = seq.open_or_create_sequence("/Game/LS")
    binding = seq.find_face_binding(sequence, "BP_Hero")
    rig = seq.face_board_rig(sequence, binding, seq.ImportOptions())
    library, unit = editor.module.ControlRigSequencerLibrary, editor.module.MovieSceneTimeUnit.DISPLAY_RATE
    library.set_local_control_rig_floats(sequence, rig, "CTRL_C_jaw", [editor.module.FrameNumber(0)], [0.5], unit)
    assert len(editor.errors) == 2  # not open, and CTRL_C_jaw is a Vector2D control
    assert seq.rig_control_types(rig)["CTRL_C_jaw"] == "vector2d"
    assert seq.asset_name("line 042.v2") == "line_042_v2"
