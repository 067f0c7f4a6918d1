"""Python SDK of the ``emoface.v1`` service.

    with FaceAnimationClient("127.0.0.1:50051") as client:  # or "10.0.0.5:50051,10.0.0.6:50051", "dns:///name:50051"
        anim = client.animate(Path("line.wav").read_bytes(), EmotionTrack.parse("happy:0.6"), RequestOptions(seed=1))
        for batch in client.stream(pcm_chunks, emotion=EmotionTrack.parse("sad"), sample_rate_hz=48000):
            ...  # batch.first_frame_index, batch.frames (n, C) float32

INVALID_ARGUMENT becomes :class:`model.errors.InputError`; every other failure is a
:class:`ServiceError` carrying the gRPC status code. ``animate`` checks the server's limits (clip
length, message size; read once with GetInfo) before sending, and refuses with the InputError the
server would give, instead of a transport error for an oversized message.
"""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import grpc
import numpy as np
import soundfile as sf

from model.emotion import EmotionKey, EmotionTrack
from model.errors import InputError
from server.errors import ServiceError
from server.grpc import convert
from server.grpc.channel import RetryOptions, open_channel
from server.grpc.api import face_animation_pb2 as pb
from server.grpc.api import face_animation_pb2_grpc as pb_grpc
from server.runtime.animation import Animation
from server.runtime.audio_io import PCM_ENCODINGS
from server.runtime.options import RequestOptions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FrameBatch:
    """Frames of a stream. frames: ``(n, C)`` float32; time_s = first_frame_index / fps."""

    first_frame_index: int
    time_s: float
    frames: np.ndarray


@dataclass
class AudioChunk:
    """One stream chunk plus optional emotion keys (absolute times).

    data: bytes in the stream's format, or float samples in [-1, 1] (``(n,)`` or ``(n, channels)``)
    that the client packs as the stream's PCM encoding.
    """

    data: bytes | np.ndarray
    emotion_keys: Sequence[EmotionKey] = field(default_factory=tuple)


class AnimationStream:
    """Iterator of :class:`FrameBatch` for one StreamAnimate call.

    After the first batch (or :meth:`wait_header`) ``controls``, ``fps`` and ``options``
    are known; after the last, ``num_frames`` and ``audio_duration_s`` (the summary).
    ``fell_behind_s`` > 0 when the server ended the stream because its frames fell that far behind
    the audio (the iteration then raises RESOURCE_EXHAUSTED: reopen, preferably elsewhere).
    """

    def __init__(self, call: Any = None):
        self._call = call  # the gRPC call: an iterator of StreamAnimateResponse that can be cancelled
        self.controls: tuple[str, ...] = ()
        self.fps = 0.0
        self.options: dict[str, Any] = {}
        self.model_id = ""
        self.lookahead_s = 0.0
        self.num_frames: int | None = None
        self.audio_duration_s: float | None = None
        self.emotion: dict[str, Any] | None = None
        self.fell_behind_s = 0.0
        self._header_seen = False
        self.client_error: Exception | None = None  # raised by the caller's chunk iterable

    def wait_header(self) -> AnimationStream:
        """Block until the response header has arrived."""
        if not self._header_seen:
            self._handle(self._next())
        return self

    def __iter__(self) -> Iterator[FrameBatch]:
        self.wait_header()
        while True:
            msg = self._next()
            if msg is None:
                return
            batch = self._handle(msg)
            if batch is not None:
                yield batch

    def collect(self) -> Animation:
        """Consume the stream into one :class:`Animation`."""
        parts = [b.frames for b in self]
        self.wait_header()
        frames = np.concatenate(parts) if parts else np.zeros((0, len(self.controls)), np.float32)
        return Animation(frames, self.controls, self.fps, self.options, {"model_id": self.model_id}, self.emotion)

    def cancel(self) -> None:
        self._call.cancel()

    def _next(self) -> pb.StreamAnimateResponse | None:
        try:
            return next(self._call)
        except StopIteration:
            return None
        except grpc.RpcError as exc:
            if self.client_error is not None:
                raise self.client_error
            raise _translate(exc) from None

    def _handle(self, msg: pb.StreamAnimateResponse | None) -> FrameBatch | None:
        kind = msg.WhichOneof("part") if msg is not None else None
        if kind == "header":
            h = msg.header
            self.controls, self.fps, self.model_id = tuple(h.controls), h.fps, h.model_id
            self.options, self.lookahead_s = convert.options_from_pb(h.options_used).to_dict(), h.lookahead_s
            self._header_seen = True
            return None
        if not self._header_seen:
            raise ServiceError(grpc.StatusCode.INTERNAL, f"stream answered {kind} before its header")
        if kind == "frames":
            f = msg.frames
            frames = convert.frames_from_bytes(f.frames_f32le, f.num_frames, len(self.controls))
            return FrameBatch(int(f.first_frame_index), f.first_time_s, frames)
        if kind == "summary":
            self.num_frames, self.audio_duration_s = int(msg.summary.num_frames), msg.summary.audio_duration_s
            self.emotion = convert.emotion_from_pb(pb.Emotion(track=msg.summary.emotion_used)).to_obj()
            self.fell_behind_s = msg.summary.fell_behind_s
        return None


