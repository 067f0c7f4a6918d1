"""Gate onsets: silero decides whether it is speech, the energy detector's level decides when it started.

A deterministic late detector (frames ``[on, off)`` are speech, each decided once its audio is complete) stands in
for silero, so every expected activity below is computed by hand from the defaults: pre-roll 1 frame, hangover 6,
ramp 2 (activity 0.5 the frame before full), onset reach 18 frames (0.3 s).
"""
from __future__ import annotations

import numpy as np
import pytest

from model.constants import FPS, SAMPLE_RATE_HZ, frame_count
from postfx.speech_gate import ActivityOptions, ActivityStream, extend_onsets, speech_activity

from emoface_testing import burst, hello

REACH = ActivityOptions(detector="silero")  # the defaults, onset reach included
NO_REACH = ActivityOptions(detector="silero", onset_s=0.0)


class LateDetector:
    """Calls frames ``[on, off)`` speech whatever the audio, deciding each frame once its audio is complete."""

    def __init__(self, on: int, off: int):
        self.on, self.off, self._samples, self._frames = on, off, 0, 0

    def push(self, audio: np.ndarray) -> np.ndarray:
        self._samples += len(audio)
        n = frame_count(self._samples)
        out = np.array([self.on <= i < self.off for i in range(self._frames, n)], dtype=bool)
        self._frames = n
        return out

    def finish(self) -> np.ndarray:
        return np.zeros(0, dtype=bool)


def activity(audio: np.ndarray, on: int, off: int, opts: ActivityOptions = REACH, chunk: int | None = None):
    """Activity of ``audio`` with speech decided in frames ``[on, off)``, whole or in chunks of ``chunk`` samples."""
    stream = ActivityStream(opts, detector=LateDetector(on, off))
    step = chunk or len(audio)
    parts = [stream.push(audio[i: i + step]) for i in range(0, len(audio), step)]
    return np.concatenate(parts + [stream.finish()])


def opening(first_full: int, n: int = 180) -> np.ndarray:
    """Expected activity up to ``n`` frames: 0, then 0.5 at ``first_full - 1`` and 1 from ``first_full`` on."""
    out = np.zeros(n)
    out[max(0, first_full - 1)] = 0.5
    out[first_full:] = 1
    return out


def test_the_reach_in_frames_and_only_for_silero():
    assert (REACH.preroll_frames, REACH.onset_frames, NO_REACH.onset_frames) == (1, 18, 0)
    assert ActivityOptions(detector="energy").onset_frames == 0  # energy's decisions are the level criterion
    assert ActivityStream(REACH, detector=LateDetector(0, 0)).lookahead_frames == 1 + 18


def test_a_late_decision_opens_at_the_level_onset_not_later():
    audio = burst(60, 180, 180)  # zeros, then a -20 dBFS tone from frame 60 to the end
    # silero-like decision 12 frames (200 ms) late: the tone's frames 60..71 are sounding, so speech from 60
    np.testing.assert_allclose(activity(audio, 72, 180)[:150], opening(60)[:150])
    np.testing.assert_allclose(activity(audio, 72, 180, NO_REACH)[:150], opening(72)[:150])  # without the reach


def test_the_reach_limits_how_early_it_opens():
    audio = burst(60, 180, 180)
    # 25 frames late: the tone sounds from 60, but the onset moves back 18 frames at most, to 85 - 18 = 67
    np.testing.assert_allclose(activity(audio, 85, 180)[:150], opening(67)[:150])
    # exactly at the reach: 78 - 18 = 60 is the level onset itself
    np.testing.assert_allclose(activity(audio, 78, 180)[:150], opening(60)[:150])


