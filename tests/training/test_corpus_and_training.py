"""Corpus factory, datasets, training and evaluation on small real data (Piper and espeak-ng speech, real models)."""
import dataclasses
import json

import numpy as np
import pytest
import soundfile as sf
import torch

from emoface_testing import emoface
from model.constants import frame_count
from model.errors import InputError
from training.corpus.ipa import ipa_to_spans
from training.corpus.text import DIALOGUE, coverage_of, coverage_sentences
from training.dataset import read_corpus, read_emoface_layout
from training.phones import PHONES


def test_ipa_symbols_merge_into_arpabet_spans():
    symbols = [("^", 100), ("h", 50), ("ˈ", 20), ("o", 80), ("ʊ", 40), (" ", 30), ("t", 40), ("ʃ", 30),
               ("iː", 0), ("i", 60), ("ː", 20), (",", 400), ("m", 50), ("$", 100)]
    spans = ipa_to_spans(symbols, 1000)
    assert [s.phone for s in spans] == ["SIL", "HH", "OW", "CH", "IY", "SIL", "M", "SIL"]
    assert spans[2].end_s - spans[2].start_s == pytest.approx((20 + 80 + 40 + 15) / 1000)  # stress + diphthong + gap
    assert spans[-1].end_s == pytest.approx(sum(n for _, n in symbols) / 1000)  # nothing lost
    assert all(a.end_s == b.start_s for a, b in zip(spans, spans[1:]))


def test_coverage_sentences_beat_the_dialogue_lines():
    sentences = coverage_sentences(60, seed=0)
    assert coverage_of(sentences) > 0.6 > coverage_of(list(DIALOGUE))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    proc = emoface("corpus", "build", "--out", out, "--count", 10, "--espeak-count", 5)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


def test_corpus_files_agree_and_build_resumes(corpus):
    utts = read_corpus(corpus)
    assert len(utts) == 15 and {u.split for u in utts} == {"train", "val"}
    assert {u.voice.split(":")[0] for u in utts} == {"piper", "espeak"}
    assert {u.voice for u in utts if u.voice.startswith("espeak") and u.split == "val"}
    for u in utts:
        audio, rate = sf.read(u.audio_path)
        assert rate == 16000 and frame_count(len(audio)) == u.num_frames
        assert all(s.phone in PHONES for s in u.phones)
        silence = json.loads((corpus / f"{u.utt_id}.json").read_text())["silence"]
        if silence is None:  # the synthesiser's phones cover the audio
            assert u.phones[-1].end_s == pytest.approx(len(audio) / 16000, abs=0.03)
            assert any(s.phone == "SIL" for s in u.phones)
        elif silence["speech"]:  # an inserted trailing pause has no phones (speed changes its length)
            assert u.phones[-1].end_s <= len(audio) / 16000 - 0.85 * silence["trail_s"] + 0.03
        else:
            assert u.phones == []
    again = emoface("corpus", "build", "--out", corpus, "--count", 10, "--espeak-count", 5)
    assert "added 0 utterances" in again.stdout
    assert len((corpus / "manifest.jsonl").read_text().splitlines()) == 15


def test_train_resume_and_evaluate(corpus, tmp_path):
    from model.checkpoint import load_model
    from training.evaluate import evaluate
    from training.train import TrainConfig, train

    cfg = TrainConfig(corpus=str(corpus), out=str(tmp_path / "run"), minutes=5, max_steps=6, batch_size=4,
                      crop_frames=60, eval_every=4, variants=2, cache_dir=str(tmp_path / "cache"),
                      control_weights={"mouth": 2.0, "CTRL_C_jaw.ty": 3.0})
    first = load_model(train(cfg))
    assert first.metadata["trained"] and first.metadata["training"]["steps"] == 6  # max_steps stops it
    assert "espeak:" in first.metadata["provenance"]["trained_on"]
    assert first.metadata["data"]["val_utterances"] >= 1
    resumed = load_model(train(dataclasses.replace(cfg, max_steps=9)))
    assert resumed.metadata["training"]["steps"] == 9
    straight = load_model(train(dataclasses.replace(cfg, out=str(tmp_path / "straight"), max_steps=9)))
    for name, tensor in straight.model.state_dict().items():  # a resumed run is the uninterrupted run
        assert torch.equal(tensor, resumed.model.state_dict()[name]), name
    assert not torch.equal(first.model.out_fn.weight, straight.model.out_fn.weight)  # steps 7-9 changed it
    report = evaluate(str(tmp_path / "run" / "model.safetensors"), corpus, "val", max_utts=1, classifier_utts=2,
                      voice="espeak")
    assert report["voices"] and all(v.startswith("espeak:") for v in report["voices"])
    assert set(report["model"]) >= {"mae_all", "mae_mouth", "mae_eye", "jaw_corr", "bilabial_hit_rate",
                                    "emotion_recovered"}
    assert 0 <= report["model"]["mae_all"] < 1 and report["energy_baseline"]["emotion_recovered"] == 1 / 7


