"""Blinks at real EAR levels: long closures, partial blinks, squints and smiles, the open-eye baseline,
the window features by hand, and the shipped classifier on a real labelled excerpt."""
from pathlib import Path

import numpy as np
import pytest

from model.errors import InputError
from postfx.blink.corpus import CLOSED_EAR, OPEN_EAR, corpus, label_runs, synth_clip
from postfx.blink.detector import FEATURE_VERSION, BlinkDetector, events_from_mask, is_dip, open_eye_baseline, \
    window_features
from postfx.blink.train import event_scores, labelled_windows, read_labels, window_scores

EXCERPT = Path(__file__).parent / "data" / "pyblinker_ear_excerpt.csv"


def _take(rng: np.random.Generator, seconds: float = 10.0, open_ear: float = 0.3, jitter: float = 0.01) -> np.ndarray:
    return open_ear + rng.normal(0, jitter, int(seconds * 30))


def _lower(ear: np.ndarray, start: int, frames: int, level: float, ramp: int) -> None:
    """EAR down to ``level`` over ``ramp`` frames, held, and back (a squint or a smile), in place."""
    top = float(np.median(ear))
    ear[start - ramp:start] += np.linspace(0, level - top, ramp)
    ear[start:start + frames] += level - top
    ear[start + frames:start + frames + ramp] += np.linspace(level - top, 0, ramp)


def test_window_features_by_hand():
    w = np.array([[0.30, 0.28, 0.20, 0.10, 0.15, 0.25, 0.24]])
    f = window_features(w, 0.25)
    assert f.shape == (1, 31)
    np.testing.assert_allclose(f[0, :7], w[0])
    np.testing.assert_allclose(f[0, 7:14], [0.0, -0.02, -0.10, -0.20, -0.15, -0.05, -0.06], atol=1e-12)
    np.testing.assert_allclose(f[0, 14:21], [1.0, 0.28 / 0.3, 0.2 / 0.3, 0.1 / 0.3, 0.5, 0.25 / 0.3, 0.8])
    ends = ((0.30 + 0.28) / 2 + (0.25 + 0.24) / 2) / 2  # 0.2675
    assert f[0, 21] == pytest.approx((ends - 0.10) / ends)  # 0.626...
    np.testing.assert_allclose(f[0, 22:29], [1.2, 1.12, 0.8, 0.4, 0.6, 1.0, 0.96])  # EAR / open-eye EAR
    assert f[0, 29] == pytest.approx(0.4)  # lowest openness
    assert f[0, 30] == pytest.approx((0.25 - 0.10) / 0.25)  # below the lower side's peak (right: 0.25)
    per_window = window_features(np.vstack([w, w]), np.array([0.25, 0.5]))
    assert per_window[1, 22] == pytest.approx(0.6) and per_window[1, 30] == pytest.approx(0.3)
    down = window_features(np.array([[0.30, 0.30, 0.30, 0.20, 0.15, 0.12, 0.10]]), 0.25)  # a step down, no dip
    assert down[0, 30] == pytest.approx((0.15 - 0.20) / 0.25)  # the right side never rises above the centre


def test_open_eye_baseline_ignores_closures_and_follows_the_person():
    ear = np.full(600, 0.32)
    ear[300:336] = 0.06  # a 1.2 s closure
    ear[100:110] = np.nan  # no face
    base = open_eye_baseline(ear)
    assert base[300:336] == pytest.approx(np.full(36, 0.32))
    assert open_eye_baseline(np.full(100, 0.25)) == pytest.approx(np.full(100, 0.25))
    busy = np.full(600, 0.3)
    for start in range(0, 600, 30):  # a 0.47 s closure every second: almost half the frames closed
        busy[start:start + 14] = 0.08
    assert np.all(open_eye_baseline(busy) > 0.29)
    ramp = open_eye_baseline(np.linspace(0.25, 0.35, 3000))  # slow drift over 100 s is followed
    assert ramp[0] < 0.26 and ramp[-1] > 0.34 and abs(ramp[1500] - 0.30) < 0.005
    assert np.all(open_eye_baseline(np.full(50, np.nan)) == 0.30)


