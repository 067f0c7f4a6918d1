"""The ``emoface.v1.FaceAnimation`` servicer: decode -> pipeline -> encode.

Animate work (decoding, network, post-processing) runs on the shared
:class:`~server.runtime.work_pool.WorkPool`'s inference workers and holds the model one piece at a
time; a stream's steps run on its own RPC thread and reach the model through the pipeline's
real-time batcher, ahead of any Animate piece (:mod:`server.runtime.scheduler`). Admission is
bounded: beyond ``max_concurrent_requests`` Animate calls plus open streams, or beyond the
replica's real-time ``stream_capacity`` for streams, a call is RESOURCE_EXHAUSTED at once (a
refused stream carries a ``grpc-retry-pushback-ms`` retry hint). A cancelled or timed-out call
stops its work within one model piece; a stream whose frames fall ``stream_max_lag_s`` behind its
audio is told so in its summary and ended.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable, Iterator

import grpc
import numpy as np

from model.constants import FPS, SAMPLE_RATE_HZ
from model.errors import InputError
from model.rig import GROUPS, rig
from server.grpc import convert
from server.grpc.api import face_animation_pb2 as pb
from server.grpc.api import face_animation_pb2_grpc as pb_grpc
from server.grpc.drain import OpenCalls
from server.grpc.metrics import ServiceMetrics
from server.grpc.request_reader import RequestReader, RpcError, decoded
from server.grpc.service_config import ServiceConfig
from server.livelink.hub import HubFullError, LineFrames, SubjectHub
from server.runtime import limits
from server.runtime.audio_io import (ENCODED_FORMATS, MAX_CHANNELS, MAX_SAMPLE_RATE_HZ, MIN_SAMPLE_RATE_HZ,
                                     PCM_ENCODINGS, AudioLimits)
from server.runtime.work_pool import PoolBusyError, StreamCapacityError, WorkCancelled, WorkPool

log = logging.getLogger(__name__)


class _Call:
    """One RPC's bookkeeping: admission, status mapping, metrics and a structured log line."""

    def __init__(self, servicer: FaceAnimationServicer, method: str, context: grpc.ServicerContext, admit: bool,
                 stream: bool = False):
        self.servicer, self.method, self.context, self.admit, self.stream = servicer, method, context, admit, stream
        self.audio_s = 0.0
        self.admitted = False

    def __enter__(self) -> _Call:
        self.start = time.monotonic()
        self.servicer.metrics.requests.labels(self.method).inc()
        self.servicer.open_calls.opened(self.context)
        try:
            if self.servicer.pool.draining.is_set():
                raise RpcError(grpc.StatusCode.UNAVAILABLE, "server is shutting down; retry on another instance")
            if self.admit:
                self.servicer.pool.admit(self.stream)
                self.admitted = True
        except StreamCapacityError as exc:
            self._end(grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc))
            self.context.set_trailing_metadata((("grpc-retry-pushback-ms", str(int(exc.retry_after_s * 1000))),))
            self.context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc))
        except PoolBusyError as exc:
            self._end(grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc))
            self.context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc))
        except RpcError as exc:
            self._end(exc.code, str(exc))
            self.context.abort(exc.code, str(exc))
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if self.admitted:
            self.servicer.pool.release(self.stream)
        if exc is None:
            self._end(grpc.StatusCode.OK, "")
            return False
        if isinstance(exc, GeneratorExit):
            self._end(grpc.StatusCode.CANCELLED, "client went away")
            return False
        if isinstance(exc, RpcError):
            code, message = exc.code, str(exc)
        elif isinstance(exc, InputError):
            code, message = grpc.StatusCode.INVALID_ARGUMENT, str(exc)
        elif not self.context.is_active():
            code, message = grpc.StatusCode.CANCELLED, "call ended by the client"
        else:
            log.exception("%s failed", self.method)
            code, message = grpc.StatusCode.INTERNAL, f"internal error: {type(exc).__name__}"
        if code == grpc.StatusCode.CANCELLED and self.context.time_remaining() is not None \
                and self.context.time_remaining() <= 0:
            code = grpc.StatusCode.DEADLINE_EXCEEDED
        self._end(code, message)
        self.context.abort(code, message)
        return False

    def _end(self, code: grpc.StatusCode, message: str) -> None:
        duration_s = time.monotonic() - self.start
        self.servicer.metrics.finished(self.method, code, duration_s, self.audio_s)
        log.info("rpc %s %s %.3fs audio=%.2fs", self.method, code.name, duration_s, self.audio_s,
                 extra={"rpc": {"method": self.method, "code": code.name, "duration_s": round(duration_s, 4),
                                "audio_s": round(self.audio_s, 3), "peer": self.context.peer(),
                                "message": message}})


