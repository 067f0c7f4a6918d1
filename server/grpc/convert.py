"""Every conversion between ``emoface.v1`` protobuf messages and domain objects.

Options map field-for-field onto :class:`server.runtime.options.RequestOptions` (via its
``to_dict``/``from_dict``): a message field that is unset takes the dataclass default.
Frames travel as packed little-endian float32, row-major ``(num_frames, len(controls))``.
"""
from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from model.constants import EMOTIONS, SAMPLE_RATE_HZ
from model.emotion import EmotionKey, EmotionSpecError, EmotionTrack, key_from_obj
from server.grpc.api import face_animation_pb2 as pb
from server.runtime.animation import Animation
from server.runtime.audio_io import (MAX_CHANNELS, MAX_SAMPLE_RATE_HZ, MIN_SAMPLE_RATE_HZ, PCM_ENCODINGS, AudioError,
                                     AudioLimits, StreamResampler, decode_bytes, decode_pcm)
from server.runtime.limits import (EMOTION_KEYS_BASE, EMOTION_KEYS_MAX, EMOTION_KEYS_PER_AUDIO_S,
                                    EMOTION_KEYS_PER_CHUNK,
                                    ENCODED_BYTES_PER_AUDIO_S, encoded_bytes_allowed, keys_allowed)
from server.runtime.options import STAGES, RequestOptions

PCM_NAMES = {pb.PCM_ENCODING_S16LE: "s16le", pb.PCM_ENCODING_F32LE: "f32le"}
_FRAME_DTYPE = np.dtype("<f4")
# An absolute file-system path anywhere in a string: /x, ~/x, C:\x or C:/x (after a space, quote, = or start).
_PATH = re.compile(r"""(^|[\s'"=:,(])(/[^/\s]|~/|[A-Za-z]:[\\/])""")
RESPONSE_PROVENANCE_KEYS = ("model_id", "sha256", "trained")  # all an Animate response carries


# ---------------------------------------------------------------- options
def options_from_pb(msg: pb.Options) -> RequestOptions:
    """Wire options -> validated :class:`RequestOptions` (raises InputError when out of range)."""
    d: dict[str, Any] = {stage: _set_fields(getattr(msg, stage)) for stage in STAGES}
    d["controls"] = list(msg.controls)
    d["seed"] = msg.seed if msg.HasField("seed") else None
    return RequestOptions.from_dict(d)


def options_to_pb(options: RequestOptions | dict[str, Any]) -> pb.Options:
    """``RequestOptions`` (or its ``to_dict()``) -> a fully populated wire message."""
    d = options.to_dict() if isinstance(options, RequestOptions) else options
    msg = pb.Options(controls=list(d.get("controls") or ()))
    for stage in STAGES:
        sub = getattr(msg, stage)
        for name, value in (d.get(stage) or {}).items():
            if isinstance(value, dict):
                getattr(sub, name).update({str(k): float(v) for k, v in value.items()})
            else:
                setattr(sub, name, value)
    if d.get("seed") is not None:
        msg.seed = int(d["seed"])
    return msg


def _set_fields(msg) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in msg.DESCRIPTOR.fields:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            if len(getattr(msg, field.name)):
                out[field.name] = dict(getattr(msg, field.name))
        elif msg.HasField(field.name):
            out[field.name] = getattr(msg, field.name)
    return out


# ---------------------------------------------------------------- emotion
def count_keys(msg: pb.Emotion, has_field: bool = True) -> int:
    """Keys of a wire emotion, read from the repeated field's length (no key is parsed)."""
    return len(msg.track.keys) if has_field and msg.WhichOneof("spec") == "track" else 0


def check_keys(n: int, audio_s: float, what: str = "the emotion track") -> None:
    """EmotionSpecError (INVALID_ARGUMENT) when ``n`` keys exceed the allowance for ``audio_s`` of audio."""
    allowed = keys_allowed(audio_s)
    if n > allowed:
        raise EmotionSpecError(f"{what} has {n} keys; {audio_s:.1f} s of audio allows {allowed} "
                               f"({EMOTION_KEYS_BASE} + {EMOTION_KEYS_PER_AUDIO_S:g} per second of audio, "
                               f"at most {EMOTION_KEYS_MAX}); "
                               "merge nearby keys")


