"""Every limit that bounds the work and memory one client can ask of the service, with its default.

The single home of these numbers: the gRPC service, the Live Link server and docs/service.md
("Limits") refer here. Each limit is checked as early as possible (on a message's length prefix,
on a protobuf repeated field's length) so a client that exceeds it costs almost nothing.
"""
from __future__ import annotations

import time
from collections import deque

MIB = 1024 * 1024

# ---------------------------------------------------------------- audio (every protocol)
MIN_SAMPLE_RATE_HZ = 4_000  # accepted input sample rates (resampled to the model's 16 kHz)
MAX_SAMPLE_RATE_HZ = 192_000
MAX_CHANNELS = 8  # input channels (mixed to mono)
MAX_CLIP_S = 300.0  # longest clip, stream or Live Link line (ServiceConfig.max_clip_s)
MAX_CHUNK_S = 10.0  # longest stream chunk (ServiceConfig.max_chunk_s)

# ---------------------------------------------------------------- gRPC calls
MAX_MESSAGE_BYTES = 64 * MIB  # largest request or response (ServiceConfig.max_message_bytes)
STREAM_IDLE_TIMEOUT_S = 30.0  # a stream that sends nothing this long is ended
MAX_CONCURRENT_REQUESTS = 32  # Animate calls plus open streams; more are RESOURCE_EXHAUSTED
# ---------------------------------------------------------------- real-time stream capacity
STREAM_CAPACITY = 0  # open streams a replica serves in real time (0 = measured at start-up)
REALTIME_SHARE = 0.35  # share of the CPU the measured model work of stream steps may fill (the rest: the streams' gRPC and
# Python work the probe does not time, whole clips); at 0.45 the 21 streams admitted fell behind where 16 kept up
STREAM_MAX_LAG_S = 2.0  # a stream whose frames fall this far behind its audio is told so and ended
STREAM_RETRY_AFTER_S = 1.0  # retry hint given with a refused stream (grpc-retry-pushback-ms)
STREAM_READ_AHEAD_MESSAGES = 256  # stream messages buffered ahead of the model per stream ...
STREAM_READ_AHEAD_BYTES = 16 * MIB  # ... and their bytes (beyond: gRPC flow control holds the client)

# ---------------------------------------------------------------- emotion tracks (gRPC and Live Link)
EMOTION_KEYS_MAX = 4096  # keys in one request (unary) or one stream in total (header + chunks)
EMOTION_KEYS_BASE = 16  # keys any request may carry, however short its audio ...
EMOTION_KEYS_PER_AUDIO_S = 20.0  # ... plus this many per second of audio
EMOTION_KEYS_PER_CHUNK = 64  # keys on one stream chunk

# ---------------------------------------------------------------- wall time bounded by audio (gRPC streams)
STREAM_WALL_GRACE_S = 30.0  # a stream may run this long ...
STREAM_WALL_PER_AUDIO_S = 4.0  # ... plus this multiple of its audio's duration, then DEADLINE_EXCEEDED

# ---------------------------------------------------------------- encoded (not PCM) stream audio
ENCODED_BYTES_PER_AUDIO_S = 8000  # an encoded stream's bytes count as audio at 64 kbit/s for its wall time
# Bytes buffered per second of the clip limit: float32 48 kHz stereo (115 MB at the 300 s default);
# longer or richer audio streams as raw PCM, which is converted chunk by chunk and not buffered.
ENCODED_BYTES_PER_CLIP_S = 4 * 48_000 * 2

# ---------------------------------------------------------------- Live Link connections
LIVELINK_MESSAGE_BYTES = 64 * MIB  # largest Live Link message (length = type byte + payload)
LIVELINK_IDLE_TIMEOUT_S = 10.0  # a connection that sends nothing this long gets BYE
LIVELINK_MAX_OUTGOING_BYTES = 32 * MIB  # queued for one client before it counts as not reading
LIVELINK_MAX_CLIENTS = 64  # connections at once
LIVELINK_LINES_PER_SUBJECT = 16  # lines queued or playing per subject
LIVELINK_SUBJECTS = 256  # subjects with lines queued or playing at once
LIVELINK_HELLO_DEADLINE_S = 10.0  # absolute: HELLO must be answered this long after accept, however it drips
LIVELINK_PRE_HELLO_MESSAGE_BYTES = 64 * 1024  # largest message before a HELLO is accepted (auth included)
LIVELINK_CONTROL_MESSAGE_BYTES = 1 * MIB  # largest message of any type but SUBMIT_LINE
LIVELINK_CONNECTIONS_PER_PEER = 16  # open connections from one peer IP address
LIVELINK_SUBJECT_BYTES = 1024  # longest subject name (UTF-8)
LIVELINK_PENDING_LINES = 4  # SUBMIT_LINEs of one connection whose audio waits for the model
LIVELINK_SUBSCRIPTIONS = 256  # subject names one connection may subscribe to
LIVELINK_EMOTION_TEXT_BYTES = 1 * MIB  # SUBMIT_LINE emotion string (a JSON track of EMOTION_KEYS_MAX keys fits)
LIVELINK_OPTIONS_JSON_BYTES = 64 * 1024  # SUBMIT_LINE options_json

# ---------------------------------------------------------------- logging of refused clients
REFUSED_LOG_BURST = 5  # WARNING lines about refused authentication per period ...
REFUSED_LOG_PERIOD_S = 10.0  # ... then one summary line with the count suppressed


def keys_allowed(audio_s: float) -> int:
    """Emotion keys allowed for ``audio_s`` seconds of audio (never more than :data:`EMOTION_KEYS_MAX`)."""
    return min(EMOTION_KEYS_MAX, EMOTION_KEYS_BASE + int(EMOTION_KEYS_PER_AUDIO_S * max(0.0, audio_s)))


def wall_time_allowed_s(audio_s: float, grace_s: float = STREAM_WALL_GRACE_S,
                        per_audio_s: float = STREAM_WALL_PER_AUDIO_S) -> float:
    """Wall time a stream with ``audio_s`` seconds of audio so far may have taken."""
    return grace_s + per_audio_s * max(0.0, audio_s)


def encoded_bytes_allowed(max_clip_s: float) -> int:
    """Encoded (WAV/FLAC/OGG) bytes a stream may buffer under a clip limit of ``max_clip_s``."""
    return int(ENCODED_BYTES_PER_CLIP_S * max_clip_s)


class LogLimiter:
    """Allows at most ``burst`` events per ``period_s``; counts the ones it suppresses."""

    def __init__(self, burst: int = REFUSED_LOG_BURST, period_s: float = REFUSED_LOG_PERIOD_S):
        self.burst, self.period_s = burst, period_s
        self._times: deque[float] = deque()
        self.suppressed = 0

    def allow(self) -> bool:
        now = time.monotonic()
        while self._times and now - self._times[0] > self.period_s:
            self._times.popleft()
        if len(self._times) < self.burst:
            self._times.append(now)
            return True
        self.suppressed += 1
        return False