class FaceAnimationServicer(pb_grpc.FaceAnimationServicer):
    """Implements GetInfo, Animate and StreamAnimate on one shared :class:`Pipeline`."""

    def __init__(self, pipeline, config: ServiceConfig, metrics: ServiceMetrics, pool: WorkPool,
                 livelink_hub: SubjectHub | None = None):
        self.pipeline, self.config, self.metrics, self.pool = pipeline, config, metrics, pool
        self.livelink_hub = livelink_hub  # None when Live Link is off
        self.open_calls = OpenCalls()  # until each RPC has ended at the transport (the graceful drain waits)
        self._info = convert.info_to_pb(pipeline.info(), self.limits(), GROUPS)

    def limits(self) -> pb.AudioLimits:
        c = self.config
        return pb.AudioLimits(
            encoded_formats=list(ENCODED_FORMATS), pcm_encodings=list(PCM_ENCODINGS),
            min_sample_rate_hz=MIN_SAMPLE_RATE_HZ, max_sample_rate_hz=MAX_SAMPLE_RATE_HZ, max_channels=MAX_CHANNELS,
            max_clip_s=c.max_clip_s, max_chunk_s=c.max_chunk_s, max_message_bytes=c.max_message_bytes,
            stream_idle_timeout_s=c.stream_idle_timeout_s, default_lookahead_s=c.default_lookahead_s,
            stream_capacity=self.pool.stream_capacity or 0, stream_max_lag_s=c.stream_max_lag_s,
            max_emotion_keys=limits.EMOTION_KEYS_MAX, max_emotion_keys_per_chunk=limits.EMOTION_KEYS_PER_CHUNK,
            stream_wall_grace_s=c.stream_wall_grace_s, stream_wall_per_audio_s=c.stream_wall_per_audio_s)

    # ------------------------------------------------------------ unary
    def GetInfo(self, request: pb.GetInfoRequest, context: grpc.ServicerContext) -> pb.GetInfoResponse:
        with _Call(self, "GetInfo", context, admit=False):
            decoded(request)
            info = pb.GetInfoResponse()
            info.CopyFrom(self._info)
            info.limits.open_streams = self.pool.streams
            return info

    def Animate(self, request: pb.AnimateRequest, context: grpc.ServicerContext) -> pb.AnimateResponse:
        with _Call(self, "Animate", context, admit=True) as call:
            decoded(request)
            convert.check_keys(convert.count_keys(request.emotion, request.HasField("emotion")), self.config.max_clip_s)
            self.check_livelink_subject(request.livelink_subject)
            anim = self.run(context, self._animate, request)
            call.audio_s = anim.duration_s
            if request.livelink_subject:
                self.submit_livelink(request.livelink_subject, anim.full())
            return convert.animation_to_pb(anim, self.pipeline.model_id)

    def check_livelink_subject(self, subject: str) -> None:
        """INVALID_ARGUMENT if a request names a Live Link subject but Live Link is off."""
        if subject and self.livelink_hub is None:
            raise RpcError(grpc.StatusCode.INVALID_ARGUMENT,
                           f"livelink_subject {subject!r} given but Live Link is off; start the server with "
                           "--livelink-port (or --livelink-face)")

    def run(self, context: grpc.ServicerContext, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` on the inference workers; CANCELLED when the call ends first."""
        try:
            return self.pool.run(context.is_active, fn, *args)
        except WorkCancelled as exc:
            raise RpcError(grpc.StatusCode.CANCELLED, str(exc)) from None

    def submit_livelink(self, subject: str, frames) -> int:
        """Queue frames (an ``(T, 174)`` array or a LineFrames buffer) as a paced line; returns its line id."""
        try:
            return self.livelink_hub.submit(subject, frames, paced=True)
        except HubFullError as exc:
            raise RpcError(grpc.StatusCode.RESOURCE_EXHAUSTED, f"Live Link: {exc}") from None

    def _animate(self, request: pb.AnimateRequest):
        audio = convert.audio_from_request(request.audio, request.pcm if request.HasField("pcm") else None,
                                           AudioLimits(self.config.max_clip_s))
        keys = convert.count_keys(request.emotion, request.HasField("emotion"))
        convert.check_keys(keys, len(audio) / SAMPLE_RATE_HZ)
        track = convert.emotion_from_pb(request.emotion, request.HasField("emotion"))
        options = convert.options_from_pb(request.options)
        return self.pipeline.animate(audio, track, options)

    # ------------------------------------------------------------ streaming
    def StreamAnimate(self, request_iterator: Iterator[pb.StreamAnimateRequest],
                      context: grpc.ServicerContext) -> Iterator[pb.StreamAnimateResponse]:
        with _Call(self, "StreamAnimate", context, admit=True, stream=True) as call:
            stream = _Stream(self, context, call)
            requests = RequestReader(request_iterator, self.config.stream_idle_timeout_s, context, stream.check_wall)
            try:
                yield from self._stream(requests, stream)
            except BaseException as exc:
                stream.end_livelink(exc)
                raise
            finally:
                requests.close()

    @staticmethod
    def _stream(requests: RequestReader, stream: _Stream) -> Iterator[pb.StreamAnimateResponse]:
        yield stream.open(requests.next())
        while True:
            req = requests.next()
            kind = req.WhichOneof("part") if req is not None else "end_of_audio"  # half-close = end of audio
            if kind == "chunk":
                arrived_s = requests.arrival_s
                yield from stream.chunks([req.chunk, *requests.drain_chunks()], arrived_s)
            elif kind == "end_of_audio":
                yield from stream.end()
                return
            else:
                raise InputError(f"unexpected {kind or 'empty message'} after the stream header; "
                                 "send chunk messages, then end_of_audio")


class _Stream:
    """State of one StreamAnimate call: decoder, streaming session, frame bookkeeping."""

    def __init__(self, servicer: FaceAnimationServicer, context: grpc.ServicerContext, call: _Call):
        self.servicer, self.context, self.call = servicer, context, call
        self.samples_16k = 0
        self.livelink_frames = None  # LineFrames of the Live Link line, when the header names a subject
        self.livelink_line = 0
        self.decoder: convert.StreamAudioDecoder | None = None

    def check_wall(self) -> None:
        """DEADLINE_EXCEEDED when the stream has run longer than its audio so far allows."""
        cfg = self.servicer.config
        audio_s = self.decoder.audio_s if self.decoder is not None else 0.0
        allowed_s = limits.wall_time_allowed_s(audio_s, cfg.stream_wall_grace_s, cfg.stream_wall_per_audio_s)
        if time.monotonic() - self.call.start > allowed_s:
            raise RpcError(grpc.StatusCode.DEADLINE_EXCEEDED,
                           f"stream ran {allowed_s:.0f} s for {audio_s:.1f} s of audio; a stream may take "
                           f"{cfg.stream_wall_grace_s:g} s + {cfg.stream_wall_per_audio_s:g} x its audio "
                           "(send audio at least at a fraction of real time)")

    def open(self, req: pb.StreamAnimateRequest | None) -> pb.StreamAnimateResponse:
        if req is None or req.WhichOneof("part") != "header":
            raise InputError("the first message of a stream must be its header")
        h = req.header
        cfg = self.servicer.config
        self.decoder = convert.StreamAudioDecoder(h.pcm if h.HasField("pcm") else None, cfg.max_clip_s, cfg.max_chunk_s)
        self.keys = convert.count_keys(h.emotion, h.HasField("emotion"))
        convert.check_keys(self.keys, cfg.max_clip_s)
        track = convert.emotion_from_pb(h.emotion, h.HasField("emotion"))
        options = convert.options_from_pb(h.options)
        lookahead_s = h.lookahead_s if h.HasField("lookahead_s") else cfg.default_lookahead_s
        self.servicer.check_livelink_subject(h.livelink_subject)
        self.session = self.servicer.pipeline.stream(track, options, lookahead_s=lookahead_s)
        if h.livelink_subject:
            self._livelink_columns = rig().indices(self.session.controls)
            self.livelink_frames = LineFrames(incremental=True)
            self.livelink_line = self.servicer.submit_livelink(h.livelink_subject, self.livelink_frames)
        return pb.StreamAnimateResponse(header=pb.StreamResponseHeader(
            fps=FPS, controls=list(self.session.controls), options_used=convert.options_to_pb(self.session.options),
            model_id=self.servicer.pipeline.model_id, lookahead_s=lookahead_s))

    def chunks(self, chunks: list[pb.AudioChunk], arrived_s: float) -> Iterator[pb.StreamAnimateResponse]:
        """Push chunks that are waiting together as one model step (fewer, larger steps under load).

        arrived_s: ``time.monotonic()`` when the first of them was received.
        """
        for c in chunks:
            convert.check_chunk_keys(c)
            self.keys += len(c.emotion_keys)
        convert.check_keys(self.keys, self.servicer.config.max_clip_s, "the stream's emotion keys")
        keys = [convert.key_from_pb(k) for c in chunks for k in c.emotion_keys]
        self._check_active()
        first, frames = self._push([c.data for c in chunks], keys)
        if len(frames):
            lag_s = time.monotonic() - arrived_s
            self.servicer.metrics.chunk_latency_s.observe(lag_s)
            self._push_livelink(frames)
            yield self._batch(first, frames)
            if lag_s > self.servicer.config.stream_max_lag_s:
                yield from self._fell_behind(lag_s)

    def _check_active(self) -> None:
        if not self.context.is_active():
            raise RpcError(grpc.StatusCode.CANCELLED, "call ended by the client")

    def _fell_behind(self, lag_s: float) -> Iterator[pb.StreamAnimateResponse]:
        """Tell the caller in-band (a summary with ``fell_behind_s``), then end with RESOURCE_EXHAUSTED."""
        self.servicer.metrics.streams_fell_behind.inc()
        yield self._summary(fell_behind_s=lag_s)
        raise RpcError(grpc.StatusCode.RESOURCE_EXHAUSTED,
                       f"stream fell {lag_s:.1f} s behind its audio (stream_max_lag_s "
                       f"{self.servicer.config.stream_max_lag_s:g}): the server is overloaded; reopen the stream, "
                       "preferably on another replica")

    def _push(self, datas: list[bytes], keys) -> tuple[int, np.ndarray]:
        audio = np.concatenate([self.decoder.push(d) for d in datas])
        self.samples_16k += len(audio)
        return self.session.push(audio, emotion_keys=keys)

    def end(self) -> Iterator[pb.StreamAnimateResponse]:
        self._check_active()
        for first, frames in self._finish():
            if len(frames):
                self._push_livelink(frames)
                yield self._batch(first, frames)
        if self.livelink_frames is not None:
            self.livelink_frames.finish()
            self.livelink_frames = None
        yield self._summary()

    def _summary(self, fell_behind_s: float = 0.0) -> pb.StreamAnimateResponse:
        """The stream's last message: frames sent, audio received, the emotion track used."""
        self.call.audio_s = self.samples_16k / SAMPLE_RATE_HZ
        return pb.StreamAnimateResponse(summary=pb.StreamSummary(
            num_frames=self.session.frames_emitted, audio_duration_s=self.call.audio_s,
            emotion_used=convert.track_to_pb(self.session.track), fell_behind_s=fell_behind_s))

    def _finish(self) -> list[tuple[int, np.ndarray]]:
        tail = self.decoder.finish()
        if self.samples_16k + len(tail) == 0:
            raise InputError("the stream contained no audio")
        self.samples_16k += len(tail)
        return [self.session.push(tail), self.session.finish()]

    def _push_livelink(self, frames: np.ndarray) -> None:
        if self.livelink_frames is not None and len(frames):
            full = np.zeros((len(frames), len(rig())), np.float32)  # (n, 174), unselected controls 0
            full[:, self._livelink_columns] = frames
            self.livelink_frames.push(full)

    def end_livelink(self, exc: BaseException | None) -> None:
        """End the Live Link line of a stream that failed or was cancelled (``exc``)."""
        if self.livelink_frames is None:
            return
        cancelled = isinstance(exc, GeneratorExit) or (isinstance(exc, RpcError) and exc.code in (
            grpc.StatusCode.CANCELLED, grpc.StatusCode.DEADLINE_EXCEEDED)) or not self.context.is_active()
        if cancelled:
            self.servicer.livelink_hub.cancel(self.livelink_line, "the gRPC caller went away")
        else:
            self.livelink_frames.fail(f"stream failed: {exc}")
        self.livelink_frames = None

    @staticmethod
    def _batch(first: int, frames: np.ndarray) -> pb.StreamAnimateResponse:
        return pb.StreamAnimateResponse(frames=pb.FrameBatch(
            first_frame_index=first, first_time_s=first / FPS, num_frames=len(frames),
            frames_f32le=convert.frames_to_bytes(frames)))
