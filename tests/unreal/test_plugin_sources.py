"""Tests of the Unreal Live Link plugin sources that can run without Unreal Engine.

No engine is installed here, so the plugin cannot be compiled as a whole. What is tested:
- the plain C++ helpers of the plugin (connection string, face-board name adapter, back-off and clock
  arithmetic) are compiled with g++ together with a small driver and run as real subprocesses;
- static checks of the plugin tree: the .uplugin is valid JSON naming modules that exist, every
  module has a Build.cs, every project include resolves to a file in the plugin, the Live Link Basic
  role and the engine's GUI-to-raw conversion are used, and no placeholder bodies are left;
- the editor-behaviour decisions, each resting on an engine header (issue 17): world times built with
  (time, offset), the Win64/Linux platform list, Epic's MetaHuman subject properties, cooked SoundWaves
  decoded only when loaded whole, and a host lookup that never blocks Shutdown.
"""
from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from model.rig import rig

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "unreal_plugin" / "EmoFaceLiveLink"
MODULE = PLUGIN / "Source" / "EmoFaceLiveLink"
PRIVATE = MODULE / "Private"
PLAIN_SOURCES = ["EmoFaceConnectionString.cpp", "EmoFaceGuiAdapter.cpp", "EmoFaceTiming.cpp"]
DRIVER = PLUGIN / "Tests" / "plain_cpp_driver.cpp"
REFERENCE_TSV = REPO / "model" / "data" / "controls.tsv"  # the committed reference table of the 174 controls

GXX_MISSING = "g++ is not installed (apt-get install g++; .ci/run installs it)"


