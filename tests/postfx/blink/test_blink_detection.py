"""Blink detection: EAR on a real photograph, the SVM vs a threshold, rate fitting, the CLI on video."""
import json

import numpy as np
import pytest

from emoface_testing import emoface
from postfx.blink.corpus import corpus, synth_clip
from postfx.blink.detector import BlinkDetector, ThresholdDetector, resample_series
from postfx.blink.fit import fit_log_normal, profile, rates_per_min
from postfx.blink.sampler import BlinkOptions, BlinkTrack
from postfx.blink.train import best_threshold, event_scores, fit_svm, training_windows

FACE_BOX = (slice(30, 230), slice(120, 320))  # the astronaut's face in skimage.data.astronaut()


def _photo():
    from skimage import data

    return data.astronaut()[FACE_BOX].copy()


def _closed(img, pts):
    """The photo with both eyes painted shut (skin from just above the eye, a lash line)."""
    out = img.copy()
    for sl in (slice(36, 42), slice(42, 48)):
        e = pts[sl]
        x0, x1 = int(e[:, 0].min()) - 3, int(e[:, 0].max()) + 3
        y0, y1 = int(e[:, 1].min()) - 4, int(e[:, 1].max()) + 4
        out[y0:y1, x0:x1] = out[y0 - 3 : y0, x0:x1].mean(axis=0).astype(np.uint8)
        out[(y0 + y1) // 2 - 1 : (y0 + y1) // 2 + 1, x0 + 2 : x1 - 2] = (60, 40, 40)
    return out


def test_ear_of_a_real_face_photograph_is_in_the_open_eye_range():
    from postfx.blink.ear import ear_from_landmarks
    from postfx.blink.landmarks import face_landmarks

    pts = face_landmarks(_photo())
    assert pts is not None and pts.shape == (68, 2)
    left, right, mean = ear_from_landmarks(pts)
    assert 0.2 <= left <= 0.4 and 0.2 <= right <= 0.4
    closed = face_landmarks(_closed(_photo(), pts))
    assert ear_from_landmarks(closed)[2] < 0.6 * mean
    assert face_landmarks(np.zeros((200, 200, 3), np.uint8)) is None


def test_default_classifier_api():
    det = BlinkDetector.default()
    open_eye = np.full((3, 7), 0.3)
    blink = np.array([[0.3, 0.25, 0.1, 0.05, 0.1, 0.2, 0.28]] * 2)
    assert det.classify_windows(np.vstack([open_eye, blink])).tolist() == [False] * 3 + [True] * 2
    with pytest.raises(ValueError):
        det.classify_windows(np.zeros((2, 5)))


def test_svm_beats_the_best_threshold_on_squints_and_smiles():
    rng = np.random.default_rng(7)
    det = fit_svm(*training_windows(corpus(rng, 25, 60.0) + corpus(rng, 8, 60.0, distractors=False)))
    held = corpus(np.random.default_rng(8), 10, 60.0, distractors=True)
    threshold = best_threshold(corpus(np.random.default_rng(9), 8, 60.0, distractors=True))
    svm, base = event_scores(held, det), event_scores(held, threshold)
    assert svm["f1"] > base["f1"] + 0.03 and svm["f1"] > 0.85 and svm["precision"] > 0.95
    plain = corpus(np.random.default_rng(10), 8, 60.0, distractors=False)
    assert event_scores(plain, det)["recall"] > 0.8  # a quarter are partial blinks, some barely below open


def test_events_are_runs_and_other_frame_rates_are_resampled():
    clip30 = synth_clip(np.random.default_rng(3), 30.0, 30.0, distractors=False)
    clip60 = synth_clip(np.random.default_rng(3), 30.0, 60.0, distractors=False)
    det = BlinkDetector.default()
    e30, e60 = det.detect(clip30.ear, 30.0), det.detect(clip60.ear, 60.0)
    assert abs(len(e30) - len(clip30.blinks)) <= 1 and abs(len(e60) - len(clip60.blinks)) <= 1
    for e in e60:
        assert e.end_frame >= e.start_frame and 0.06 <= e.duration_s <= 2.0  # long closures last up to 1.6 s
    with_gap = clip30.ear.copy()
    with_gap[100:140] = np.nan  # no face: never a blink there
    assert not any(100 <= e.start_frame < 140 for e in det.detect(with_gap, 30.0))
    assert np.isnan(resample_series(with_gap, 30.0, 60.0)[210:270]).all()
    assert ThresholdDetector(0.15).detect(np.full(90, 0.1), 30.0)[0].duration_s == pytest.approx(3.0)


def test_fit_recovers_known_mu_and_sigma():
    rng = np.random.default_rng(0)
    rates = np.exp(rng.normal(3.2, 0.4, 600))
    onsets = np.cumsum(60.0 / rates)
    mu, sigma = fit_log_normal(rates_per_min(onsets))
    kept = np.log(rates[1:][rates[1:] <= 100])  # the first rate only places the first onset
    assert mu == pytest.approx(kept.mean(), abs=1e-6) and mu == pytest.approx(3.2, abs=0.05)
    assert sigma == pytest.approx(0.4, abs=0.04)


def test_profile_changes_the_sampler_rate(tmp_path):
    from postfx.blink.detector import BlinkEvent
    from postfx.blink.fit import write_profile

    events = [BlinkEvent(0, 0, t, t + 0.2) for t in np.arange(0, 300, 6.0)]  # 10 blinks per minute
    data = profile([events], ["take.mp4"])
    assert data["num_intervals"] == 49 and data["mu"] == pytest.approx(np.log(10), abs=1e-3)
    write_profile(data, tmp_path / "p.json")
    slow = BlinkTrack(BlinkOptions.from_profile(tmp_path / "p.json", BlinkOptions(min_rate_per_min=5)),
                      np.random.default_rng(0), 60)
    default = BlinkTrack(BlinkOptions(), np.random.default_rng(0), 60)
    slow.extend_to(36000), default.extend_to(36000)
    assert len(slow.onsets) < 0.5 * len(default.onsets)
    with pytest.raises(ValueError, match="intervals"):
        profile([events[:2]], ["short.mp4"])


@pytest.fixture(scope="module")
def face_video(tmp_path_factory):
    """6 s at 30 fps of a real face photograph: eyes shut for 4 frames three times, 15 frames of no face."""
    import av

    from postfx.blink.landmarks import face_landmarks

    photo = _photo()
    closed = _closed(photo, face_landmarks(photo))
    path = tmp_path_factory.mktemp("video") / "face.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = photo.shape[1], photo.shape[0], "yuv420p"
        stream.options = {"crf": "12"}
        for k in range(180):
            img = closed if any(s <= k < s + 4 for s in (30, 90, 140)) else photo
            if 60 <= k < 75:
                img = np.zeros_like(photo)
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


@pytest.mark.slow
def test_cli_detect_and_fit_on_video(face_video, tmp_path):
    proc = emoface("blink", "detect", face_video, "-o", tmp_path / "e.json", "--plot", tmp_path / "ear.png")
    assert proc.returncode == 0, proc.stderr
    events = json.loads((tmp_path / "e.json").read_text())
    assert events["frames"] == 180 and events["fps"] == 30 and events["frames_without_face"] == 15
    starts = sorted(b["start_frame"] for b in events["blinks"])
    assert len(starts) == 3 and all(abs(a - b) <= 3 for a, b in zip(starts, (30, 90, 140)))
    assert (tmp_path / "ear.png").stat().st_size > 10_000
    fit = emoface("blink", "fit", face_video, "-o", tmp_path / "p.json")
    assert fit.returncode == 2 and "blink intervals" in fit.stderr  # 2 intervals are not enough to fit


def test_cli_bad_inputs(tmp_path):
    (tmp_path / "bad.mp4").write_bytes(b"not a video")
    for args in (["detect", str(tmp_path / "missing.mp4"), "-o", "x.json"],
                 ["detect", str(tmp_path / "bad.mp4"), "-o", str(tmp_path / "x.json")],
                 ["train", str(tmp_path / "nolabels.csv"), "-o", str(tmp_path / "m.npz")]):
        proc = emoface("blink", *args)
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_cli_train_from_labels(tmp_path):
    clips = corpus(np.random.default_rng(1), 4, 60.0)
    rows = ["take,ear,label,fps"] + [f"{k},{e:.5f},{int(lab)},30" for k, clip in enumerate(clips)
                                     for e, lab in zip(clip.ear, clip.labels)]
    (tmp_path / "labels.csv").write_text("\n".join(rows))
    proc = emoface("blink", "train", tmp_path / "labels.csv", "-o", tmp_path / "m.npz")
    assert proc.returncode == 0, proc.stderr
    det = BlinkDetector.load(tmp_path / "m.npz")
    scores = event_scores(clips, det)
    assert scores["recall"] > 0.6 and scores["precision"] > 0.9  # 4 people: enough to learn, not to generalise