def test_a_window_entirely_inside_a_long_closure_is_a_blink():
    det = BlinkDetector.default()
    flat = np.array([[0.06, 0.05, 0.07, 0.06, 0.05, 0.07, 0.06], [0.09, 0.10, 0.08, 0.09, 0.10, 0.09, 0.08]])
    assert det.classify_windows(flat, 0.30).all()
    assert det.classify_windows(flat, np.array([0.25, 0.35])).all()
    rng = np.random.default_rng(0)
    for closed_frames in (8, 20, 36):  # 0.27 s, 0.67 s, 1.2 s shut
        ear = _take(rng)
        ear[100:103] = [0.24, 0.16, 0.09]
        ear[103:103 + closed_frames] = rng.uniform(0.05, 0.07, closed_frames)
        ear[103 + closed_frames:108 + closed_frames] = [0.1, 0.16, 0.22, 0.26, 0.28]
        events = det.detect(ear, 30.0)
        assert len(events) == 1, (closed_frames, events)
        assert events[0].start_frame <= 103 and events[0].end_frame >= 102 + closed_frames


@pytest.mark.parametrize("level,frames", [(0.20, 120), (0.19, 60), (0.21, 150)])
def test_a_squint_is_no_blink(level, frames):
    det = BlinkDetector.default()
    for seed in range(20):
        ear = _take(np.random.default_rng(seed), 12.0)
        _lower(ear, 100, frames, level, 10)
        assert det.detect(ear, 30.0) == [], seed


def test_a_smile_is_no_blink_but_a_blink_during_it_is():
    det = BlinkDetector.default()
    for seed in range(20):
        ear = _take(np.random.default_rng(seed), 12.0)
        _lower(ear, 80, 150, 0.23, 20)  # cheeks push the lower lids up for 5 s
        assert det.detect(ear, 30.0) == [], seed
        ear[150:158] = [0.18, 0.10, 0.07, 0.06, 0.07, 0.12, 0.18, 0.22]
        events = det.detect(ear, 30.0)
        assert len(events) == 1 and 148 <= events[0].start_frame <= 152, seed


def test_partial_blinks_are_found():
    det = BlinkDetector.default()
    hits = 0
    for seed in range(20):
        ear = _take(np.random.default_rng(seed), 4.0, open_ear=0.29, jitter=0.008)
        ear[50:58] += np.array([-0.02, -0.06, -0.10, -0.11, -0.08, -0.05, -0.03, -0.01])  # lid a third of the way down
        events = det.detect(ear, 30.0)
        assert all(48 <= e.start_frame <= 56 for e in events), seed
        hits += len(events) == 1
    assert hits >= 18


def test_the_open_eye_level_is_the_persons_own():
    det = BlinkDetector.default()
    found = 0
    for seed in range(10):
        ear = _take(np.random.default_rng(seed), 10.0, open_ear=0.40, jitter=0.01)  # wide eyes (dlib: 0.4-0.47)
        ear[150:157] -= 0.18 * np.array([0.27, 0.67, 0.93, 1.0, 0.73, 0.4, 0.13])  # down to 0.22 only
        found += len(det.detect(ear, 30.0)) == 1
    assert found >= 9


def test_uncertain_labels_are_neither_trained_nor_scored(tmp_path):
    frames = [(0.3, 0)] * 20 + [(0.1, 1)] * 5 + [(0.2, -1)] * 5 + [(0.3, 0)] * 20
    rows = ["ear,label"] + [f"{v},{lab}" for v, lab in frames]
    (tmp_path / "l.csv").write_text("\n".join(rows))
    clip = read_labels(tmp_path / "l.csv")[0]
    assert clip.ignore.sum() == 5 and clip.labels.sum() == 5 and clip.blinks == [(20 / 30, 25 / 30)]
    w, y, base = labelled_windows(clip)
    assert len(w) == len(y) == len(base) == 45 and y.sum() == 5


