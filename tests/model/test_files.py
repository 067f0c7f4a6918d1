"""atomic_path: all or nothing, and the new file's mode follows the umask like any other tool's."""
from __future__ import annotations

import os
import stat

import pytest

from model.files import atomic_path


@pytest.fixture
def umask():
    """Set the process umask for one test, restoring it afterwards."""
    old = os.umask(0o022)
    os.umask(old)
    yield lambda mask: os.umask(mask)
    os.umask(old)


@pytest.mark.parametrize("mask,mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_file_follows_the_umask(tmp_path, umask, mask, mode):
    umask(mask)
    with atomic_path(tmp_path / "sub" / "out.json") as tmp:
        tmp.write_text("{}")
    assert stat.S_IMODE((tmp_path / "sub" / "out.json").stat().st_mode) == mode


def test_failure_leaves_neither_target_nor_temporary_file(tmp_path):
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "out.csv") as tmp:
        tmp.write_text("partial")
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_replaces_an_existing_file_whole(tmp_path):
    (tmp_path / "out.txt").write_text("old")
    with atomic_path(tmp_path / "out.txt") as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".out.txt.") and tmp.name.endswith(".tmp")
        tmp.write_text("new")
    assert (tmp_path / "out.txt").read_text() == "new" and len(list(tmp_path.iterdir())) == 1
