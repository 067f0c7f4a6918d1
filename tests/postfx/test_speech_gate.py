"""Speech gate: silence rests, a burst opens with the documented pre-roll / hangover / ramp,
emotion controls are untouched, and a stream equals the whole clip."""
from __future__ import annotations

import numpy as np
import pytest

from model.constants import SAMPLE_RATE_HZ, frame_count
from model.errors import InputError
from model.rig import rig
from postfx.speech_gate import GATED_CONTROLS, ActivityOptions, ActivityStream, GateOptions, gate, speech_activity
from postfx.vad import EnergyOptions, frame_bounds

from emoface_testing import burst, hello

OPTS = ActivityOptions(preroll_s=0.1, hangover_s=0.2, ramp_s=0.1)  # 6, 12 and 6 frames at 60 fps


def speech_like(seconds: float, seed: int) -> np.ndarray:
    """Noise with a 4 Hz syllable envelope and pauses: bursts, gaps and ramps for the detectors."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE_HZ)
    t = np.arange(n) / SAMPLE_RATE_HZ
    envelope = np.clip(np.sin(2 * np.pi * 4 * t), 0, None) * (np.sin(2 * np.pi * 0.3 * t) > -0.3)
    return (0.1 * envelope * rng.normal(size=n)).astype(np.float32)


def test_frame_bounds_tile_the_audio_like_frame_count():
    n = 16000 * 3 + 123
    bounds = [frame_bounds(i) for i in range(frame_count(n))]
    assert bounds[0][0] == 0 and all(b[1] == c[0] for b, c in zip(bounds, bounds[1:]))
    assert bounds[-1][1] <= n < frame_bounds(frame_count(n))[1]


@pytest.mark.parametrize("dbfs", [None, -60.0])
def test_silence_and_a_minus_60_dbfs_floor_give_zero_activity_and_a_resting_jaw(dbfs):
    n = 3 * SAMPLE_RATE_HZ
    audio = np.zeros(n, np.float32) if dbfs is None else \
        (10 ** (dbfs / 20) * np.random.default_rng(0).normal(size=n)).astype(np.float32)
    act = speech_activity(audio)
    assert act.shape == (180,) and np.all(act == 0)
    frames = np.full((180, len(rig())), 0.2, np.float32)
    jaw = rig().index("CTRL_C_jaw.ty")
    assert np.all(gate(frames, act)[:, jaw] == 0)


def test_burst_opens_with_preroll_holds_with_hangover_and_ramps():
    act = speech_activity(burst(60, 90, 180), OPTS)  # speech in frames 60..89
    # held open in [60 - 6, 89 + 12] = [54, 101]; opens 1/6 a frame from 54 (full at 59, before
    # the onset), closes 1/6 a frame from 102 (zero at 107)
    expected = np.zeros(180)
    expected[54:60] = np.arange(1, 7) / 6
    expected[60:102] = 1
    expected[102:108] = np.arange(5, -1, -1) / 6
    np.testing.assert_allclose(act, expected, atol=1e-6)


def test_defaults_open_fully_by_the_onset():
    d = ActivityOptions()
    assert (d.preroll_frames, d.hangover_frames, d.ramp_frames) == (1, 6, 2)
    act = speech_activity(burst(60, 90, 180))  # held in [59, 95]; 1/2 a frame up from 59, down from 96
    expected = np.zeros(180)
    expected[59] = 0.5
    expected[60:96] = 1
    expected[96] = 0.5
    np.testing.assert_allclose(act, expected, atol=1e-6)


def test_speech_at_the_first_frame_is_open_at_once():
    act = speech_activity(burst(0, 30, 90), OPTS)
    assert act[0] == 1 and np.all(act[:42] == 1) and act[42] == pytest.approx(5 / 6)


def test_a_quiet_tail_far_under_the_speech_level_is_not_speech():
    opts = ActivityOptions(hangover_s=0.2, energy=EnergyOptions(noise_margin_db=0.0))  # only the relative level
    loud = burst(0, 60, 120, dbfs=-5.0)
    quiet = burst(60, 120, 120, dbfs=-45.0)  # 40 dB under the speech, above the -55 dBFS floor
    act = speech_activity(loud + quiet, opts)  # the speech level decays 3 dB/s: -8 dBFS after 1 s
    assert np.all(act[:72] == 1) and np.all(act[78:] == 0)
    alone = speech_activity(burst(0, 120, 120, dbfs=-45.0), opts)
    assert np.all(alone == 1)  # the same level with no louder speech before it counts as speech


def test_a_steady_hum_raises_the_noise_floor_and_closes():
    # -45 dBFS (above the floor) at 240 Hz, 4 periods a frame: the noise floor starts 10 dB under the
    # -55 dBFS floor and rises with a 30-frame time constant: -45 - 20 exp(-n / 30) after n frames. The
    # hum is speech while 20 exp(-n / 30) > 10 dB, i.e. in frames 0..20; held to 32, then 1/6 less a frame.
    act = speech_activity(burst(0, 180, 180, dbfs=-45.0, hz=240.0), OPTS)
    expected = np.zeros(180)
    expected[:33] = 1
    expected[33:39] = np.arange(5, -1, -1) / 6
    np.testing.assert_allclose(act, expected, atol=1e-6)


def test_activity_never_steps_more_than_the_ramp_allows():
    opts = ActivityOptions(ramp_s=0.05)  # 3 frames
    act = speech_activity(speech_like(6.0, seed=1), opts)
    assert 0 < act.mean() < 1 and act.min() == 0 and act.max() == 1
    assert np.abs(np.diff(act)).max() <= 1 / 3 + 1e-6
    frames = np.full((len(act), len(rig())), 0.6, np.float32)
    jaw = gate(frames, act)[:, rig().index("CTRL_C_jaw.ty")]
    assert np.abs(np.diff(jaw)).max() <= 0.6 / 3 + 1e-6


def test_gate_moves_only_the_mouth_opening_controls():
    rng = np.random.default_rng(3)
    frames = rng.uniform(-1, 1, size=(50, len(rig()))).astype(np.float32)
    act = np.linspace(0, 1, 50)
    out = gate(frames, act)
    idx = rig().indices(list(GATED_CONTROLS))
    others = np.setdiff1d(np.arange(len(rig())), idx)
    np.testing.assert_array_equal(out[:, others], frames[:, others])
    np.testing.assert_allclose(out[:, idx], frames[:, idx] * act[:, None], atol=1e-6)
    for name in ("CTRL_L_mouth_cornerPull.ty", "CTRL_R_mouth_cornerDepress.ty", "CTRL_L_brow_down.ty",
                 "CTRL_R_eye_cheekRaise.ty", "CTRL_L_eye_blink.ty", "CTRL_L_mouth_upperLipRaise.ty"):
        assert rig().index(name) in others
    half = gate(frames, np.full(50, 0.5), GateOptions(rest_value=0.1))[:, rig().index("CTRL_C_jaw.ty")]
    np.testing.assert_allclose(half, 0.1 + 0.5 * (frames[:, rig().index("CTRL_C_jaw.ty")] - 0.1), atol=1e-6)


def test_gate_rejects_mismatched_shapes():
    with pytest.raises(InputError):
        gate(np.zeros((10, len(rig()))), np.zeros(9))


def _stream(audio: np.ndarray, opts: ActivityOptions, chunk: int) -> tuple[np.ndarray, list[tuple[int, int]]]:
    s = ActivityStream(opts)
    parts, progress = [], []
    for i in range(0, len(audio), chunk):
        parts.append(s.push(audio[i: i + chunk]))
        progress.append((min(i + chunk, len(audio)), sum(len(p) for p in parts)))
    parts.append(s.finish())
    return np.concatenate(parts), progress


@pytest.mark.parametrize("chunk", [100, 267, 1600, 5000])
def test_stream_equals_whole_clip_and_waits_only_for_the_lookahead(chunk):
    audio = speech_like(5.0, seed=2)
    whole = speech_activity(audio, OPTS)
    streamed, progress = _stream(audio, OPTS, chunk)
    np.testing.assert_array_equal(streamed, whole)
    for received, final in progress:  # energy decides a frame with its audio: lookahead = preroll
        assert final == max(0, frame_count(received) - OPTS.preroll_frames)


def test_bad_options_are_rejected():
    with pytest.raises(InputError):
        ActivityOptions(detector="webrtc")
    with pytest.raises(InputError):
        ActivityOptions(ramp_s=0.0)


# -- silero-vad (a base dependency: the default gate; the model ships in the wheel: no network) ----------

def _silero() -> ActivityOptions:
    return ActivityOptions(detector="silero")  # never skipped: results must not depend on what is installed


def test_silero_rests_in_silence_and_noise_and_opens_on_real_speech():
    opts = _silero()
    assert np.all(speech_activity(np.zeros(3 * SAMPLE_RATE_HZ, np.float32), opts) == 0)
    noise = (10 ** (-45 / 20) * np.random.default_rng(0).normal(size=3 * SAMPLE_RATE_HZ)).astype(np.float32)
    assert speech_activity(noise, opts).mean() < 0.05
    speech = hello()
    pad = np.zeros(SAMPLE_RATE_HZ, np.float32)
    act = speech_activity(np.concatenate([pad, speech, pad]), opts)
    assert np.all(act[:40] == 0) and np.all(act[-40:] == 0)  # the first and last 2/3 s of padding
    inside = act[60: 60 + frame_count(len(speech))]
    assert inside.mean() > 0.7


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # silero_vad.model uses importlib.resources.path
def test_silero_probabilities_match_the_reference_wrapper():
    """Same per-window probabilities as silero-vad's own OnnxWrapper (which needs torch) on real speech."""
    _silero()
    torch = pytest.importorskip("torch")
    from silero_vad import load_silero_vad

    from postfx.vad import SileroDetector

    audio = hello()[: 512 * 60]
    det, ours = SileroDetector(), []
    for i in range(0, len(audio), 512):
        det.push(audio[i: i + 512])
        ours.append(det.last_probability)
    ref = load_silero_vad(onnx=True).audio_forward(torch.from_numpy(audio), 16000).numpy().reshape(-1)
    assert max(ours) > 0.9  # the test speaks
    np.testing.assert_allclose(ours, ref, atol=1e-5)


