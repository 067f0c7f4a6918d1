"""The container image definition (top-level Dockerfile): its essentials read against the project, and hadolint.

No image is built here (no container runtime in tests); what the build needs is checked instead:
CPU PyTorch at the project's pinned version from the PyTorch CPU index, the packages that
``pip install .`` installs all copied (and let through .dockerignore), a non-root user, and an
entry point that is the project's console command.
"""
from __future__ import annotations

import fnmatch
import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from server.cli.main import SUBCOMMANDS
from server.grpc.service_config import ServiceConfig

REPO = Path(__file__).resolve().parents[2]
PYTORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile: comments dropped, continuation lines joined."""
    text = re.sub(r"\\\n", " ", "\n".join(line for line in (REPO / "Dockerfile").read_text().splitlines()
                                            if not line.lstrip().startswith("#")))
    return [(parts[0].upper(), parts[1] if len(parts) > 1 else "")
            for parts in (line.strip().split(None, 1) for line in text.splitlines() if line.strip())]


def _args(name: str) -> list[str]:
    return [args for instruction, args in instructions() if instruction == name]


def test_python_base_matches_the_project():
    (base,) = _args("FROM")
    minor = re.search(r"==?(3\.\d+)", PYPROJECT["project"]["requires-python"].replace(">=", "==")).group(1)
    assert re.fullmatch(rf"python:{re.escape(minor)}-slim\S*", base), base


def test_cpu_torch_at_the_pinned_version_from_the_cpu_index():
    (torch_pin,) = [d for d in PYPROJECT["project"]["dependencies"] if d.startswith("torch")]
    installs = [shlex.split(run) for run in _args("RUN") if "torch" in run]
    assert any(torch_pin in words and words[words.index("--index-url") + 1] == PYTORCH_CPU_INDEX
               for words in installs if "--index-url" in words), installs
    steps = [i for i, _ in instructions()]
    torch_step = next(i for i, (name, args) in enumerate(instructions()) if name == "RUN" and torch_pin in args)
    project_step = next(i for i, (name, args) in enumerate(instructions()) if name == "RUN" and "pip install ." in args)
    assert torch_step < project_step, steps  # the CPU build is there before pip resolves torch for the project


def test_every_package_is_copied_and_let_through_dockerignore():
    copied = {source.rstrip("/") for args in _args("COPY") for source in args.split()[:-1]}  # last: destination
    packages = {p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert packages | {"pyproject.toml", PYPROJECT["project"]["readme"]} <= copied
    patterns = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]

    def sent(path: str) -> bool:  # the last matching pattern decides, as in Docker
        verdict = True
        for pattern in patterns:
            negated = pattern.startswith("!")
            if fnmatch.fnmatch(path, pattern.lstrip("!").rstrip("/")):
                verdict = negated
        return verdict

    assert all(sent(name) for name in copied), [name for name in copied if not sent(name)]
    assert not sent(".venv") and not sent("tests")


def test_runs_as_a_non_root_user():
    users = _args("USER")
    assert users, "no USER: the container would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0") and user.isdigit(), user  # numeric, so runAsNonRoot can verify it


def test_entrypoint_is_emoface_serve_on_the_default_port():
    (entrypoint,) = _args("ENTRYPOINT")
    command, subcommand = json.loads(entrypoint)  # exec form: SIGTERM reaches the server, which drains
    assert command in PYPROJECT["project"]["scripts"] and subcommand in SUBCOMMANDS and subcommand == "serve"
    env = dict(re.findall(r"(EMOFACE_\w+)=(\S+)", " ".join(_args("ENV"))))
    assert int(env["EMOFACE_PORT"]) == ServiceConfig().port == int(_args("EXPOSE")[0])


def _hadolint() -> str | None:
    return shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(_hadolint() is None, reason="hadolint not installed (pip install -e '.[dev]' brings it)")
def test_hadolint_finds_nothing():
    proc = subprocess.run([_hadolint(), "--no-color", str(REPO / "Dockerfile")], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