class FaceAnimationClient:
    """Client of one EmoFace server or of several replicas (plaintext, TLS, optional client
    certificate and bearer token).

    address: ``host:port``; or several replicas: ``ip:port,ip:port`` (IP literals) or a gRPC
    target such as ``dns:///name:port`` (see :mod:`server.grpc.channel`). Calls are spread
    round-robin over the replicas that report SERVING; Animate and GetInfo are retried on
    UNAVAILABLE (``retry``; None = never), streams are not. token: bearer token sent with every call.
    root_cert: PEM CA (path or bytes) that signed the server certificate (enables TLS).
    client_cert and client_key: PEM for mutual TLS. tls_server_name: name to verify the server
    certificate against when the address does not carry it (e.g. a list of IPs).
    timeout_s: deadline of each call, retries included (None = none).
    """

    def __init__(self, address: str, *, token: str | None = None, root_cert: str | Path | bytes | None = None,
                 client_cert: str | Path | bytes | None = None, client_key: str | Path | bytes | None = None,
                 timeout_s: float | None = None, max_message_bytes: int = 64 * 1024 * 1024,
                 retry: RetryOptions | None = RetryOptions(), tls_server_name: str | None = None):
        self.address, self.timeout_s, self.max_message_bytes = address, timeout_s, max_message_bytes
        self._limits: dict[str, Any] | None = None
        creds = None
        if root_cert is not None or client_cert is not None:
            creds = grpc.ssl_channel_credentials(_pem(root_cert), _pem(client_key), _pem(client_cert))
        self.channel = open_channel(address, creds, max_message_bytes, retry, tls_server_name)
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self._stub = pb_grpc.FaceAnimationStub(self.channel)

    def __enter__(self) -> FaceAnimationClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self.channel.close()

    # ------------------------------------------------------------ calls
    def info(self) -> dict[str, Any]:
        """The model, limits, controls, emotions and default options (see ``Pipeline.info()``)."""
        info = convert.info_from_pb(self._unary(self._stub.GetInfo, pb.GetInfoRequest()))
        self._limits = info["limits"]
        return info

    def animate(self, audio_bytes: bytes, emotion: EmotionTrack | None = None,
                options: RequestOptions | None = None, *, pcm: tuple[str, int, int] | None = None,
                livelink_subject: str = "") -> Animation:
        """Animate an encoded WAV/FLAC/OGG file's bytes (or raw PCM: ``pcm=(encoding, rate_hz, channels)``).

        livelink_subject: also play the frames on this Live Link subject (the server needs
        ``--livelink-port`` or ``--livelink-face``).
        """
        self._check_limits(audio_bytes, pcm)
        request = pb.AnimateRequest(audio=audio_bytes, options=convert.options_to_pb(options or RequestOptions()),
                                    livelink_subject=livelink_subject)
        if emotion is not None:
            request.emotion.CopyFrom(convert.emotion_to_pb(emotion))
        if pcm is not None:
            request.pcm.CopyFrom(convert.pcm_to_pb(*pcm))
        return convert.animation_from_pb(self._unary(self._stub.Animate, request))

    def stream(self, chunks: Iterable[bytes | np.ndarray | AudioChunk], emotion: EmotionTrack | None = None,
               options: RequestOptions | None = None, *, encoding: str | None = "s16le",
               sample_rate_hz: int = 16000, channels: int = 1, lookahead_s: float | None = None,
               livelink_subject: str = "") -> AnimationStream:
        """Stream audio chunks (raw PCM in ``encoding``/``sample_rate_hz``/``channels``, or
        pieces of an encoded file with ``encoding=None``); iterate the result for frames.
        ``livelink_subject``: also play the frames on this Live Link subject as they come.

        ``chunks`` is consumed on a gRPC thread as the server accepts it, so it may be a
        generator pacing itself in real time.
        """
        header = pb.StreamHeader(options=convert.options_to_pb(options or RequestOptions()),
                                 livelink_subject=livelink_subject)
        if emotion is not None:
            header.emotion.CopyFrom(convert.emotion_to_pb(emotion))
        if encoding is not None:
            header.pcm.CopyFrom(convert.pcm_to_pb(encoding, sample_rate_hz, channels))
        if lookahead_s is not None:
            header.lookahead_s = lookahead_s

        def requests() -> Iterator[pb.StreamAnimateRequest]:
            yield pb.StreamAnimateRequest(header=header)
            try:
                for chunk in chunks:
                    c = chunk if isinstance(chunk, AudioChunk) else AudioChunk(chunk)
                    yield pb.StreamAnimateRequest(chunk=pb.AudioChunk(
                        data=_pack(c.data, encoding), emotion_keys=[convert.key_to_pb(k) for k in c.emotion_keys]))
            except Exception as exc:  # raised to the caller by AnimationStream instead of a bare CANCELLED
                stream.client_error = exc
                raise  # gRPC cancels the call (never a half-close, which would mean end of audio)
            yield pb.StreamAnimateRequest(end_of_audio=pb.EndOfAudio())

        stream = AnimationStream()  # exists before gRPC starts pulling requests()
        stream._call = self._stub.StreamAnimate(requests(), timeout=self.timeout_s, metadata=self._metadata)
        return stream

    def limits(self) -> dict[str, Any]:
        """The server's audio limits (``max_clip_s``, ``max_message_bytes``, ...), asked once."""
        return self._limits if self._limits is not None else self.info()["limits"]

    def _check_limits(self, audio_bytes: bytes, pcm: tuple[str, int, int] | None) -> None:
        """InputError, worded as the server words it, for audio the server or the transport would refuse."""
        limits = self.limits()
        duration_s = _duration_s(audio_bytes, pcm)
        if duration_s is not None and duration_s > limits["max_clip_s"]:
            raise InputError(f"audio is {duration_s:.1f} s long; the limit is {limits['max_clip_s']:g} s")
        max_bytes = min(self.max_message_bytes, limits["max_message_bytes"]) - _MESSAGE_OVERHEAD_BYTES
        if len(audio_bytes) > max_bytes:
            raise InputError(f"audio is {len(audio_bytes) / 2**20:.1f} MiB; one request carries at most "
                             f"{max_bytes / 2**20:.1f} MiB (max_message_bytes); stream it instead")

    def _unary(self, method, request):
        try:
            return method(request, timeout=self.timeout_s, metadata=self._metadata)
        except grpc.RpcError as exc:
            raise _translate(exc) from None