def _emoface_takes(corpus, root):
    """EmoFace-layout takes made from corpus utterances: WAV/<emo>_<n>.wav + <emo>_<n>.txt teacher targets."""
    from model.constants import EMOTIONS
    from training.targets import reference_frames

    (root / "WAV").mkdir(parents=True)
    utts = read_corpus(corpus)[:7]
    for k, (utt, emotion) in enumerate(zip(utts, EMOTIONS)):
        name = f"{emotion[:3]}_{k:03d}"
        (root / "WAV" / f"{name}.wav").write_bytes(utt.audio_path.read_bytes())
        np.savetxt(root / f"{name}.txt", reference_frames(utt, emotion), delimiter=",", fmt="%.6f")
    (root / "val.txt").write_text("neu_004\n")
    return utts


def test_training_and_evaluation_on_emoface_layout_takes(corpus, tmp_path):
    from model.checkpoint import load_model
    from training.dataset import load_split
    from training.evaluate import evaluate
    from training.train import TrainConfig, train

    _emoface_takes(corpus, tmp_path / "takes")
    assert [u.utt_id for u in load_split(tmp_path / "takes", "val")] == ["neu_004"]
    assert len(load_split(tmp_path / "takes", "train")) == 6
    cfg = TrainConfig(corpus=str(tmp_path / "takes"), out=str(tmp_path / "run"), minutes=5, max_steps=3,
                      batch_size=2, crop_frames=60, eval_every=3, cache_dir=str(tmp_path / "cache"))
    loaded = load_model(train(cfg))
    assert loaded.metadata["data"]["train_utterances"] == 6 and loaded.metadata["data"]["val_utterances"] == 1
    report = evaluate(str(tmp_path / "run" / "model.safetensors"), tmp_path / "takes", "train", max_utts=6,
                      classifier_utts=6)
    assert report["clips"] == 6  # one clip per take, with the take's own emotion (not 7 teacher renderings)
    assert report["model"]["bilabials"] == 0  # takes carry no phone timings


def test_emoface_layout_reader(tmp_path):
    (tmp_path / "WAV").mkdir()
    sf.write(tmp_path / "WAV" / "hap_001.wav", np.zeros(16000, np.float32), 16000)
    np.savetxt(tmp_path / "hap_001.txt", np.full((60, 174), 0.25), delimiter=",", fmt="%.6f")
    [utt] = read_emoface_layout(tmp_path)
    assert utt.emotion.keys[0].label == "happy" and utt.targets.shape == (60, 174)
    sf.write(tmp_path / "WAV" / "xyz_002.wav", np.zeros(160, np.float32), 16000)
    np.savetxt(tmp_path / "xyz_002.txt", np.zeros((1, 174)), delimiter=",")
    with pytest.raises(InputError, match="must start with"):
        read_emoface_layout(tmp_path)


def test_train_config_errors(tmp_path):
    from training.train import TrainConfig

    (tmp_path / "c.json").write_text(json.dumps({"corpus": "x", "out": "y", "learning_rate": 1}))
    with pytest.raises(InputError, match="unknown training config"):
        TrainConfig.load(tmp_path / "c.json")


HELLO_TEXT = "Hello there. I have been waiting for you, and I am so happy that you made it back home."


@pytest.mark.slow
def test_forced_alignment_of_a_recording_with_its_transcript(tmp_path):
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "docs" / "samples" / "hello.wav"
    proc = emoface("corpus", "align", sample, "--text", HELLO_TEXT, "-o", tmp_path / "p.json")
    assert proc.returncode == 0, proc.stderr
    from training.phones import load_alignment

    spans = load_alignment(tmp_path / "p.json")
    audio, rate = sf.read(sample)
    assert spans[0].start_s == 0 and spans[-1].end_s == pytest.approx(len(audio) / rate, abs=0.01)
    assert [s.phone for s in spans if s.phone != "SIL"][:4] == ["HH", "AH", "L", "OW"]
    assert any(s.phone == "SIL" and s.end_s - s.start_s > 0.1 for s in spans[1:-1])  # the pause after "there"
    (tmp_path / "rec").mkdir()
    (tmp_path / "rec" / "line.wav").write_bytes(sample.read_bytes())
    (tmp_path / "rec" / "line.txt").write_text(HELLO_TEXT)
    imported = emoface("corpus", "import", tmp_path / "rec", "--out", tmp_path / "c")
    assert imported.returncode == 0, imported.stderr
    [utt] = read_corpus(tmp_path / "c", "val")
    assert utt.utt_id == "rec_line" and utt.num_frames == frame_count(int(len(audio) * 16000 / rate))
    bad = emoface("corpus", "align", sample, "--text", "...", "-o", tmp_path / "q.json")
    assert bad.returncode == 2 and "no words" in bad.stderr


