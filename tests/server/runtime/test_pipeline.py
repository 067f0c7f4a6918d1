"""The pipeline: frame counts, emotion equivalences, seeds, subsets and the streaming session."""
import numpy as np
import pytest
import torch

from emoface_testing import TINY_CONFIG, encode_audio, make_tiny_model, speechlike
from model.checkpoint import save_checkpoint
from model.emotion import EmotionKey, EmotionTrack, one_hot
from model.errors import InputError
from server.runtime.audio_io import decode_bytes
from server.runtime.options import RequestOptions
from server.runtime.pipeline import Pipeline
from server.runtime.streaming import StreamConfig, StreamSession


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 44100, 48000])
def test_frame_count_from_any_sample_rate(pipeline, rate):
    audio = decode_bytes(encode_audio(speechlike(1.7, rate), rate))
    anim = pipeline.animate(audio, EmotionTrack.parse("happy"), RequestOptions(seed=1))
    assert anim.frames.shape == (int(1.7 * 60), 174)


def test_label_and_one_hot_track_give_identical_frames(pipeline):
    audio = speechlike(2.0)
    a = pipeline.animate(audio, EmotionTrack.parse("angry:0.6"), RequestOptions(seed=4))
    b = pipeline.animate(audio, EmotionTrack.from_obj([{"time": 0, "weights": {"angry": 1}, "intensity": 0.6}]),
                         RequestOptions(seed=4))
    assert np.array_equal(a.frames, b.frames)


def test_intensity_zero_is_neutral(pipeline):
    audio = speechlike(1.5)
    a = pipeline.animate(audio, EmotionTrack.parse("surprise:0"), RequestOptions(seed=2))
    b = pipeline.animate(audio, EmotionTrack.parse("neutral"), RequestOptions(seed=2))
    c = pipeline.animate(audio, EmotionTrack.parse("surprise:1"), RequestOptions(seed=2))
    assert np.allclose(a.frames, b.frames, atol=1e-6)
    assert np.abs(c.frames - b.frames).mean() > 1e-3


def test_seeded_requests_repeat_and_unseeded_report_their_seed(pipeline):
    audio = speechlike(3.0)
    a = pipeline.animate(audio, EmotionTrack.parse("sad"), RequestOptions(seed=42))
    b = pipeline.animate(audio, EmotionTrack.parse("sad"), RequestOptions(seed=42))
    assert np.array_equal(a.frames, b.frames) and a.options["seed"] == 42
    c = pipeline.animate(audio, EmotionTrack.parse("sad"), RequestOptions())
    again = pipeline.animate(audio, EmotionTrack.parse("sad"), RequestOptions(seed=c.options["seed"]))
    assert np.array_equal(c.frames, again.frames)


def test_control_subset(pipeline):
    options = RequestOptions(controls=("mouth", "CTRL_C_jaw.ty"), seed=1)
    anim = pipeline.animate(speechlike(1.0), EmotionTrack.parse("happy"), options)
    assert len(anim.controls) == 91 and "CTRL_C_jaw-translateY" in anim.controls
    with pytest.raises(InputError):
        RequestOptions(controls=("CTRL_bogus.ty",))


def test_bad_audio_arrays_are_input_errors(pipeline):
    for bad in (np.zeros(0, np.float32), np.zeros((2, 100), np.float32), np.array([np.inf], np.float32)):
        with pytest.raises(InputError):
            pipeline.animate(bad, EmotionTrack.parse("happy"))


def test_options_round_trip_through_dicts():
    opts = RequestOptions(seed=5, controls=("jaw",))
    assert RequestOptions.from_dict(opts.to_dict()) == opts
    with pytest.raises(InputError, match="unknown option"):
        RequestOptions.from_dict({"sharpen": 1})
    with pytest.raises(InputError, match="blink.mu"):
        RequestOptions.from_dict({"blink": {"mu": 99}})


@pytest.fixture(scope="module")
def local_pipeline(tmp_path_factory):
    """A model whose output depends only on nearby audio, so stream and clip must agree."""
    model = make_tiny_model(TINY_CONFIG.replace(audio_layers=0, reference_compat=True))
    with torch.no_grad():
        model.audio_encoder.model.embed_positions.weight.zero_()
    return Pipeline.load(save_checkpoint(model, tmp_path_factory.mktemp("l") / "local.safetensors", {"name": "local"}))


def _stream(session: StreamSession, audio: np.ndarray, chunk: int, keys_at=None):
    frames, starts = [], []
    for i in range(0, len(audio), chunk):
        keys = keys_at(i) if keys_at else ()
        start, f = session.push(audio[i : i + chunk], keys)
        starts.append(start)
        frames.append(f)
    start, f = session.finish()
    starts.append(start)
    frames.append(f)
    return np.concatenate(frames), starts


@pytest.mark.slow
def test_stream_matches_whole_clip_for_a_local_model(local_pipeline):
    audio = speechlike(6.3)
    opts = RequestOptions(seed=8)
    clip = local_pipeline.animate(audio, EmotionTrack.parse("fear"), opts).frames
    session = StreamSession(local_pipeline, EmotionTrack.parse("fear"), opts, lookahead_s=0.25,
                            config=StreamConfig(encoder_context_s=1.0, head_context_s=1.0))
    streamed, starts = _stream(session, audio, 1000)
    assert streamed.shape == clip.shape
    assert starts == sorted(starts)
    assert np.abs(streamed - clip).mean() < 1e-3  # edge effects of the windows only


def test_stream_frames_are_final_within_the_lookahead(pipeline):
    session = pipeline.stream(EmotionTrack.parse("happy"), RequestOptions(seed=1), lookahead_s=0.1)
    audio = speechlike(3.0)
    got = 0
    for i in range(0, len(audio), 1600):  # 0.1 s chunks
        start, f = session.push(audio[i : i + 1600])
        assert start == got
        got += len(f)
        arrived_frames = (i + 1600) * 60 // 16000
        # a frame waits for its lookahead, and for the rest of its step (12 frames; the first one 6)
        step = 6 if arrived_frames - session.lookahead_frames <= 6 else 12
        assert got >= arrived_frames - session.lookahead_frames - step + 1
    start, f = session.finish()
    assert start + len(f) == 180
    with pytest.raises(InputError):
        session.push(audio[:100])


def test_stream_emotion_key_changes_frames_after_its_time(local_pipeline):
    audio = speechlike(4.0)
    opts = RequestOptions(seed=3)
    plain = local_pipeline.stream(EmotionTrack.parse("neutral"), opts)
    keyed = local_pipeline.stream(EmotionTrack.parse("neutral"), opts)
    key = EmotionKey(2.0, one_hot("angry"), 1.0, 0.0)
    a, _ = _stream(plain, audio, 1600)
    b, _ = _stream(keyed, audio, 1600, keys_at=lambda i: (key,) if i == 1600 * 5 else ())
    diff = np.abs(a - b).max(axis=1)
    assert diff[:110].max() < 1e-6  # before 2.0 s less the smoothing window: unchanged
    assert diff[125:].min() > 1e-4


def test_stream_frames_do_not_depend_on_chunk_sizes(pipeline):
    audio = speechlike(3.3, seed=5)
    opts = RequestOptions(seed=2)
    runs = []
    for chunk in (160, 1000, 4800, len(audio)):
        session = pipeline.stream(EmotionTrack.parse("sad:0.5"), opts)
        runs.append(_stream(session, audio, chunk)[0])
    assert all(np.array_equal(runs[0], r) for r in runs[1:])
    assert runs[0].shape == (198, 174)