_MESSAGE_OVERHEAD_BYTES = 64 * 1024  # room for the options and emotion track beside the audio


def _duration_s(audio_bytes: bytes, pcm: tuple[str, int, int] | None) -> float | None:
    """Seconds of audio in a request (None when the bytes cannot be read: the server will say why)."""
    if pcm is not None:
        encoding, rate_hz, channels = pcm
        if encoding not in PCM_ENCODINGS or rate_hz <= 0 or channels <= 0:
            return None
        return len(audio_bytes) / (PCM_ENCODINGS[encoding].itemsize * channels * rate_hz)
    try:
        info = sf.info(io.BytesIO(audio_bytes))
    except Exception:  # not a readable container: the server reports the reason
        return None
    return info.frames / info.samplerate if info.samplerate else None


def _translate(exc: grpc.RpcError) -> Exception:
    code, details = exc.code(), exc.details() or ""
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return InputError(details)
    return ServiceError(code, details)


def _pack(data: bytes | np.ndarray, encoding: str | None) -> bytes:
    """Chunk data as bytes: float samples are packed as ``encoding`` (s16le: clipped to [-1, 1])."""
    if not isinstance(data, np.ndarray):
        return bytes(data)
    if encoding == "s16le":
        return (np.clip(data, -1.0, 32767 / 32768) * 32768).round().astype("<i2").tobytes()
    if encoding == "f32le":
        return np.asarray(data, dtype="<f4").tobytes()
    raise InputError("float sample chunks need a PCM encoding (s16le or f32le), not an encoded file stream")


def _pem(value: str | Path | bytes | None) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    try:
        return Path(value).read_bytes()
    except FileNotFoundError:
        raise InputError(f"certificate or key file not found: {value}") from None
