"""One home per argument and default: the commands that animate share one declaration of the emotion,
model, seed and post-processing flags; help texts show defaults read from the code."""
from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

import pytest

from server.cli.arguments import request_from_args
from server.grpc.service_config import ServiceConfig

REPO = Path(__file__).resolve().parents[3]
SHARED = ["--emotion", "happy:0.5", "--seed", "3", "--blink-mu", "3.1", "--mouth-gain", "1.2", "--no-gaze"]


def _subparser(command: str, module: str) -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(prog="emoface")
    sub = parser.add_subparsers(dest="command")
    importlib.import_module(module).add_parser(sub)
    return sub.choices[command]


COMMANDS = [("animate", "server.cli.animate", ["in.wav", "-o", "o.json"]),
            ("preview", "server.preview.cli", ["in.wav", "-o", "o.mp4"]),
            ("livelink-face", "server.livelink_face.cli", ["in.wav", "--to", "127.0.0.1:11111", "--subject", "S"])]


def test_commands_that_animate_share_their_arguments():
    requests, helps = [], []
    for command, module, positional in COMMANDS:
        parser = _subparser(command, module)
        requests.append(request_from_args(parser.parse_args([*positional, *SHARED])))
        helps.append({a.dest: a.help for a in parser._actions if a.dest in ("emotion", "checkpoint", "blink_mu",
                                                                            "mouth_gain", "no_gaze")})
    tracks, options = zip(*requests)
    assert all(t.to_obj() == tracks[0].to_obj() for t in tracks) and len(set(options)) == 1
    assert options[0].seed == 3 and options[0].postfx.blink.mu == 3.1 and not options[0].postfx.gaze.enabled
    assert all(h == helps[0] for h in helps)


def test_serve_help_shows_the_config_defaults_without_markup():
    text = _subparser("serve", "server.cli.serve").format_help()
    assert "``" not in text and ":mod:" not in text
    flat = re.sub(r"\s+", " ", text)
    defaults = ServiceConfig()
    assert f"(default {defaults.port})" in flat and f"(default {defaults.max_clip_s:g})" in flat
    assert f"(default {defaults.max_concurrent_requests})" in flat and "(default: 64 MiB)" in flat


def test_no_help_text_types_a_numeric_default_by_hand():
    typed = []
    for path in sorted((REPO / "server").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument":
                for kw in node.keywords:
                    if kw.arg == "help" and isinstance(kw.value, ast.Constant) and \
                            re.search(r"\(default:? ?[0-9]", str(kw.value.value)):
                        typed.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert typed == []


@pytest.mark.parametrize("module", ["server.grpc.convert", "server.runtime.options"])
def test_stage_names_have_one_home(module):
    import importlib

    from server.runtime.options import STAGES

    assert getattr(importlib.import_module(module), "STAGES") is STAGES


def test_the_corpus_folder_is_corpus_everywhere_and_json_is_always_a_switch():
    build = _subparser("corpus", "training.cli_corpus")
    for spelling in ("--corpus", "--out"):  # --out: the old spelling, still accepted
        assert build.parse_args(["build", spelling, "c"]).corpus == Path("c")
        assert build.parse_args(["import", "rec", spelling, "c"]).corpus == Path("c")
    evaluate = _subparser("evaluate", "training.cli_evaluate")
    assert evaluate.parse_args(["--corpus", "c", "--report", "r.json"]).report == Path("r.json")
    assert _subparser("info", "server.cli.info").parse_args(["--json"]).json is True
