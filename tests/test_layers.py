"""The layer rule, read from the source: model <- postfx <- server; training may use all three.

A lower layer never imports a higher one, not even inside a function (a lazy import still ties
the layers together). Every ``import`` statement of every module is read with ``ast``.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LAYERS = ("model", "postfx", "server", "training")  # each may import only from itself and those before it


def imported_packages(path: Path) -> set[tuple[str, int]]:
    """(top-level package, line) of every absolute import in ``path``, wherever it appears."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {(alias.name.split(".")[0], node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module.split(".")[0], node.lineno))
    return found


def crossing_imports(package: str) -> list[str]:
    """``file:line imports higher`` for every import of ``package`` that reaches a higher layer."""
    higher = set(LAYERS[LAYERS.index(package) + 1:])
    return [f"{path.relative_to(REPO)}:{line} imports {top}"
            for path in sorted((REPO / package).rglob("*.py"))
            for top, line in sorted(imported_packages(path), key=lambda t: t[1]) if top in higher]


@pytest.mark.parametrize("package", LAYERS[:-1])
def test_no_layer_imports_a_higher_one(package):
    assert crossing_imports(package) == []


def test_the_check_sees_lazy_imports(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import numpy\n\n\ndef f():\n    from server.runtime.formats import read\n    import training.train\n")
    assert imported_packages(probe) == {("numpy", 1), ("server", 5), ("training", 6)}