# ----------------------------------------------------------------------------- plain C++ helpers
@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The driver binary, built once with warnings as errors."""
    if shutil.which("g++") is None:
        pytest.fail(GXX_MISSING)
    out = tmp_path_factory.mktemp("plain_cpp") / "driver"
    cmd = ["g++", "-std=c++17", "-O1", "-Wall", "-Wextra", "-Wpedantic", "-Werror",
           f"-I{PRIVATE}", str(DRIVER), *[str(PRIVATE / s) for s in PLAIN_SOURCES], "-o", str(out)]
    subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)
    return out


def run(driver: Path, *args: str, stdin: str = "") -> str:
    done = subprocess.run([str(driver), *args], input=stdin, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


def parse(driver: Path, text: str) -> dict[str, str]:
    lines = run(driver, "parse", text).splitlines()
    return dict(line.split("=", 1) for line in lines)


def test_connection_string_full(driver: Path) -> None:
    got = parse(driver, " HOST = 10.1.2.3 ; Port=6001;subjects= NPC_A , NPC_B,NPC_A,, ;token=ab=cd;name=Editor;")
    assert got == {"ok": "1", "host": "10.1.2.3", "port": "6001", "subjects": "NPC_A|NPC_B",
                   "token": "ab=cd", "name": "Editor"}


def test_connection_string_empty_gives_defaults(driver: Path) -> None:
    got = parse(driver, "")
    assert got == {"ok": "1", "host": "127.0.0.1", "port": "50052", "subjects": "", "token": "",
                   "name": "Unreal"}


@pytest.mark.parametrize("text, fragment", [
    ("port=0", "port must be"),
    ("port=65536", "port must be"),
    ("port=50x", "port must be"),
    ("port=", "port must be"),
    ("host=", "host must be"),
    ("host=a b", "host must be"),
    ("colour=red", "unknown key 'colour'"),
    ("port=1;PORT=2", "given twice"),
    ("justtext", "not a key=value pair"),
])
def test_connection_string_errors(driver: Path, text: str, fragment: str) -> None:
    got = parse(driver, text)
    assert got["ok"] == "0"
    assert fragment in got["error"]


def test_connection_string_round_trip(driver: Path) -> None:
    stdin = "host=studio-render-3\nport=50100\nsubject=NPC_A\nsubject=Guard 2\ntoken=t0k=n\nname=Game\n"
    text = run(driver, "format", stdin=stdin).strip()
    got = parse(driver, text)
    assert got == {"ok": "1", "host": "studio-render-3", "port": "50100", "subjects": "NPC_A|Guard 2",
                   "token": "t0k=n", "name": "Game"}


def test_backoff_doubles_then_caps_and_gives_up(driver: Path) -> None:
    rows = [line.split() for line in run(driver, "backoff", "0.25", "3", "2", "6", "8").splitlines()]
    delays = [float(r[1]) for r in rows]
    assert delays == pytest.approx([0.25, 0.5, 1.0, 2.0, 3.0, 3.0, 3.0, 3.0])
    assert [r[2] for r in rows] == ["0", "0", "0", "0", "0", "1", "1", "1"]
    forever = run(driver, "backoff", "0.5", "10", "2", "0", "40").splitlines()
    assert all(line.split()[2] == "0" for line in forever)
    assert float(forever[-1].split()[1]) == pytest.approx(10.0)


def test_clock_offset_is_windowed_minimum(driver: Path) -> None:
    # local = server + 5 s + network delay; the minimum delay is the best estimate.
    samples = [(100.0, 105.30), (101.0, 106.05), (102.0, 107.20), (103.0, 108.10), (104.0, 109.40),
               (105.0, 110.30), (106.0, 111.25)]
    out = run(driver, "clock", stdin="".join(f"{s} {l}\n" for s, l in samples)).splitlines()
    offsets = [float(line.split()[1]) for line in out]
    assert offsets[0] == pytest.approx(5.30)
    assert offsets[3] == pytest.approx(5.05)
    # window of 4: once the 5.05 sample (index 1) falls out, the minimum of samples 3..6 is 5.10
    assert offsets[5] == pytest.approx(5.10)
    assert offsets[6] == pytest.approx(5.10)


@pytest.mark.parametrize("unix_s, utc_offset_s, num, den, frame, sub", [
    (0.0, 0.0, 60, 1, 0, 0.0),
    (86400.0 * 3 + 1.5, 0.0, 60, 1, 90, 0.0),
    (86400.0 * 3 + 1.5, 3600.0, 60, 1, (3600 + 1.5) * 60, 0.0),
    (86400.0 * 3 + 10.0 + 1 / 120, 0.0, 60, 1, 600, 0.5),
    (86400.0 * 3 + 10.0, -7200.0, 30000, 1001, int((86400 - 7200 + 10) * 30000 / 1001), None),
    (5.0, 0.0, 0, 1, 0, 0.0),
])
def test_time_of_day_frame(driver: Path, unix_s: float, utc_offset_s: float, num: int, den: int,
                           frame: float, sub: float | None) -> None:
    got_frame, got_sub = run(driver, "tod", repr(unix_s), repr(utc_offset_s), str(num), str(den)).split()
    assert int(got_frame) == int(frame)
    assert 0.0 <= float(got_sub) < 1.0
    if sub is not None:
        assert float(got_sub) == pytest.approx(sub, abs=1e-4)


def test_unix_now_is_the_unix_clock(driver: Path) -> None:
    before = time.time()
    now = float(run(driver, "now"))
    assert before - 0.001 <= now <= time.time() + 0.001


def test_exact_frame_times_do_not_fall_below_their_frame(driver: Path) -> None:
    start = 1_764_000_000.1234  # a LINE_START time; frame i is at start + i / 60
    base = int(run(driver, "tod", repr(start), "0", "60", "1").split()[0])
    for i in (1, 7, 59, 60, 599):
        got = int(run(driver, "tod", repr(start + i / 60), "0", "60", "1").split()[0])
        assert got - base in (i, i + 1)  # the start itself may sit inside a frame


def adapt(driver: Path, names: list[str], values: list[float | str]) -> tuple[dict[str, float], list[str], int]:
    stdin = "".join(f"{n} {v}\n" for n, v in zip(names, values))
    gui: dict[str, float] = {}
    dropped: list[str] = []
    nonfinite = -1
    for line in run(driver, "adapt", stdin=stdin).splitlines():
        parts = line.split()
        if parts[0] == "gui":
            assert parts[1] not in gui, "a GUI name appears twice"
            gui[parts[1]] = float(parts[2])
        elif parts[0] == "dropped":
            dropped.append(parts[1])
        elif parts[0] == "nonfinite":
            nonfinite = int(parts[1])
        elif parts[0] == "short-frame-refused":
            assert parts[1] == "1"
    return gui, dropped, nonfinite


def newer_rig_renames() -> dict[str, str]:
    """control -> newer control, from the reference table (one source of truth with model/rig.py)."""
    renames = {}
    for c in rig().controls:
        if c.newer_rig_control:
            renames[c.control] = c.newer_rig_control
    return renames


def test_adapter_maps_the_174_rig_controls(driver: Path) -> None:
    schema = rig()
    names = list(schema.ue_names)
    values = [((i * 37) % 101) / 100.0 - 0.5 for i in range(len(names))]
    gui, dropped, nonfinite = adapt(driver, names, values)
    assert nonfinite == 0
    assert sorted(dropped) == sorted(["CTRL_lookAtSwitch.ty", "CTRL_neckCorrectivesMultiplyerU.ty",
                                      "CTRL_neckCorrectivesMultiplyerM.ty", "CTRL_neckCorrectivesMultiplyerD.ty",
                                      "CTRL_C_tongue_roll.tx"])
    renames = newer_rig_renames()
    assert renames, "the rig lists newer-rig names for the tongue"
    for i, name in enumerate(names):
        control, axis = name.rsplit(".", 1)
        if name in dropped or control == "CTRL_C_eye":
            continue
        if control in renames:
            assert control not in {n.rsplit(".", 1)[0] for n in gui}
            assert gui[f"{renames[control]}.{axis}"] == pytest.approx(values[i], abs=1e-6)
        elif control not in ("CTRL_L_eye", "CTRL_R_eye"):
            assert gui[name] == pytest.approx(values[i], abs=1e-6)
    # the combined eye aim is folded into both eyes, clamped to the board's [-1, 1]
    for axis in ("tx", "ty"):
        c = values[schema.index(f"CTRL_C_eye.{axis}")]
        for side in ("L", "R"):
            own = values[schema.index(f"CTRL_{side}_eye.{axis}")]
            assert gui[f"CTRL_{side}_eye.{axis}"] == pytest.approx(max(-1.0, min(1.0, own + c)), abs=1e-6)
    assert "CTRL_C_eye.tx" not in gui and "CTRL_C_eye.ty" not in gui
    assert len(gui) == len(names) - len(dropped) - 2  # C_eye.tx/ty fold into existing L/R eye outputs


def test_adapter_clamps_folded_eyes_and_zeroes_nonfinite(driver: Path) -> None:
    names = ["CTRL_C_eye.tx", "CTRL_L_eye.tx", "CTRL_C_jaw.ty", "CTRL_C_tongue_tip.ty"]
    gui, dropped, nonfinite = adapt(driver, names, [0.9, 0.6, "nan", -0.25])
    assert dropped == []
    assert nonfinite == 1
    assert gui == {"CTRL_L_eye.tx": 1.0, "CTRL_R_eye.tx": pytest.approx(0.9), "CTRL_C_jaw.ty": 0.0,
                   "CTRL_C_tongue_tipMove.ty": pytest.approx(-0.25)}
    assert list(gui) == ["CTRL_L_eye.tx", "CTRL_R_eye.tx", "CTRL_C_jaw.ty", "CTRL_C_tongue_tipMove.ty"]


def test_reference_table_agrees_with_adapter_renames() -> None:
    """The adapter's rename table is the reference table's newer_rig_name column, read as text here
    (not through model.rig, whose parsing is what the adapter is checked against)."""
    text = (PRIVATE / "EmoFaceGuiAdapter.cpp").read_text()
    for old, new in newer_rig_renames().items():
        assert f'{{"{old}", "{new}"}}' in text
    rows = [r.split("\t") for r in REFERENCE_TSV.read_text(encoding="utf-8").splitlines()]
    control, newer_name = rows[0].index("control"), rows[0].index("newer_rig_name")
    newer = {r[control]: r[newer_name] for r in rows[1:] if r[newer_name]}
    assert len(rows) == 175 and len(newer) == 3
    assert newer == newer_rig_renames()


def test_plain_headers_have_no_unreal_dependency(tmp_path: Path) -> None:
    for header in ("EmoFaceConnectionString.h", "EmoFaceGuiAdapter.h", "EmoFaceTiming.h"):
        text = (PRIVATE / header).read_text()
        assert "CoreMinimal.h" not in text and "UCLASS" not in text
        src = tmp_path / f"use_{header}.cpp"
        src.write_text(f'#include "{header}"\nint main() {{ return 0; }}\n')
        subprocess.run(["g++", "-std=c++17", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", f"-I{PRIVATE}", str(src)],
                       check=True, capture_output=True, text=True, timeout=60)


# ----------------------------------------------------------------------------- plugin layout
def test_uplugin_is_valid_and_names_existing_modules() -> None:
    desc = json.loads((PLUGIN / "EmoFaceLiveLink.uplugin").read_text())
    assert desc["FileVersion"] == 3
    modules = desc["Modules"]
    assert any(m["Name"] == "EmoFaceLiveLink" and m["Type"] == "Runtime" for m in modules)
    for module in modules:
        assert module["Type"] in ("Runtime", "Editor", "UncookedOnly", "Developer")
        build = PLUGIN / "Source" / module["Name"] / f"{module['Name']}.Build.cs"
        assert build.exists(), f"module {module['Name']} has no Build.cs"
        assert re.search(rf"class\s+{module['Name']}\s*:\s*ModuleRules", build.read_text())
    plugins = {p["Name"]: p for p in desc["Plugins"]}
    assert plugins["LiveLink"]["Enabled"] is True
    assert plugins["MetaHumanCoreTech"]["Enabled"] is True
    on_disk = {p.name for p in (PLUGIN / "Source").iterdir() if p.is_dir()}
    assert on_disk == {m["Name"] for m in modules}, "every source folder is a declared module"


PLATFORMS = ["Win64", "Linux"]  # MetaHumanCoreTech's platforms (its .uplugin in UE 5.6: SupportedTargetPlatforms)


def test_uplugin_declares_the_metahuman_platforms() -> None:
    """The GUI-to-raw conversion lives in MetaHumanCoreTech (Win64 and Linux only): the plugin, its module and the
    dependency declare the same list, so a project that also targets Mac, consoles or mobile still packages."""
    desc = json.loads((PLUGIN / "EmoFaceLiveLink.uplugin").read_text())
    assert desc["SupportedTargetPlatforms"] == PLATFORMS
    for module in desc["Modules"]:
        assert module["PlatformAllowList"] == PLATFORMS, module["Name"]
    plugins = {p["Name"]: p for p in desc["Plugins"]}
    assert plugins["MetaHumanCoreTech"]["PlatformAllowList"] == PLATFORMS
    readme = (REPO / "unreal_plugin" / "README.md").read_text()
    assert "Win64 and Linux" in readme


def test_build_cs_declares_the_engine_modules_used() -> None:
    build = (MODULE / "EmoFaceLiveLink.Build.cs").read_text()
    for dep in ("LiveLinkInterface", "Sockets", "Networking", "MetaHumanCoreTech", "DeveloperSettings", "Engine"):
        assert f'"{dep}"' in build


# ----------------------------------------------------------------------------- static checks of the sources
PROTOCOL_DIR = PRIVATE / "Protocol"
PROTOCOL_HEADERS = {"Protocol/EmoFaceProtocol.h", "Protocol/EmoFaceClientSession.h"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)


def own_sources() -> list[Path]:
    """Every C++ file of the plugin that engineer U owns (not the protocol core, not Content/Python)."""
    files = [p for p in (PLUGIN / "Source").rglob("*") if p.suffix in (".h", ".cpp")]
    return sorted(p for p in files if PROTOCOL_DIR not in p.parents)


def engine_files() -> list[Path]:
    """Files compiled by Unreal (the plain helpers included, the protocol core excluded)."""
    return [p for p in own_sources() if p.name not in {"EmoFaceConnectionString.h", "EmoFaceConnectionString.cpp",
                                                       "EmoFaceGuiAdapter.h", "EmoFaceGuiAdapter.cpp",
                                                       "EmoFaceTiming.h", "EmoFaceTiming.cpp"}]


def all_text() -> str:
    return "\n".join(p.read_text() for p in own_sources())


def test_every_project_include_resolves() -> None:
    search = [MODULE / "Public", PRIVATE]
    for path in own_sources():
        for inc in INCLUDE.findall(path.read_text()):
            if inc.endswith(".generated.h"):
                assert inc == f"{path.stem}.generated.h", f"{path.name} includes {inc}"
                continue
            if inc in PROTOCOL_HEADERS:
                if PROTOCOL_DIR.exists():
                    assert (PRIVATE / inc).exists(), f"{path.name}: {inc} is not in the protocol core"
                continue
            if inc.startswith("Protocol/") or Path(inc).name.startswith("EmoFace"):
                found = [d / inc for d in [path.parent, *search] if (d / inc).exists()]
                assert found, f"{path.relative_to(PLUGIN)} includes {inc}, which is not in the plugin"


def test_public_headers_include_no_private_header() -> None:
    private_names = {p.name for p in PRIVATE.glob("*.h")}
    for header in (MODULE / "Public").glob("*.h"):
        for inc in INCLUDE.findall(header.read_text()):
            assert Path(inc).name not in private_names and not inc.startswith("Protocol/"), \
                f"public {header.name} includes private {inc}: modules using the plugin could not compile"


def test_reflected_types_include_their_generated_header_last() -> None:
    for header in (MODULE / "Public").glob("*.h"):
        text = header.read_text()
        if not re.search(r"^\s*U(CLASS|STRUCT|ENUM)\(", text, re.MULTILINE):
            continue
        includes = INCLUDE.findall(text)
        assert includes and includes[-1] == f"{header.stem}.generated.h", header.name
        assert "GENERATED_BODY()" in text


def test_every_cpp_has_a_matching_or_documented_unit() -> None:
    for cpp in (p for p in own_sources() if p.suffix == ".cpp"):
        first_include = INCLUDE.findall(cpp.read_text())[0]
        assert Path(first_include).stem == cpp.stem, f"{cpp.name} should include its own header first"


def test_live_link_basic_role_and_engine_conversion_are_used() -> None:
    text = all_text()
    assert '#include "Roles/LiveLinkBasicRole.h"' in text
    assert "PushSubjectStaticData_AnyThread" in text and "ULiveLinkBasicRole::StaticClass()" in text
    assert "PushSubjectFrameData_AnyThread" in text
    assert "FLiveLinkBaseStaticData" in text and "PropertyNames" in text
    assert "FLiveLinkBaseFrameData" in text and "PropertyValues" in text
    assert '#include "GuiToRawControlsUtils.h"' in text
    assert "GuiToRawControlsUtils::ConvertGuiToRawControls" in text
    assert "FLiveLinkWorldTime" in text and "SceneTime" in text and "FQualifiedFrameTime" in text
    assert "public ILiveLinkSource" in text and "public ULiveLinkSourceFactory" in text
    assert "public FRunnable" in text and "FRunnableThread::Create" in text
    assert "UBlueprintFunctionLibrary" in text and "SendSoundWaveLine" in text
    assert "UDeveloperSettings" in text


COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)


def code_of(path: Path) -> str:
    """A C++ file without its comments (so that a comment naming an API does not count as a use of it)."""
    return COMMENT.sub("", path.read_text())


def test_frame_world_times_keep_their_time_on_the_engine_clock() -> None:
    """Every FLiveLinkWorldTime is built with (time, offset): LiveLinkTypes.h's one-argument constructor sets
    Offset = FPlatformTime::Seconds() - time, i.e. the offsetted time becomes the push time (A/V sync lost)."""
    calls = re.findall(r"FLiveLinkWorldTime\s*\(([^()]*)\)", "\n".join(code_of(p) for p in own_sources()))
    assert calls, "frames carry a world time"
    for args in calls:
        assert len([a for a in args.split(",") if a.strip()]) == 2, f"FLiveLinkWorldTime({args}) is not (time, offset)"
    publisher = code_of(PRIVATE / "EmoFaceSubjectPublisher.cpp")
    assert "FLiveLinkWorldTime(WorldTimeS, kSourceToEngineClockOffsetS)" in publisher
    assert re.search(r"constexpr double kSourceToEngineClockOffsetS = 0\.0;", publisher)
    source = code_of(PRIVATE / "EmoFaceLiveLinkSource.cpp")
    assert "Settings->Mode = ELiveLinkSourceMode::EngineTime;" in source
    # the audio start that Get Line Start Delay reports includes the engine's Engine Time read delay
    delay = source[source.index("FEmoFaceLiveLinkSource::GetEngineEvaluationDelayS"):]
    for field in ("EngineTimeOffset", "EngineTimeClockOffset", "SmoothEngineTimeOffset"):
        assert f"Buffer.{field}" in delay.split("\n}\n")[0]
    library = code_of(PRIVATE / "EmoFaceLiveLinkBlueprintLibrary.cpp")
    assert "StartPlatformS + Source->GetEngineEvaluationDelayS()" in library


def test_subject_properties_follow_epics_metahuman_subject() -> None:
    """After the raw curves, Epic's MetaHuman subjects (MetaHumanLocalLiveLinkSubject.cpp) carry the seven head
    properties, then MHFDSVersion and DisableFaceOverride (both 1); ours has the same names in the same order."""
    publisher = code_of(PRIVATE / "EmoFaceSubjectPublisher.cpp")
    table = publisher[publisher.index("kHeadProperties[] = {"):]
    table = table[:table.index("};")]
    rows = re.findall(r'\{TEXT\("(\w+)"\), (-?[\d.]+)f\}', table)
    assert [name for name, _ in rows] == ["HeadControlSwitch", "HeadRoll", "HeadPitch", "HeadYaw", "HeadTranslationX",
                                          "HeadTranslationY", "HeadTranslationZ", "MHFDSVersion",
                                          "DisableFaceOverride"]
    values = {name: float(value) for name, value in rows}
    assert values["HeadControlSwitch"] == 0.0, "the subject does not drive the head"
    assert values["MHFDSVersion"] == 1.0 and values["DisableFaceOverride"] == 1.0
    # names and values are appended from the same table, static data and frames alike
    assert publisher.count("for (const FHeadProperty& Property : kHeadProperties)") == 2


def test_cooked_soundwave_is_decoded_only_when_loaded_whole() -> None:
    """A cooked (non-editor) SoundWave is decoded only when it does not stream, and a short decode is refused: the
    streamed decoder (AudioDecompress.h) reads chunks that are not resident as silence. The editor keeps
    GetImportedSoundWaveData."""
    code = code_of(PRIVATE / "EmoFaceSoundWavePcm.cpp")
    cooked = code[code.index("#if !WITH_EDITOR"):code.index("#endif")]
    assert cooked.index("SoundWave->IsStreaming(nullptr)") < cooked.index("StreamCompressedInfo")
    refusal = cooked[cooked.index("IsStreaming"):cooked.index("StreamCompressedInfo")]
    assert "Force Inline" in refusal and "return false;" in refusal
    short_decode = r"if \(Decoder->HasError\(\) \|\| Out\.PcmS16\.Num\(\) < TotalBytes\)\s*\{[^}]*return false;"
    assert re.search(short_decode, cooked)
    editor = code[code.index("#if WITH_EDITOR"):]
    assert "GetImportedSoundWaveData" in editor[:editor.index("#else")]


def test_worker_waits_are_bounded_and_connection_counts_from_the_hello() -> None:
    """Shutdown joins the worker (Kill(true)), so nothing in the worker may block unsliced: no synchronous host
    lookup (SocketSubsystem.h GetAddressInfo), but GetAddressInfoAsync polled in kWaitSliceS slices that check the
    stop flag; a numeric host skips the lookup. The status says "Connected" only from SERVER_HELLO on."""
    worker = code_of(PRIVATE / "EmoFaceSocketWorker.cpp")
    assert not re.search(r"->GetAddressInfo\s*\(", worker), "a synchronous host lookup blocks Shutdown()"
    assert "GetAddressInfoAsync(" in worker and "GetAddressFromString(Host)" in worker
    resolve = worker[worker.index("FEmoFaceSocketWorker::ResolveHost"):]
    resolve = resolve[:resolve.index("\n}\n")]
    assert "while (!bStopRequested.load() && !bReconfigure && FPlatformTime::Seconds() < DeadlineS)" in resolve
    assert "FPlatformProcess::Sleep(static_cast<float>(kWaitSliceS))" in resolve
    connect = worker[worker.index("bool FEmoFaceSocketWorker::TryConnect"):]
    connect = connect[:connect.index("FEmoFaceSocketWorker::ResolveHost")]
    statuses = re.findall(r'OnWorkerStatus\(FString::Printf\(TEXT\("([^"]*)"', connect)
    assert statuses and not any(s.startswith("Connected") for s in statuses), statuses
    # the connection counts from the first successful exchange: SERVER_HELLO (the session's Connected event)
    assert re.search(r"if \(Event\.kind == Kind::Connected\)\s*\{\s*bConnected = true;", worker)
    assert "!bConnected.load() && NowS - LastReceivePlatformS > Attempt.ConnectTimeoutS" in worker
    source = code_of(PRIVATE / "EmoFaceLiveLinkSource.cpp")
    connected = [m.start() for m in re.finditer(r'TEXT\("Connected to', source)]
    assert connected and all(source.rfind("case Kind::", 0, i) >= 0 for i in connected)
    assert source.index('TEXT("Connected to %s (server') > source.index("case Kind::Connected:")


def test_no_placeholders_left() -> None:
    banned = re.compile(r"\bTODO\b|\bFIXME\b|\bXXX\b|not implemented|unimplemented|\bstub\b", re.IGNORECASE)
    for path in [*own_sources(), DRIVER, PLUGIN / "EmoFaceLiveLink.uplugin", MODULE / "EmoFaceLiveLink.Build.cs"]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not banned.search(line), f"{path.name}:{number}: {line.strip()}"
    # an empty body of a function defined in a .cpp file is a stub
    empty_body = re.compile(r"^[A-Za-z_][\w:<>,\s\*&]*\)\s*(const)?\s*\n\{\s*\n\}", re.MULTILINE)
    for cpp in (p for p in own_sources() if p.suffix == ".cpp"):
        assert not empty_body.search(cpp.read_text()), f"{cpp.name} has an empty function body"


def test_engine_files_never_use_exceptions_or_rtti() -> None:
    for path in own_sources():
        text = path.read_text()
        assert not re.search(r"\bthrow\b|\btry\s*\{|\bcatch\s*\(|dynamic_cast|typeid", text), path.name


def test_members_of_plugin_classes_are_initialised() -> None:
    """Scalar and pointer members of the engine-side classes carry an initialiser (no uninitialised members)."""
    member = re.compile(r"^\t(?:mutable\s+)?(bool|int32|uint32|int64|double|float|uint8|[A-Z]\w*\*)\s+(\w+)\s*;", re.MULTILINE)
    for header in [p for p in engine_files() if p.suffix == ".h"]:
        bad = member.findall(header.read_text())
        assert not bad, f"{header.name}: uninitialised members {bad}"


PROTOCOL_USE = r"""
#include "Protocol/EmoFaceClientSession.h"
#include "Protocol/EmoFaceProtocol.h"
#include <variant>
using namespace emoface::protocol;
// The calls and fields the plugin's worker, publisher and source use, with the types they assume.
int main() {
    ClientSession session(std::string("Unreal"), std::string("token"));
    std::vector<uint8_t> hello = session.Start();
    session.OnBytes(hello.data(), hello.size());
    SessionEvent event;
    while (session.PollEvent(event)) {
        using Kind = SessionEvent::Kind;
        Kind kinds[] = {Kind::Connected, Kind::StaticData, Kind::LineStarted, Kind::FrameReady, Kind::LineEnded,
                        Kind::ServerError, Kind::ProtocolError};
        (void)kinds; (void)event.subject; (void)event.message.index();
        if (const ServerHello* h = std::get_if<ServerHello>(&event.message)) { double t = h->serverTimeS; (void)t; (void)h->serverName; (void)h->modelId; (void)h->major; (void)h->minor; }
        if (const SubjectStatic* s = std::get_if<SubjectStatic>(&event.message)) { uint32_t n = s->fpsNumerator + s->fpsDenominator; (void)n; const std::vector<std::string>& c = s->controls; (void)c; (void)s->subject; }
        if (const LineStart* l = std::get_if<LineStart>(&event.message)) { double t = l->startTimeS; uint32_t a = l->lineId + l->requestId; (void)t; (void)a; (void)l->subject; }
        if (const Frame* f = std::get_if<Frame>(&event.message)) { const float* v = f->values.data(); size_t n = f->values.size(); double t = f->timeS; uint32_t a = f->lineId + f->frameIndex; (void)v; (void)n; (void)t; (void)a; }
        if (const LineEnd* e = std::get_if<LineEnd>(&event.message)) { bool failed = e->status == LineStatus::Failed || e->status == LineStatus::Cancelled; uint32_t a = e->lineId + e->framesSent; (void)failed; (void)a; (void)e->message; }
        if (const Error* e = std::get_if<Error>(&event.message)) { bool fatal = e->code == ErrorCode::UnsupportedVersion || e->code == ErrorCode::Unauthenticated; uint32_t r = e->requestId; (void)fatal; (void)r; (void)e->message; }
    }
    std::vector<uint8_t> sub = session.MakeSubscribe(std::vector<std::string>{"NPC_A"});
    SubmitLine line;
    line.requestId = 7; line.subject = "NPC_A"; line.encoding = PcmEncoding::S16LE; line.sampleRateHz = 16000;
    line.channels = 1; line.flags = static_cast<uint8_t>(kFlagPaced | kFlagInterrupt); line.emotion = "happy:0.5";
    line.optionsJson = ""; line.audio.assign(4, 0);
    std::vector<uint8_t> submit = session.MakeSubmit(line);
    std::vector<uint8_t> beat = session.MakeHeartbeat(1.0);
    std::vector<uint8_t> bye = Encode(Message(Bye{}));
    bool state = session.IsConnected() || session.IsFailed();
    const std::string& why = session.FailureReason();
    return (sub.empty() || submit.empty() || beat.empty() || bye.empty() || state || !why.empty()) ? 1 : 0;
}
"""


ANON_BLOCK = re.compile(r"^namespace\n\{\n(.*?)^\}  // namespace$", re.MULTILINE | re.DOTALL)
TOP_LEVEL_NAME = re.compile(r"^(?:struct|class|enum class|enum)\s+(\w+)|^[A-Za-z][\w:<>,\s\*&]*?[\s\*&](\w+)\s*(?:\(|=|\[|\{)",
                            re.MULTILINE)


def test_unity_build_sees_no_duplicate_file_local_names() -> None:
    """Unreal's unity build joins .cpp files into one: names in anonymous namespaces must not repeat."""
    seen: dict[str, str] = {}
    names_found = 0
    for path in sorted((PLUGIN / "Source").rglob("*.cpp")):
        for block in ANON_BLOCK.findall(path.read_text()):
            for match in TOP_LEVEL_NAME.finditer(block):
                name = match.group(1) or match.group(2)
                names_found += 1
                assert seen.get(name, path.name) == path.name, \
                    f"{name} is defined file-locally in both {seen[name]} and {path.name}"
                seen[name] = path.name
    assert names_found >= 20 and "Trim" in seen and "kWaitSliceS" in seen  # the scan really reads the blocks


@pytest.mark.slow
def test_protocol_core_api_matches_what_the_plugin_uses(tmp_path: Path) -> None:
    """Compile the plugin's uses of the protocol core against engineer C's headers and run them."""
    src = tmp_path / "protocol_use.cpp"
    src.write_text(PROTOCOL_USE)
    sources = [str(p) for p in PROTOCOL_DIR.glob("*.cpp")]
    exe = tmp_path / "protocol_use"
    subprocess.run(["g++", "-std=c++17", "-fno-exceptions", "-fno-rtti", "-Wall", "-Wextra", "-Werror", f"-I{PRIVATE}",
                    str(src), *sources, "-o", str(exe)], check=True, capture_output=True, text=True, timeout=180)
    done = subprocess.run([str(exe)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, "a fresh session is neither connected nor failed, and makes non-empty messages"