def test_imported_recordings_are_evaluated_against_a_reference_corpus(corpus, tmp_path):
    from pathlib import Path

    from training.corpus.align import import_recordings
    from training.evaluate import evaluate

    sample = Path(__file__).resolve().parents[2] / "docs" / "samples" / "hello.wav"
    (tmp_path / "rec").mkdir()
    (tmp_path / "rec" / "line.wav").write_bytes(sample.read_bytes())
    (tmp_path / "rec" / "line.txt").write_text(HELLO_TEXT)
    assert import_recordings(tmp_path / "rec", tmp_path / "real", "val") == 1
    with pytest.raises(InputError, match="no train utterances"):
        evaluate(None, tmp_path / "real", "val", max_utts=1, classifier_utts=2)
    report = evaluate(None, tmp_path / "real", "val", max_utts=1, classifier_utts=2, voice="recording",
                      reference_corpus=corpus)
    assert report["voices"] == ["recording"] and report["utterances"] == 1
    assert report["model"]["jaw_corr"] > report["energy_baseline"]["jaw_corr"]  # the shipped model on real speech
    from training.evaluate import format_report
    from training.realref.animate import NO_BLINK_GAZE

    chained = evaluate(None, tmp_path / "real", "val", max_utts=1, classifier_utts=2, voice="recording",
                       reference_corpus=corpus, postfx=NO_BLINK_GAZE)  # the default chain: the silero gate on
    assert chained["model"] == report["model"] and "postfx" not in report  # the raw network's figures stay
    assert set(chained["postfx"]) == set(report["model"]) and chained["postfx_speech_gate"]["detector"] == "silero"
    assert chained["postfx"]["jaw_corr"] > chained["energy_baseline"]["jaw_corr"]
    assert "model postfx" in format_report(chained)


def test_feature_cache_follows_the_audio_not_just_the_id(corpus, tmp_path):
    import shutil

    from model.checkpoint import new_model
    from model.config import EmoFaceConfig
    from training.dataset import Utterance
    from training.features import cached_features

    model = new_model(EmoFaceConfig.preset("small"), pretrained_encoder=True, seed=0)
    utt = read_corpus(corpus)[0]
    first = cached_features(model, [utt], tmp_path / "cache", progress=False)[utt.utt_id]
    other_audio = tmp_path / "other.wav"
    shutil.copy(read_corpus(corpus)[1].audio_path, other_audio)
    same_id = Utterance(utt.utt_id, utt.split, other_audio, utt.num_frames, phones=utt.phones)
    second = cached_features(model, [same_id], tmp_path / "cache", progress=False)[utt.utt_id]
    assert not np.array_equal(first, second[: len(first)])  # another corpus's "p0000" is not served stale
    again = cached_features(model, [utt], tmp_path / "cache", progress=False)[utt.utt_id]
    assert np.array_equal(first, again)


def test_shipped_checkpoint_carries_commands_corpus_licences_and_evaluation(corpus, tmp_path):
    record = json.loads((corpus / "build.json").read_text())
    assert record["command"].startswith("emoface corpus build --out") and record["utterances"] == 15
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"corpus": str(corpus), "out": str(tmp_path / "run"), "max_steps": 2,
                                  "batch_size": 2, "crop_frames": 60, "eval_every": 2, "variants": 1,
                                  "cache_dir": str(tmp_path / "cache")}))
    trained = emoface("train", config)
    assert trained.returncode == 0, trained.stderr[-2000:]
    run_model = tmp_path / "run" / "model.safetensors"
    report = tmp_path / "eval.json"
    evaluated = emoface("evaluate", "--checkpoint", run_model, "--corpus", corpus, "--max-utterances", 1, "--json",
                        report)
    assert evaluated.returncode == 0, evaluated.stderr[-2000:]
    shipped = tmp_path / "default.safetensors"
    done = emoface("ship", run_model, "-o", shipped, "--evaluation", report)
    assert done.returncode == 0, done.stderr[-2000:]
    shown = emoface("info", "--checkpoint", shipped, "--json")
    assert shown.returncode == 0, shown.stderr
    info = json.loads(shown.stdout)
    prov = info["provenance"]
    assert prov["command"] == f"emoface train {config}" and prov["corpus_command"] == record["command"]
    assert prov["training_steps"] == 2 and prov["corpus"]["train_utterances"] + prov["corpus"]["val_utterances"] == 15
    assert set(prov["licences"]) >= {"audio_encoder", "training_data_piper", "training_data_espeak"}
    [summary] = prov["evaluation"]
    assert summary["model"]["mae_all"] == round(json.loads(report.read_text())["model"]["mae_all"], 4)
    from model.checkpoint import load_model

    a, b = load_model(run_model).model.state_dict(), load_model(shipped).model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)  # the weights are the run's
    untrained = emoface("ship", corpus / "utt00000.wav", "-o", tmp_path / "x")
    assert untrained.returncode == 2 and "not a safetensors checkpoint" in untrained.stderr
