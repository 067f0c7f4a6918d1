"""Shared fixtures: a tiny random EmoFace model (fast real forward passes)."""
from __future__ import annotations

from pathlib import Path

import pytest

from emoface_testing import make_tiny_model


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory) -> Path:
    """Path of a small random checkpoint (real network, random weights)."""
    from model.checkpoint import save_checkpoint

    path = tmp_path_factory.mktemp("ckpt") / "tiny.safetensors"
    save_checkpoint(make_tiny_model(), path, {"name": "tiny-test", "trained": False})
    return path


@pytest.fixture(scope="session")
def pipeline(tiny_checkpoint):
    """A Pipeline on the tiny checkpoint."""
    from server.runtime.pipeline import Pipeline

    return Pipeline.load(tiny_checkpoint)


def pytest_collection_modifyitems(items):
    """Mark as slow what needs an expensive fixture: the synthetic speech corpus (Piper + espeak-ng, ~10 s)
    and the protocol core built with sanitizers (~30 s of g++). ``-m "not slow"`` skips them; CI runs all."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "corpus" in getattr(item, "fixturenames", ()) or params.get("driver") == "sanitized":
            item.add_marker(pytest.mark.slow)
