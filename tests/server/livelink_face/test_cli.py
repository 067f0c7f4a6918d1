"""`emoface livelink-face` as a user runs it (the whole command, in this process) into a real UDP socket on
loopback."""

import numpy as np
import pytest

from emoface_testing import emoface, encode_audio, speechlike
from model.emotion import EmotionTrack
from model.rig import rig
from server.livelink_face.mapping import to_arkit
from server.livelink_face.packet import decode_packet
from server.runtime.animation import Animation
from server.runtime.audio_io import decode_file
from server.runtime.formats import read, write
from server.runtime.options import RequestOptions

FRAMES_PER_DAY = 86_400 * 60


def _run(*args):
    return emoface("livelink-face", *args, timeout_s=120)


def _check_line(packets, expected_curves, subject):
    """One packet per frame in order with the mapped values, then the all-zero rest frame."""
    assert len(packets) == len(expected_curves) + 1
    assert {p.subject for p in packets} == {subject}
    assert np.array_equal(np.stack([p.values for p in packets[:-1]]), expected_curves)
    assert not packets[-1].values.any()
    numbers = [p.frame_time.frame for p in packets]
    assert all((b - a) % FRAMES_PER_DAY == 1 for a, b in zip(numbers, numbers[1:]))


def test_baked_file_fast(tmp_path, receiver):
    rng = np.random.default_rng(11)
    anim = Animation(rng.uniform(rig().range_min, rig().range_max, (90, 174)))
    path = tmp_path / "line.npz"
    write(anim, path)
    proc = _run(path, "--to", f"127.0.0.1:{receiver.port}", "--subject", "MetaHuman_A", "--fast",
                "--device-id", "bench")
    assert proc.returncode == 0, proc.stderr
    assert "sent 91 packets (90 frames" in proc.stdout
    packets = [decode_packet(p) for p in receiver.wait_for(91)]
    _check_line(packets, to_arkit(anim.frames), "MetaHuman_A")
    assert packets[0].device_id == "bench"


def test_subset_csv_in_real_time(tmp_path, receiver):
    names = tuple(rig().ue_names[i] for i in rig().select(["jaw", "mouth"]))
    frames = np.random.default_rng(12).uniform(0, 1, (30, len(names))).astype(np.float32)
    path = tmp_path / "mouth.csv"
    write(Animation(frames, names), path)
    proc = _run(path, "--to", f"127.0.0.1:{receiver.port}", "--subject", "Face")
    assert proc.returncode == 0, proc.stderr
    packets = [decode_packet(p) for p in receiver.wait_for(31)]
    baked = read(path)  # what the file holds (csv rounds the values)
    assert baked.controls == names and np.allclose(baked.frames, frames, atol=1e-5)
    _check_line(packets, to_arkit(baked.full()), "Face")
    duration_s = receiver.arrival_s[29] - receiver.arrival_s[0]
    assert 29 / 60 * 0.8 < duration_s < 29 / 60 + 0.5


def test_audio_input_is_animated_like_the_pipeline(tmp_path, receiver, pipeline, tiny_checkpoint):
    wav = tmp_path / "speech.wav"
    wav.write_bytes(encode_audio(speechlike(1.0, 22050, seed=2), 22050))
    proc = _run(wav, "--to", f"127.0.0.1:{receiver.port}", "--subject", "NPC", "--fast", "--checkpoint",
                tiny_checkpoint, "--emotion", "angry:0.7", "--seed", 5)
    assert proc.returncode == 0, proc.stderr
    assert "UNTRAINED" in proc.stderr
    expected = pipeline.animate(decode_file(wav), EmotionTrack.parse("angry:0.7"), RequestOptions(seed=5))
    assert expected.num_frames == 60
    packets = [decode_packet(p) for p in receiver.wait_for(61)]
    assert len(packets) == 61
    got = np.stack([p.values for p in packets[:-1]])
    assert np.allclose(got, to_arkit(expected.full()), atol=1e-5)
    assert got[:, 17].std() > 0  # jawOpen moves


@pytest.mark.parametrize("args, message", [
    (["--to", "no-such-host.invalid:11111"], "cannot resolve"),
    (["--to", "localhost"], "HOST:PORT"),
    (["--to", "127.0.0.1:11111", "--subject", "x" * 300], "--subject"),
])
def test_bad_arguments_exit_2_with_one_line(tmp_path, args, message):
    path = tmp_path / "a.npz"
    write(Animation(np.zeros((3, 174))), path)
    if "--subject" not in args:
        args = [*args, "--subject", "S"]
    proc = _run(path, *args)
    assert proc.returncode == 2
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_missing_input_exits_2(tmp_path):
    proc = _run(tmp_path / "missing.json", "--to", "127.0.0.1:11111", "--subject", "S")
    assert proc.returncode == 2 and "not found" in proc.stderr