def check_chunk_keys(chunk: pb.AudioChunk) -> None:
    """EmotionSpecError when one stream chunk carries more than :data:`EMOTION_KEYS_PER_CHUNK` keys."""
    if len(chunk.emotion_keys) > EMOTION_KEYS_PER_CHUNK:
        raise EmotionSpecError(f"a stream chunk has {len(chunk.emotion_keys)} emotion keys; "
                               f"the limit is {EMOTION_KEYS_PER_CHUNK} per chunk")


def emotion_from_pb(msg: pb.Emotion, has_field: bool = True) -> EmotionTrack:
    """Wire emotion -> :class:`EmotionTrack`; unset = neutral at intensity 1."""
    kind = msg.WhichOneof("spec") if has_field else None
    if kind == "constant":
        intensity = msg.constant.intensity if msg.constant.HasField("intensity") else 1.0
        return EmotionTrack.from_obj([{"time": 0.0, "emotion": msg.constant.label, "intensity": intensity}])
    if kind == "track":
        if not msg.track.keys:
            raise EmotionSpecError("an emotion track needs at least one key")
        return EmotionTrack(tuple(sorted((key_from_pb(k) for k in msg.track.keys), key=lambda k: k.time_s)))
    return EmotionTrack.constant("neutral", 1.0)


def key_from_pb(msg: pb.EmotionKey) -> EmotionKey:
    obj: dict[str, Any] = {"time": msg.time_s, "transition": msg.transition_s}
    kind = msg.WhichOneof("emotion")
    if kind == "label":
        obj["emotion"] = msg.label
    elif kind == "weights":
        obj["weights"] = dict(msg.weights.weights)
    else:
        raise EmotionSpecError(f"emotion key at {msg.time_s} s needs a label or weights")
    if msg.HasField("intensity"):
        obj["intensity"] = msg.intensity
    return key_from_obj(obj)


def track_to_pb(track: EmotionTrack | dict[str, Any]) -> pb.EmotionTrack:
    obj = track.to_obj() if isinstance(track, EmotionTrack) else track
    return pb.EmotionTrack(keys=[key_to_pb(key_from_obj(k)) for k in obj["keys"]])


def key_to_pb(key: EmotionKey) -> pb.EmotionKey:
    msg = pb.EmotionKey(time_s=key.time_s, intensity=key.intensity, transition_s=key.transition_s)
    if max(key.weights) == 1.0:
        msg.label = key.label
    else:
        msg.weights.weights.update(dict(zip(EMOTIONS, key.weights)))
    return msg


def emotion_to_pb(track: EmotionTrack) -> pb.Emotion:
    return pb.Emotion(track=track_to_pb(track))


# ---------------------------------------------------------------- audio
def pcm_from_pb(msg: pb.PcmFormat) -> tuple[str, int, int]:
    """Wire PCM layout -> ``(encoding name, sample rate Hz, channels)``, validated."""
    if msg.encoding not in PCM_NAMES:
        raise AudioError("PCM encoding must be PCM_ENCODING_S16LE or PCM_ENCODING_F32LE")
    if not MIN_SAMPLE_RATE_HZ <= msg.sample_rate_hz <= MAX_SAMPLE_RATE_HZ:
        raise AudioError(f"PCM sample_rate_hz must be {MIN_SAMPLE_RATE_HZ}..{MAX_SAMPLE_RATE_HZ}, "
                         f"got {msg.sample_rate_hz}")
    if not 1 <= msg.channels <= MAX_CHANNELS:
        raise AudioError(f"PCM channels must be 1..{MAX_CHANNELS}, got {msg.channels}")
    return PCM_NAMES[msg.encoding], int(msg.sample_rate_hz), int(msg.channels)


def pcm_to_pb(encoding: str, sample_rate_hz: int, channels: int) -> pb.PcmFormat:
    codes = {v: k for k, v in PCM_NAMES.items()}
    if encoding not in codes:
        raise AudioError(f"PCM encoding must be one of {', '.join(codes)}, got {encoding!r}")
    return pb.PcmFormat(encoding=codes[encoding], sample_rate_hz=sample_rate_hz, channels=channels)


