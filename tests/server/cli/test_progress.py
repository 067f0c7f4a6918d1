"""Long clips show progress on stderr while they animate; short ones print nothing extra."""
from __future__ import annotations

import pytest

from emoface_testing import emoface, encode_audio, speechlike


@pytest.mark.slow
def test_long_clip_shows_progress_short_clip_does_not(tmp_path, tiny_checkpoint):
    for seconds in (61.0, 2.0):
        wav = tmp_path / f"{seconds:g}.wav"
        wav.write_bytes(encode_audio(speechlike(seconds, 8000), 8000))
        proc = emoface("animate", wav, "--checkpoint", tiny_checkpoint, "-o", tmp_path / f"{seconds:g}.json")
        assert proc.returncode == 0, proc.stderr
        updates = proc.stderr.replace("\r", "\n").splitlines()
        if seconds > 60:
            assert any(u.startswith("animating 61 s: 100%") for u in updates), proc.stderr
        else:
            assert not any("animating" in u for u in updates), proc.stderr