def test_is_dip_needs_a_rise_on_both_sides():
    ear = np.full(40, 0.3)
    ear[18:22] = [0.2, 0.15, 0.16, 0.22]
    assert is_dip(ear, 18, 21)
    step = np.concatenate([np.full(20, 0.2), np.full(20, 0.3)])  # the end of a squint
    step[18:20] = 0.17
    assert not is_dip(step, 18, 19)
    assert is_dip(np.array([0.1, 0.1, 0.3, 0.3]), 0, 1)  # at the start, the right side decides
    assert not is_dip(np.array([0.25, 0.25, 0.3, 0.3]), 0, 1)


def test_events_bridge_one_frame_gaps_only():
    mask = np.array([0, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0], bool)
    events = events_from_mask(mask, 30.0, 30.0, len(mask))
    assert [(e.start_frame, e.end_frame) for e in events] == [(1, 5), (8, 9)]


def test_classifiers_of_other_feature_versions_are_refused(tmp_path):
    det = BlinkDetector.default()
    assert len(det.weights) == 31
    np.savez(tmp_path / "old.npz", weights=det.weights[:22], bias=0.0, mean=det.mean[:22], scale=det.scale[:22],
             window=7, fps=30.0)
    with pytest.raises(InputError, match="retrain"):
        BlinkDetector.load(tmp_path / "old.npz")
    det.save(tmp_path / "new.npz")
    with np.load(tmp_path / "new.npz") as z:
        assert int(z["features"]) == FEATURE_VERSION
    with pytest.raises(InputError, match="one per window"):
        det.classify_windows(np.full((3, 7), 0.3), np.full(2, 0.3))


def test_synthetic_takes_have_real_levels_long_closures_and_partial_blinks():
    clips = corpus(np.random.default_rng(4), 30, 60.0, distractors=False)
    opens, shuts, first, last, long_closures = [], [], [], [], 0
    for clip in clips:
        opens.append(np.percentile(clip.ear, 80))
        for s, e in label_runs(clip.labels, clip.fps):
            seg = clip.ear[int(round(s * 30)):int(round(e * 30))]
            shuts.append(np.convolve(seg, np.ones(3) / 3, mode="valid").min() if len(seg) >= 3 else seg.min())
            first.append(seg[0] / opens[-1])
            last.append(seg[-1] / opens[-1])
            long_closures += int(np.sum(seg < 0.17) >= 20)  # shut for two thirds of a second or more
        assert clip.labels.any() and not clip.labels.all()
    shuts = np.array(shuts)
    assert OPEN_EAR[0] - 0.03 < min(opens) and max(opens) < OPEN_EAR[1] + 0.04
    full = shuts[shuts < 0.17]
    assert np.percentile(full, 5) > CLOSED_EAR[0] - 0.01 and np.percentile(full, 50) < CLOSED_EAR[1]  # absolute
    assert long_closures >= 15 and np.sum(shuts > 0.17) >= 20  # long closures and partial blinks
    assert np.median(first) > 0.7  # labels start where the lid starts to move, as annotators mark them
    assert 0.75 < np.median(last) < np.median(first)  # and end late in the reopening (pyblinker: 0.86 vs 0.93)
    squinting = synth_clip(np.random.default_rng(5), 60.0)
    assert squinting.distractors and all(e - s >= 0.5 for s, e in squinting.distractors)


def test_detect_gives_the_classifier_the_series_own_open_eye_level(monkeypatch):
    det = BlinkDetector.default()
    seen = []
    monkeypatch.setattr(BlinkDetector, "classify_windows", lambda self, w, open_ear=0.3: seen.append(open_ear)
                        or np.zeros(len(w), bool))
    ear = _take(np.random.default_rng(0), 10.0, open_ear=0.41)
    det.detect(ear, 30.0)
    np.testing.assert_allclose(seen[0], open_eye_baseline(ear))
    assert np.all(np.abs(seen[0] - 0.41) < 0.02)


