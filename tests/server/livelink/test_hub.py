"""SubjectHub: pacing, ordering, independence of subjects, interrupt, limits, incremental lines."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from model.rig import rig
from server.livelink.hub import HubFullError, HubOptions, LineFrames, SubjectHub

FPS = 60


class Recorder:
    """A FrameSink recording every call with its arrival time."""

    def __init__(self):
        self.events: list[tuple] = []
        self.lock = threading.Lock()

    def _add(self, *event):
        with self.lock:
            self.events.append((time.time(), *event))

    def on_static(self, subject, controls, fps):
        self._add("static", subject, controls, fps)

    def on_line_start(self, subject, line_id, start_time_s, frame_count):
        self._add("start", subject, line_id, start_time_s, frame_count)

    def on_frame(self, subject, line_id, frame_index, time_s, values):
        self._add("frame", subject, line_id, frame_index, time_s, values.copy())

    def on_line_end(self, subject, line_id, frames_sent, status, message):
        self._add("end", subject, line_id, frames_sent, status, message)

    def close(self):
        self._add("close")

    def of(self, kind, subject=None):
        with self.lock:
            return [e for e in self.events if e[1] == kind and (subject is None or e[2] == subject)]


@pytest.fixture
def hub():
    h = SubjectHub(HubOptions(max_lines_per_subject=3))
    yield h
    h.close()


def _wait(predicate, timeout_s=10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _frames(n, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, len(rig()))).astype(np.float32)


def test_unpaced_line_sends_static_start_every_frame_and_end_in_order(hub):
    sink = Recorder()
    hub.add_sink(sink)
    frames = _frames(25)
    line = hub.submit("Hero", frames, paced=False, request_id=9)
    assert hub.wait_line(line, 10) == "complete"
    kinds = [e[1] for e in sink.events]
    assert kinds == ["static", "start"] + ["frame"] * 25 + ["end"]
    assert sink.events[0][3] == rig().ue_names and sink.events[0][4] == FPS
    assert sink.of("start")[0][5] == 25
    got = np.stack([e[6] for e in sink.of("frame")])
    assert np.array_equal(got, frames)
    assert [e[4] for e in sink.of("frame")] == list(range(25))
    assert [e[5] for e in sink.of("frame")] == [i / FPS for i in range(25)]
    assert sink.of("end")[0][3:] == (line, 25, "complete", "")
    assert hub.request_id(line) == 0  # the line is over


def test_paced_line_follows_the_schedule(hub):
    sink = Recorder()
    hub.add_sink(sink)
    t0 = time.time()
    line = hub.submit("Hero", _frames(30), paced=True)
    assert hub.wait_line(line, 10) == "complete"
    start_s = sink.of("start")[0][4]
    assert start_s >= t0 + 0.09  # the lead
    for arrived, _, _, _, index, _, _ in sink.of("frame"):
        assert arrived >= start_s + index / FPS - 1e-3  # never early
    assert time.time() - t0 >= 0.8 * 30 / FPS


def test_lines_of_one_subject_queue_and_subjects_are_independent(hub):
    sink = Recorder()
    hub.add_sink(sink)
    slow = hub.submit("A", _frames(60), paced=True)  # 1 s
    queued = hub.submit("A", _frames(3), paced=False)
    other = hub.submit("B", _frames(10), paced=False)
    assert hub.wait_line(other, 10) == "complete"
    assert hub.wait_line(queued, 10) == "complete"
    end_other = sink.of("end", "B")[0][0]
    assert end_other < min(e[0] for e in sink.of("frame", "A") if e[3] == slow and e[4] == 59)  # B did not wait
    assert hub.wait_line(slow, 0) == "complete"
    a_lines = [e[3] for e in sink.of("start", "A")]
    assert a_lines == [slow, queued]
    end_slow = next(e[0] for e in sink.of("end", "A") if e[3] == slow)
    start_queued = next(e[0] for e in sink.of("start", "A") if e[3] == queued)
    assert start_queued >= end_slow
    assert len(sink.of("static", "A")) == 1 and len(sink.of("static", "B")) == 1


def test_interrupt_cancels_current_and_queued_lines(hub):
    sink = Recorder()
    hub.add_sink(sink)
    first = hub.submit("A", _frames(120), paced=True)
    second = hub.submit("A", _frames(120), paced=True)
    time.sleep(0.3)
    third = hub.submit("A", _frames(5), paced=False, interrupt=True)
    assert hub.wait_line(third, 10) == "complete"
    assert hub.wait_line(first, 1) == "cancelled" and hub.wait_line(second, 1) == "cancelled"
    ends = {e[3]: e for e in sink.of("end")}
    assert 0 < ends[first][4] < 120 and ends[second][4] == 0
    assert [e[3] for e in sink.of("start")] == [first, second, third]  # every line starts before it ends


def test_queue_limit_and_empty_subject(hub):
    lines = [hub.submit("A", _frames(120), paced=True) for _ in range(3)]
    with pytest.raises(HubFullError):
        hub.submit("A", _frames(1))
    with pytest.raises(Exception, match="subject"):
        hub.submit("", _frames(1))
    hub.submit("B", _frames(1), paced=False)  # another subject is not limited by A
    hub.submit("A", _frames(1), paced=False, interrupt=True)  # interrupting frees the queue
    assert all(hub.wait_line(line, 5) == "cancelled" for line in lines)


def test_incremental_line_has_unknown_count_and_frames_as_they_come(hub):
    sink = Recorder()
    hub.add_sink(sink)
    source = LineFrames(incremental=True)
    line = hub.submit("S", source, paced=False)
    time.sleep(0.1)
    assert sink.of("start") == []  # waits for the first frame
    source.push(_frames(4))
    assert _wait(lambda: len(sink.of("frame")) == 4)
    assert sink.of("start")[0][5] is None
    source.push(_frames(2, seed=1))
    source.finish()
    assert hub.wait_line(line, 5) == "complete"
    assert sink.of("end")[0][4] == 6


def test_failed_and_cancelled_incremental_lines(hub):
    sink = Recorder()
    hub.add_sink(sink)
    failing = LineFrames()
    line = hub.submit("S", failing, paced=False)
    failing.fail("model exploded")
    assert hub.wait_line(line, 5) == "failed"
    assert sink.of("end")[0][3:] == (line, 0, "failed", "model exploded")
    waiting = LineFrames(incremental=True)
    line2 = hub.submit("S", waiting, paced=True)
    assert hub.cancel(line2, "caller went away")
    assert hub.wait_line(line2, 5) == "cancelled"
    assert sink.of("end")[1][5:] == ("cancelled", "caller went away")


def test_a_broken_sink_does_not_stop_others_and_late_sinks_catch_up(hub):
    class Broken(Recorder):
        def on_frame(self, *args):
            raise RuntimeError("boom")

    good, broken, late = Recorder(), Broken(), Recorder()
    hub.add_sink(broken)
    hub.add_sink(good)
    line = hub.submit("A", _frames(90), paced=True)
    assert _wait(lambda: len(good.of("frame")) >= 10)
    hub.add_sink(late)
    assert hub.wait_line(line, 5) == "complete"
    assert len(good.of("frame")) == 90
    assert [e[1] for e in late.events[:2]] == ["static", "start"]  # joined mid-line
    assert 0 < len(late.of("frame")) < 90 and late.of("end")[0][4] == 90
    hub.close()
    assert good.of("close") and late.of("close")
