"""The silero batcher: many streams' windows in one call give each stream what it gets alone."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import resample_poly

from emoface_testing import speechlike
from postfx.silero_batch import SileroBatcher
from postfx.speech_gate import ActivityOptions, ActivityStream
from postfx.vad import silero_session

HELLO = Path(__file__).resolve().parents[2] / "docs" / "samples" / "hello.wav"

SILERO = ActivityOptions(detector="silero")


class SlowSession:
    """The real session, 3 ms slower per call, so windows of other threads queue meanwhile."""

    def __init__(self, fail_first: int = 0):
        self.session, self.fail_first, self.calls = silero_session(), fail_first, 0

    def run(self, outputs, feeds):
        self.calls += 1
        time.sleep(0.003)
        if self.calls <= self.fail_first:
            raise RuntimeError("onnxruntime failed")
        return self.session.run(outputs, feeds)


def _activity(audio: np.ndarray, runner=None, chunk: int = 800) -> tuple[np.ndarray, list[float]]:
    """A stream's activity in 50 ms chunks, and silero's probability after each chunk."""
    stream = ActivityStream(SILERO, silero_runner=runner)
    parts, probs = [], []
    for i in range(0, len(audio), chunk):
        parts.append(stream.push(audio[i : i + chunk]))
        probs.append(stream.detector.last_probability)
    return np.concatenate([*parts, stream.finish()]), probs


def test_streams_batched_together_get_what_each_gets_alone():
    hello, sr = sf.read(HELLO, dtype="float32")  # 22.05 kHz mono
    clips = [resample_poly(hello, 320, 441).astype(np.float32), *(speechlike(2.0, seed=seed) for seed in range(5))]
    alone = [_activity(c) for c in clips]
    batcher = SileroBatcher(SlowSession)
    got: list = [None] * len(clips)

    def run(i: int) -> None:
        got[i] = _activity(clips[i], batcher)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clips))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for (a_act, a_prob), (b_act, b_prob) in zip(alone, got):
        np.testing.assert_array_equal(b_act, a_act)
        assert b_prob == a_prob  # every window's probability, bit for bit
    assert any(a.max() > 0.5 for a, _ in alone)  # speech was heard: the comparison is not of zeros
    total = sum(-(-len(c) // 512) for c in clips)
    assert batcher.windows == total  # every window ran once (the padded last one included)
    assert batcher.calls < total / 2  # ... in batches: six streams, mostly run together


def test_a_failed_call_reaches_its_callers_and_the_batcher_goes_on():
    batcher = SileroBatcher(lambda: SlowSession(fail_first=1))
    x, state = np.zeros((1, 576), np.float32), np.zeros((2, 1, 128), np.float32)
    with pytest.raises(RuntimeError, match="onnxruntime failed"):
        batcher(x, state)
    prob, new_state = batcher(x, state)
    assert prob.shape == (1, 1) and new_state.shape == (2, 1, 128) and 0.0 <= float(prob[0, 0]) <= 1.0
