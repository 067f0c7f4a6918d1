"""LiveLinkFaceSink inside a real SubjectHub, sending to a real UDP socket on loopback."""
import logging
import time

import numpy as np
import pytest

from model.rig import rig
from server.livelink.hub import HubOptions, SubjectHub
from server.livelink_face.mapping import to_arkit
from server.livelink_face.packet import decode_packet
from server.livelink_face.sink import LiveLinkFaceSink

FRAMES_PER_DAY = 86_400 * 60


def _frames(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(rig().range_min, rig().range_max, (n, 174)).astype(np.float32)


@pytest.fixture
def hub():
    h = SubjectHub(HubOptions(lead_s=0.05))
    yield h
    h.close()


def test_paced_line_arrives_frame_by_frame_with_consecutive_frame_times(hub, receiver):
    sink = LiveLinkFaceSink("127.0.0.1", receiver.port, device_id="rig-1", utc=True)
    hub.add_sink(sink)
    frames = _frames(24, seed=0)
    t0 = time.time()
    line = hub.submit("NPC_A", frames, paced=True)
    assert hub.wait_line(line, 5.0) == "complete"
    packets = [decode_packet(p) for p in receiver.wait_for(25)]
    assert len(packets) == 25  # 24 frames + the rest frame
    assert {(p.subject, p.device_id) for p in packets} == {("NPC_A", "rig-1")}
    for p, expected in zip(packets, to_arkit(frames)):
        assert np.array_equal(p.values, expected)
    assert not packets[-1].values.any()
    numbers = [p.frame_time.frame for p in packets]
    assert all((b - a) % FRAMES_PER_DAY == 1 for a, b in zip(numbers, numbers[1:]))
    assert len({p.frame_time.sub_frame for p in packets}) == 1
    first = packets[0].frame_time
    assert (first.rate_numerator, first.rate_denominator) == (60, 1)
    assert abs((first.seconds - (t0 % 86_400) + 43_200) % 86_400 - 43_200) < 1.0  # UTC time of day of the line
    duration_s = receiver.arrival_s[23] - receiver.arrival_s[0]
    assert 23 / 60 * 0.8 < duration_s < 23 / 60 + 0.5  # paced in real time
    sink.close()
    assert sink.stats() == {"queued": 25, "sent": 25, "dropped": 0, "errors": 0}


def test_subject_filter_and_independent_subjects(hub, receiver):
    hub.add_sink(LiveLinkFaceSink("127.0.0.1", receiver.port, subject_filter="Hero", rest_on_end=False))
    a = hub.submit("Hero", _frames(5, seed=1), paced=False)
    b = hub.submit("Villain", _frames(7, seed=2), paced=False)
    assert hub.wait_line(a, 5.0) == hub.wait_line(b, 5.0) == "complete"
    packets = [decode_packet(p) for p in receiver.wait_for(5)]
    assert [p.subject for p in packets] == ["Hero"] * 5
    assert np.array_equal(np.stack([p.values for p in packets]), to_arkit(_frames(5, seed=1)))


def test_cancelled_line_ends_with_a_rest_frame(hub, receiver):
    hub.add_sink(LiveLinkFaceSink("127.0.0.1", receiver.port))
    line = hub.submit("NPC", _frames(600, seed=3), paced=True)
    time.sleep(0.3)
    assert hub.cancel(line)
    assert hub.wait_line(line, 5.0) == "cancelled"
    packets = [decode_packet(p) for p in receiver.wait_for(3)]
    assert 3 <= len(packets) < 100
    assert not packets[-1].values.any() and packets[-2].values.any()
    assert (packets[-1].frame_time.frame - packets[-2].frame_time.frame) % FRAMES_PER_DAY == 1


def test_unresolvable_host_is_logged_once_and_never_raised(hub, caplog):
    sink = LiveLinkFaceSink("no-such-host.invalid", 11111)
    hub.add_sink(sink)
    with caplog.at_level(logging.WARNING, logger="server.livelink_face.sink"):
        line = hub.submit("NPC", _frames(10, seed=4), paced=False)
        assert hub.wait_line(line, 5.0) == "complete"
        assert sink.flush(5.0)
    warnings = [r for r in caplog.records if "cannot resolve" in r.getMessage()]
    assert len(warnings) == 1
    stats = sink.stats()
    assert stats["sent"] == 0 and stats["dropped"] == 11 and stats["errors"] >= 1
    sink.close()
    sink.close()  # idempotent


def test_full_queue_drops_the_oldest_without_blocking(receiver):
    sink = LiveLinkFaceSink("127.0.0.1", receiver.port, max_queued_packets=4, rest_on_end=False)
    sink.on_static("S", tuple(rig().ue_names), 60.0)
    sink.on_line_start("S", 1, time.time(), 2000)
    start = time.monotonic()
    for i, row in enumerate(_frames(2000, seed=5)):
        sink.on_frame("S", 1, i, i / 60, row)
    assert time.monotonic() - start < 5.0
    sink.close()
    stats = sink.stats()
    assert stats["queued"] == 2000 and stats["sent"] + stats["dropped"] == 2000 and stats["errors"] == 0
    packets = [decode_packet(p) for p in receiver.wait_for(stats["sent"])]
    assert len(packets) == stats["sent"]
    numbers = [p.frame_time.frame for p in packets]
    assert all(0 < (b - a) % FRAMES_PER_DAY < 2000 for a, b in zip(numbers, numbers[1:]))  # in order

