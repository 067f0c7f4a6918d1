"""Checkpoint metadata read from the safetensors header with json only (no torch)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from model.errors import CheckpointError
from model.metadata import checkpoint_id, default_checkpoint_path, read_metadata


def test_metadata_equals_what_safetensors_reads(tiny_checkpoint):
    from safetensors import safe_open

    for path in (default_checkpoint_path(), tiny_checkpoint):
        with safe_open(str(path), framework="pt") as f:
            assert read_metadata(path) == json.loads(f.metadata()["emoface"])


@pytest.mark.parametrize("content,message", [(None, "not found"), (b"", "not a safetensors"),
                                             (b"\x05\x00\x00\x00\x00\x00\x00\x00{not ", "not a safetensors"),
                                             (b"\x02\x00\x00\x00\x00\x00\x00\x00{}", "no EmoFace metadata")])
def test_bad_files_are_checkpoint_errors(tmp_path, content, message):
    path = tmp_path / "m.safetensors"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CheckpointError, match=message):
        read_metadata(path)


def test_reading_metadata_does_not_import_torch():
    code = ("import sys\nfrom model.metadata import checkpoint_id\nprint(checkpoint_id())\n"
            "print('torch' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [checkpoint_id(), "False"]