def audio_from_request(data: bytes, pcm: pb.PcmFormat | None, limits: AudioLimits) -> np.ndarray:
    """Unary audio (encoded file, or raw PCM when ``pcm`` is given) -> 16 kHz mono float32 ``(n,)``."""
    if pcm is None:
        return decode_bytes(data, limits)
    encoding, rate_hz, channels = pcm_from_pb(pcm)
    if not data:
        raise AudioError("audio is empty (0 bytes)")
    return decode_pcm(data, encoding, rate_hz, channels, limits)


class StreamAudioDecoder:
    """Stream audio chunks -> 16 kHz mono float32 pieces, with the stream's length limits.

    Raw PCM is converted chunk by chunk (a sample split across chunks is carried over);
    an encoded file (no PCM layout) is buffered and decoded at end of audio.
    """

    def __init__(self, pcm: pb.PcmFormat | None, max_clip_s: float, max_chunk_s: float):
        self.max_clip_s, self.max_chunk_s = max_clip_s, max_chunk_s
        self.pcm = pcm_from_pb(pcm) if pcm is not None else None
        self._encoded = bytearray()
        self._carry = b""
        self.samples_in = 0  # input samples (per channel) received
        if self.pcm is not None:
            self._dtype = PCM_ENCODINGS[self.pcm[0]]
            self._resampler = StreamResampler(self.pcm[1])

    @property
    def buffered(self) -> bool:
        return self.pcm is None

    @property
    def audio_s(self) -> float:
        """Seconds of audio received so far (an encoded stream: estimated from its bytes at 64 kbit/s)."""
        if self.pcm is None:
            return len(self._encoded) / ENCODED_BYTES_PER_AUDIO_S
        return self.samples_in / self.pcm[1]

    def push(self, data: bytes) -> np.ndarray:
        """One chunk's bytes -> the model-rate samples now available (empty when buffering)."""
        if self.pcm is None:
            limit = encoded_bytes_allowed(self.max_clip_s)
            if len(self._encoded) + len(data) > limit:
                raise AudioError(f"encoded stream audio exceeds {limit} bytes (the size of a {self.max_clip_s:g} s "
                                 "clip of float32 48 kHz stereo); stream raw PCM (a pcm header) instead")
            self._encoded += data
            return np.zeros(0, np.float32)
        _, rate_hz, channels = self.pcm
        frame_bytes = self._dtype.itemsize * channels
        data = self._carry + data
        usable = len(data) - len(data) % frame_bytes
        self._carry = data[usable:]
        n = usable // frame_bytes
        if n / rate_hz > self.max_chunk_s:
            raise AudioError(f"audio chunk is {n / rate_hz:.1f} s long; the limit is {self.max_chunk_s:g} s")
        self._count(n, rate_hz)
        samples = np.frombuffer(data[:usable], dtype=self._dtype).reshape(n, channels).astype(np.float32)
        if self._dtype.kind == "i":
            samples /= 32768.0
        elif not np.all(np.isfinite(samples)):
            raise AudioError("PCM contains NaN or infinite samples")
        return self._resampler.push(samples.mean(axis=1))

    def finish(self) -> np.ndarray:
        """End of audio: the remaining model-rate samples."""
        if self.pcm is None:
            return decode_bytes(bytes(self._encoded), AudioLimits(self.max_clip_s))
        if self._carry:
            raise AudioError(f"stream ended inside a sample frame ({len(self._carry)} stray bytes); "
                             f"send whole {self.pcm[0]} frames of {self.pcm[2]} channel(s)")
        return self._resampler.finish()

    def _count(self, n: int, rate_hz: int) -> None:
        self.samples_in += n
        if self.samples_in / rate_hz > self.max_clip_s:
            raise AudioError(f"stream audio exceeds {self.max_clip_s:g} s; the limit is {self.max_clip_s:g} s")


# ---------------------------------------------------------------- provenance sent to clients
def public_provenance(value: Any) -> Any:
    """Provenance without server file-system paths: every entry holding an absolute path is dropped.

    Clients get the model id, hashes, licences and training summary; paths (the checkpoint, the
    corpus and run directories, commands naming them) stay on the server (``emoface info``).
    """
    if isinstance(value, dict):
        return {k: public_provenance(v) for k, v in value.items() if not _has_path(v)}
    if isinstance(value, list):
        return [public_provenance(v) for v in value if not _has_path(v)]
    return value