@pytest.mark.parametrize("floor_dbfs", [None, -60.0])
def test_silence_and_a_minus_60_dbfs_floor_never_open_early(floor_dbfs):
    n = 180 * SAMPLE_RATE_HZ // FPS
    audio = np.zeros(n, np.float32) if floor_dbfs is None else \
        (10 ** (floor_dbfs / 20) * np.random.default_rng(0).normal(size=n)).astype(np.float32)
    np.testing.assert_allclose(activity(audio, 72, 180)[:150], opening(72)[:150])  # as late as the decision
    np.testing.assert_array_equal(activity(audio, 180, 180), np.zeros(180))  # no decision: closed
    assert np.all(speech_activity(audio, REACH) == 0)  # real silero


def test_a_gap_in_the_sound_stops_the_early_opening():
    audio = burst(60, 180, 180)
    audio[burst(64, 67, 180) != 0] = 0  # frames 64..66 silent: the sounding run in front of 72 starts at 67
    np.testing.assert_allclose(activity(audio, 72, 180)[:150], opening(67)[:150])


def test_room_tone_the_energy_detector_has_learnt_does_not_open_early():
    # a -45 dBFS hum from frame 0 is sounding in frames 0..20 only (its noise floor catches up; see
    # test_speech_gate's hum test); a -20 dBFS tone on top from frame 90 sounds again
    audio = burst(0, 180, 180, dbfs=-45.0, hz=240.0) + burst(90, 180, 180)
    np.testing.assert_allclose(activity(audio, 100, 180)[:150], opening(90)[:150])


def test_a_clip_that_starts_mid_speech_is_open_from_its_first_frame():
    audio = burst(0, 120, 180)
    act = activity(audio, 15, 120)  # 250 ms late, as silero on the "cards" recordings
    assert np.all(act[:126] == 1) and act[126] == 0.5 and np.all(act[127:] == 0)
    assert activity(audio, 15, 120, NO_REACH)[14] == 0.5  # without it: open from 15 - 1


@pytest.mark.parametrize("chunk", [37, 100, 267, 1600, 5000])
def test_a_stream_equals_the_whole_clip_and_waits_for_the_reach(chunk):
    audio = burst(20, 50, 240) + burst(100, 180, 240, dbfs=-30.0)
    whole = activity(audio, 30, 200)
    stream = ActivityStream(REACH, detector=LateDetector(30, 200))
    parts = []
    for i in range(0, len(audio), chunk):
        parts.append(stream.push(audio[i: i + chunk]))
        received = min(i + chunk, len(audio))
        assert sum(map(len, parts)) == max(0, frame_count(received) - 1 - 18)  # pre-roll + reach
    np.testing.assert_array_equal(np.concatenate(parts + [stream.finish()]), whole)


@pytest.mark.parametrize("chunk", [300, 4000])
def test_silero_with_the_reach_streams_as_the_whole_clip_and_opens_no_earlier_than_the_sound(chunk):
    speech = hello()
    audio = np.concatenate([np.zeros(7000, np.float32), speech, speech[len(speech) // 3:]])  # a mid-word join
    whole = speech_activity(audio, REACH)
    stream = ActivityStream(REACH)
    streamed = np.concatenate([stream.push(audio[i: i + chunk]) for i in range(0, len(audio), chunk)]
                              + [stream.finish()])
    np.testing.assert_array_equal(streamed, whole)
    first_sound = frame_count(7000)  # the padding is digital zeros: nothing sounds before the speech
    assert np.all(whole[: first_sound - 1] == 0)
    assert np.all(whole >= speech_activity(audio, NO_REACH))  # the reach only ever opens earlier


def test_extend_onsets_by_hand():
    speech = np.array([0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1], bool)
    sounding = np.array([1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0], bool)
    # reach 2: frames 3, 4 sound up to the speech at 5 (frame 2 does not); 9, 10 reach the speech at 11
    want = np.array([0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1], bool)
    np.testing.assert_array_equal(extend_onsets(speech, sounding, 2), want)
    np.testing.assert_array_equal(extend_onsets(speech, sounding, 0), speech)
    np.testing.assert_array_equal(extend_onsets(speech, sounding, 4)[7:], [1, 1, 1, 1, 1])
