"""``emoface evaluate`` with real references: rest on a tiny checkpoint, absent folders skipped, JSON out."""
from __future__ import annotations

import json

import pytest

from server.cli.main import main


@pytest.mark.slow
def test_rest_and_a_missing_folder(tmp_path, tiny_checkpoint, capsys):
    out = tmp_path / "real.json"
    code = main(["evaluate", "--checkpoint", str(tiny_checkpoint), "--rest", "--talking-faces",
                 str(tmp_path / "absent"), "--json", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "skipped talking_faces" in text and "zeros mean" in text
    report = json.loads(out.read_text())["real"]
    assert set(report["rest"]["silence"]) == {"zeros", "noise_-60dBFS", "noise_-45dBFS"}
    assert report["rest"]["pauses"]["clips"]["hello_padded"]["pauses"] >= 2  # the 1 s pads at least
    assert report["rest"]["stream"]["silence"]["zeros"]["max"] >= report["rest"]["stream"]["silence"]["zeros"]["mean"]
    assert "talking_faces" not in report and "absent" in report["skipped"]["talking_faces"]


def test_needs_a_corpus_or_a_real_reference(capsys):
    assert main(["evaluate"]) == 2
    assert "give --corpus" in capsys.readouterr().err
