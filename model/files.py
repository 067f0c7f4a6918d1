"""File helpers shared by every layer: content hashes and atomic writes."""
from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Iterator


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file's bytes, cached per (path, modification time, size)."""
    st = Path(path).stat()
    return _sha256(str(Path(path).resolve()), st.st_mtime_ns, st.st_size)


@cache
def _sha256(path: str, _mtime_ns: int, _size: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` on success only.

    The file is created with mode 0666 minus the umask, like any file a program creates
    (``tempfile.mkstemp`` would make it 0600 and the rename would keep that).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _create_temp_file(target)
    try:
        yield Path(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _create_temp_file(target: Path) -> str:
    """A new empty file ``.NAME.XXXXXXXX.tmp`` beside ``target``, created exclusively, mode 0666 & ~umask."""
    for _ in range(100):
        tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return str(tmp)
    raise FileExistsError(f"no free temporary file name beside {target}")


def package_data_path(module: str, relative: str, not_installed: str, distribution: str) -> Path:
    """A data file shipped inside installed package ``module`` (found without importing it).

    Raises :class:`~model.errors.InputError` with ``not_installed`` when the package is absent, and
    asks to reinstall ``distribution`` when the file is missing."""
    from model.errors import InputError

    spec = find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise InputError(not_installed)
    path = Path(list(spec.submodule_search_locations)[0]) / relative
    if not path.is_file():
        raise InputError(f"{path} is missing; reinstall {distribution}")
    return path