def test_silero_frames_take_the_window_holding_their_centre():
    _silero()
    from postfx.vad import SileroDetector

    # frames 0..3 end at samples 266, 533, 800, 1066 (centres 133, 399, 666, 933); windows end at 512, 1024
    det = SileroDetector()
    assert len(det.push(np.zeros(1000, np.float32))) == 2  # 3 whole frames, window 0 holds 2 centres
    assert len(det.finish()) == 1  # the zero-padded window 1 decides frame 2
    det = SileroDetector()
    assert len(det.push(np.zeros(1100, np.float32))) == 4  # frame 3 ends in window 2, its centre is in 1
    assert len(det.finish()) == 0


@pytest.mark.parametrize("chunk", [300, 512, 4000])
def test_silero_stream_equals_whole_clip(chunk):
    opts = _silero()
    speech = hello()
    audio = np.concatenate([np.zeros(7000, np.float32), speech, speech_like(1.0, seed=4)])
    whole = speech_activity(audio, opts)
    streamed, progress = _stream(audio, opts, chunk)
    np.testing.assert_array_equal(streamed, whole)
    for received, final in progress:  # a frame waits for the 32 ms window holding its centre + preroll + reach
        latest = max(0, frame_count(received) - opts.preroll_frames - opts.onset_frames)
        assert max(0, latest - 3) <= final <= latest