def test_shipped_classifier_on_real_labelled_ear():
    """6 minutes of one person's real EAR with 42 manually annotated blinks (BSD-3, see data/NOTICE.md), held
    out: the excerpt (seconds 1400-1760) lies in the second half of the take; the shipped classifier was trained
    on the first (0-899 s). Measured (docs/blink.md): windows P 0.910 R 0.747 F1 0.820, windows +-2 F1 0.907,
    events P 1.000 R 1.000 with 47 detections (the previous classifier: windows F1 0.792, +-2 0.878)."""
    clips = read_labels(EXCERPT)
    det = BlinkDetector.default()
    events, windows = event_scores(clips, det), window_scores(clips, det)
    tolerant = window_scores(clips, det, tolerance_frames=2)
    assert events["true_blinks"] == 42 and events["precision"] == 1.0 and events["recall"] >= 0.97
    assert events["detections"] <= 50  # a blink split in two now and then, never many
    assert windows["precision"] > 0.88 and windows["f1"] > 0.80 and tolerant["f1"] > 0.88


def test_a_double_blink_is_two_events_and_a_noisy_long_closure_one():
    det = BlinkDetector.default()
    for seed in range(10):
        rng = np.random.default_rng(seed)
        ear = _take(rng, 6.0)
        # closes, reopens to 0.7 of open for one frame, closes again (as in a talking-face clip, 25 fps)
        ear[80:93] = [0.22, 0.12, 0.07, 0.08, 0.15, 0.21, 0.15, 0.08, 0.07, 0.1, 0.16, 0.22, 0.26]
        events = det.detect(ear, 30.0)
        assert len(events) == 2, (seed, events)
        assert events[0].end_frame < 86 and events[1].start_frame > 84
        long = _take(rng, 6.0)
        long[80:83], long[113:117] = [0.22, 0.12, 0.08], [0.12, 0.18, 0.24, 0.28]
        long[83:113] = 0.07 + rng.normal(0, 0.012, 30)  # 1 s shut, landmark jitter on the shut lid
        assert len(det.detect(long, 30.0)) == 1, seed


def test_tolerant_window_scoring_leaves_out_frames_next_to_label_boundaries():
    from postfx.blink.train import near_boundary

    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0], bool)
    assert near_boundary(labels, 0).sum() == 0
    assert np.flatnonzero(near_boundary(labels, 1)).tolist() == [3, 4, 8, 9]
    assert np.flatnonzero(near_boundary(labels, 2)).tolist() == [2, 3, 4, 5, 7, 8, 9, 10]
    ear = np.r_[np.full(30, 0.3), [0.28, 0.2, 0.1, 0.06, 0.1, 0.2, 0.28], np.full(30, 0.3)]
    lab = np.zeros(len(ear), bool)
    lab[29:38] = True  # a label two frames wider than the dip on each side
    clip = read_labels_from(ear, lab)
    w, y, _ = labelled_windows(clip, 2)
    assert len(w) == len(ear) - 8 and y.sum() == 5


def read_labels_from(ear: np.ndarray, labels: np.ndarray):
    from postfx.blink.corpus import EarClip

    return EarClip(ear, labels, 30.0, label_runs(labels, 30.0))


def test_unknown_real_takes_are_refused_before_training(tmp_path):
    from postfx.blink.train import main

    (tmp_path / "l.csv").write_text("take,ear,label\na,0.3,0\na,0.1,1\n")
    with pytest.raises(InputError, match="no take named b"):
        main(["--synthetic", "--real", str(tmp_path / "l.csv"), "--real-takes", "b", "-o", str(tmp_path / "m.npz")])