def _has_path(value: Any) -> bool:
    return isinstance(value, str) and _PATH.search(value) is not None


def response_provenance(provenance: dict[str, Any]) -> dict[str, Any]:
    """The small provenance of one Animate response (GetInfo carries the rest)."""
    return {k: provenance[k] for k in RESPONSE_PROVENANCE_KEYS if k in provenance}


# ---------------------------------------------------------------- frames and animations
def frames_to_bytes(frames: np.ndarray) -> bytes:
    """``(T, C)`` float -> packed little-endian float32 bytes."""
    return np.ascontiguousarray(frames, dtype=_FRAME_DTYPE).tobytes()


def frames_from_bytes(data: bytes, num_frames: int, num_controls: int) -> np.ndarray:
    """Packed bytes -> ``(num_frames, num_controls)`` float32 (native byte order)."""
    expected = num_frames * num_controls * _FRAME_DTYPE.itemsize
    if len(data) != expected:
        raise ValueError(f"frame payload has {len(data)} bytes, expected {expected} "
                         f"({num_frames} frames x {num_controls} controls x 4)")
    return np.frombuffer(data, dtype=_FRAME_DTYPE).reshape(num_frames, num_controls).astype(np.float32)


def animation_to_pb(anim: Animation, model_id: str) -> pb.AnimateResponse:
    return pb.AnimateResponse(
        fps=anim.fps, controls=list(anim.controls), num_frames=anim.num_frames,
        frames_f32le=frames_to_bytes(anim.frames), options_used=options_to_pb(anim.options),
        emotion_used=track_to_pb(anim.emotion) if anim.emotion else None, model_id=model_id,
        provenance_json=json.dumps(response_provenance(anim.provenance), sort_keys=True),
        blink_onset_frames=list(anim.blinks))


def animation_from_pb(msg: pb.AnimateResponse) -> Animation:
    frames = frames_from_bytes(msg.frames_f32le, msg.num_frames, len(msg.controls))
    emotion = emotion_from_pb(pb.Emotion(track=msg.emotion_used)).to_obj() if msg.HasField("emotion_used") else None
    return Animation(frames, tuple(msg.controls), msg.fps, options_from_pb(msg.options_used).to_dict(),
                     json.loads(msg.provenance_json or "{}"), emotion, tuple(msg.blink_onset_frames))


# ---------------------------------------------------------------- info
def info_to_pb(info: dict[str, Any], limits: pb.AudioLimits, groups: tuple[str, ...]) -> pb.GetInfoResponse:
    """``Pipeline.info()`` + service limits -> GetInfoResponse."""
    return pb.GetInfoResponse(
        model_id=info["model_id"], trained=bool(info["trained"]),
        provenance_json=json.dumps(public_provenance(info["provenance"]), sort_keys=True),
        config_json=json.dumps(info["config"], sort_keys=True), fps=info["fps"],
        sample_rate_hz=info.get("sample_rate_hz", SAMPLE_RATE_HZ), controls=info["controls"],
        emotions=info["emotions"], default_options=options_to_pb(info["default_options"]), limits=limits,
        control_groups=list(groups))


def info_from_pb(msg: pb.GetInfoResponse) -> dict[str, Any]:
    """GetInfoResponse -> the same keys as ``Pipeline.info()`` plus ``limits`` and ``control_groups``."""
    limits = {f.name: (v if isinstance(v, (int, float, str)) else list(v))
              for f in msg.limits.DESCRIPTOR.fields for v in [getattr(msg.limits, f.name)]}
    return {
        "model_id": msg.model_id, "trained": msg.trained, "config": json.loads(msg.config_json or "{}"),
        "provenance": json.loads(msg.provenance_json or "{}"), "fps": msg.fps,
        "sample_rate_hz": msg.sample_rate_hz, "controls": list(msg.controls), "emotions": list(msg.emotions),
        "default_options": options_from_pb(msg.default_options).to_dict(), "limits": limits,
        "control_groups": list(msg.control_groups),
    }
