from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PcmEncoding(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PCM_ENCODING_UNSPECIFIED: _ClassVar[PcmEncoding]
    PCM_ENCODING_S16LE: _ClassVar[PcmEncoding]
    PCM_ENCODING_F32LE: _ClassVar[PcmEncoding]
PCM_ENCODING_UNSPECIFIED: PcmEncoding
PCM_ENCODING_S16LE: PcmEncoding
PCM_ENCODING_F32LE: PcmEncoding

class PcmFormat(_message.Message):
    __slots__ = ("encoding", "sample_rate_hz", "channels")
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_HZ_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    encoding: PcmEncoding
    sample_rate_hz: int
    channels: int
    def __init__(self, encoding: _Optional[_Union[PcmEncoding, str]] = ..., sample_rate_hz: _Optional[int] = ..., channels: _Optional[int] = ...) -> None: ...

class EmotionWeights(_message.Message):
    __slots__ = ("weights",)
    class WeightsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    weights: _containers.ScalarMap[str, float]
    def __init__(self, weights: _Optional[_Mapping[str, float]] = ...) -> None: ...

class EmotionKey(_message.Message):
    __slots__ = ("time_s", "label", "weights", "intensity", "transition_s")
    TIME_S_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    INTENSITY_FIELD_NUMBER: _ClassVar[int]
    TRANSITION_S_FIELD_NUMBER: _ClassVar[int]
    time_s: float
    label: str
    weights: EmotionWeights
    intensity: float
    transition_s: float
    def __init__(self, time_s: _Optional[float] = ..., label: _Optional[str] = ..., weights: _Optional[_Union[EmotionWeights, _Mapping]] = ..., intensity: _Optional[float] = ..., transition_s: _Optional[float] = ...) -> None: ...

class EmotionTrack(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[EmotionKey]
    def __init__(self, keys: _Optional[_Iterable[_Union[EmotionKey, _Mapping]]] = ...) -> None: ...

class ConstantEmotion(_message.Message):
    __slots__ = ("label", "intensity")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    INTENSITY_FIELD_NUMBER: _ClassVar[int]
    label: str
    intensity: float
    def __init__(self, label: _Optional[str] = ..., intensity: _Optional[float] = ...) -> None: ...

class Emotion(_message.Message):
    __slots__ = ("constant", "track")
    CONSTANT_FIELD_NUMBER: _ClassVar[int]
    TRACK_FIELD_NUMBER: _ClassVar[int]
    constant: ConstantEmotion
    track: EmotionTrack
    def __init__(self, constant: _Optional[_Union[ConstantEmotion, _Mapping]] = ..., track: _Optional[_Union[EmotionTrack, _Mapping]] = ...) -> None: ...

class SmoothingOptions(_message.Message):
    __slots__ = ("enabled", "window_frames", "polyorder")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FRAMES_FIELD_NUMBER: _ClassVar[int]
    POLYORDER_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    window_frames: int
    polyorder: int
    def __init__(self, enabled: _Optional[bool] = ..., window_frames: _Optional[int] = ..., polyorder: _Optional[int] = ...) -> None: ...

class BlinkOptions(_message.Message):
    __slots__ = ("enabled", "mu", "sigma", "min_rate_per_min", "max_rate_per_min")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    MU_FIELD_NUMBER: _ClassVar[int]
    SIGMA_FIELD_NUMBER: _ClassVar[int]
    MIN_RATE_PER_MIN_FIELD_NUMBER: _ClassVar[int]
    MAX_RATE_PER_MIN_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    mu: float
    sigma: float
    min_rate_per_min: float
    max_rate_per_min: float
    def __init__(self, enabled: _Optional[bool] = ..., mu: _Optional[float] = ..., sigma: _Optional[float] = ..., min_rate_per_min: _Optional[float] = ..., max_rate_per_min: _Optional[float] = ...) -> None: ...

class GazeOptions(_message.Message):
    __slots__ = ("enabled", "hold_min_frames", "hold_max_frames", "radius_min", "radius_max", "return_to_centre_prob", "transition_frames", "x_control", "y_control")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    HOLD_MIN_FRAMES_FIELD_NUMBER: _ClassVar[int]
    HOLD_MAX_FRAMES_FIELD_NUMBER: _ClassVar[int]
    RADIUS_MIN_FIELD_NUMBER: _ClassVar[int]
    RADIUS_MAX_FIELD_NUMBER: _ClassVar[int]
    RETURN_TO_CENTRE_PROB_FIELD_NUMBER: _ClassVar[int]
    TRANSITION_FRAMES_FIELD_NUMBER: _ClassVar[int]
    X_CONTROL_FIELD_NUMBER: _ClassVar[int]
    Y_CONTROL_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    hold_min_frames: int
    hold_max_frames: int
    radius_min: float
    radius_max: float
    return_to_centre_prob: float
    transition_frames: int
    x_control: str
    y_control: str
    def __init__(self, enabled: _Optional[bool] = ..., hold_min_frames: _Optional[int] = ..., hold_max_frames: _Optional[int] = ..., radius_min: _Optional[float] = ..., radius_max: _Optional[float] = ..., return_to_centre_prob: _Optional[float] = ..., transition_frames: _Optional[int] = ..., x_control: _Optional[str] = ..., y_control: _Optional[str] = ...) -> None: ...

class GainOptions(_message.Message):
    __slots__ = ("mouth", "upper_face", "controls")
    class ControlsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    MOUTH_FIELD_NUMBER: _ClassVar[int]
    UPPER_FACE_FIELD_NUMBER: _ClassVar[int]
    CONTROLS_FIELD_NUMBER: _ClassVar[int]
    mouth: float
    upper_face: float
    controls: _containers.ScalarMap[str, float]
    def __init__(self, mouth: _Optional[float] = ..., upper_face: _Optional[float] = ..., controls: _Optional[_Mapping[str, float]] = ...) -> None: ...

class SpeechGateOptions(_message.Message):
    __slots__ = ("detector", "preroll_s", "hangover_s", "ramp_s", "onset_s")
    DETECTOR_FIELD_NUMBER: _ClassVar[int]
    PREROLL_S_FIELD_NUMBER: _ClassVar[int]
    HANGOVER_S_FIELD_NUMBER: _ClassVar[int]
    RAMP_S_FIELD_NUMBER: _ClassVar[int]
    ONSET_S_FIELD_NUMBER: _ClassVar[int]
    detector: str
    preroll_s: float
    hangover_s: float
    ramp_s: float
    onset_s: float
    def __init__(self, detector: _Optional[str] = ..., preroll_s: _Optional[float] = ..., hangover_s: _Optional[float] = ..., ramp_s: _Optional[float] = ..., onset_s: _Optional[float] = ...) -> None: ...

class Options(_message.Message):
    __slots__ = ("smoothing", "blink", "gaze", "gains", "speech_gate", "controls", "seed")
    SMOOTHING_FIELD_NUMBER: _ClassVar[int]
    BLINK_FIELD_NUMBER: _ClassVar[int]
    GAZE_FIELD_NUMBER: _ClassVar[int]
    GAINS_FIELD_NUMBER: _ClassVar[int]
    SPEECH_GATE_FIELD_NUMBER: _ClassVar[int]
    CONTROLS_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    smoothing: SmoothingOptions
    blink: BlinkOptions
    gaze: GazeOptions
    gains: GainOptions
    speech_gate: SpeechGateOptions
    controls: _containers.RepeatedScalarFieldContainer[str]
    seed: int
    def __init__(self, smoothing: _Optional[_Union[SmoothingOptions, _Mapping]] = ..., blink: _Optional[_Union[BlinkOptions, _Mapping]] = ..., gaze: _Optional[_Union[GazeOptions, _Mapping]] = ..., gains: _Optional[_Union[GainOptions, _Mapping]] = ..., speech_gate: _Optional[_Union[SpeechGateOptions, _Mapping]] = ..., controls: _Optional[_Iterable[str]] = ..., seed: _Optional[int] = ...) -> None: ...

class GetInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AudioLimits(_message.Message):
    __slots__ = ("encoded_formats", "pcm_encodings", "min_sample_rate_hz", "max_sample_rate_hz", "max_channels", "max_clip_s", "max_chunk_s", "max_message_bytes", "stream_idle_timeout_s", "default_lookahead_s", "stream_capacity", "open_streams", "stream_max_lag_s", "max_emotion_keys", "max_emotion_keys_per_chunk", "stream_wall_grace_s", "stream_wall_per_audio_s")
    ENCODED_FORMATS_FIELD_NUMBER: _ClassVar[int]
    PCM_ENCODINGS_FIELD_NUMBER: _ClassVar[int]
    MIN_SAMPLE_RATE_HZ_FIELD_NUMBER: _ClassVar[int]
    MAX_SAMPLE_RATE_HZ_FIELD_NUMBER: _ClassVar[int]
    MAX_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    MAX_CLIP_S_FIELD_NUMBER: _ClassVar[int]
    MAX_CHUNK_S_FIELD_NUMBER: _ClassVar[int]
    MAX_MESSAGE_BYTES_FIELD_NUMBER: _ClassVar[int]
    STREAM_IDLE_TIMEOUT_S_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_LOOKAHEAD_S_FIELD_NUMBER: _ClassVar[int]
    STREAM_CAPACITY_FIELD_NUMBER: _ClassVar[int]
    OPEN_STREAMS_FIELD_NUMBER: _ClassVar[int]
    STREAM_MAX_LAG_S_FIELD_NUMBER: _ClassVar[int]
    MAX_EMOTION_KEYS_FIELD_NUMBER: _ClassVar[int]
    MAX_EMOTION_KEYS_PER_CHUNK_FIELD_NUMBER: _ClassVar[int]
    STREAM_WALL_GRACE_S_FIELD_NUMBER: _ClassVar[int]
    STREAM_WALL_PER_AUDIO_S_FIELD_NUMBER: _ClassVar[int]
    encoded_formats: _containers.RepeatedScalarFieldContainer[str]
    pcm_encodings: _containers.RepeatedScalarFieldContainer[str]
    min_sample_rate_hz: int
    max_sample_rate_hz: int
    max_channels: int
    max_clip_s: float
    max_chunk_s: float
    max_message_bytes: int
    stream_idle_timeout_s: float
    default_lookahead_s: float
    stream_capacity: int
    open_streams: int
    stream_max_lag_s: float
    max_emotion_keys: int
    max_emotion_keys_per_chunk: int
    stream_wall_grace_s: float
    stream_wall_per_audio_s: float
    def __init__(self, encoded_formats: _Optional[_Iterable[str]] = ..., pcm_encodings: _Optional[_Iterable[str]] = ..., min_sample_rate_hz: _Optional[int] = ..., max_sample_rate_hz: _Optional[int] = ..., max_channels: _Optional[int] = ..., max_clip_s: _Optional[float] = ..., max_chunk_s: _Optional[float] = ..., max_message_bytes: _Optional[int] = ..., stream_idle_timeout_s: _Optional[float] = ..., default_lookahead_s: _Optional[float] = ..., stream_capacity: _Optional[int] = ..., open_streams: _Optional[int] = ..., stream_max_lag_s: _Optional[float] = ..., max_emotion_keys: _Optional[int] = ..., max_emotion_keys_per_chunk: _Optional[int] = ..., stream_wall_grace_s: _Optional[float] = ..., stream_wall_per_audio_s: _Optional[float] = ...) -> None: ...

class GetInfoResponse(_message.Message):
    __slots__ = ("model_id", "trained", "provenance_json", "config_json", "fps", "sample_rate_hz", "controls", "emotions", "default_options", "limits", "control_groups")
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    TRAINED_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_JSON_FIELD_NUMBER: _ClassVar[int]
    CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_HZ_FIELD_NUMBER: _ClassVar[int]
    CONTROLS_FIELD_NUMBER: _ClassVar[int]
    EMOTIONS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    CONTROL_GROUPS_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    trained: bool
    provenance_json: str
    config_json: str
    fps: float
    sample_rate_hz: int
    controls: _containers.RepeatedScalarFieldContainer[str]
    emotions: _containers.RepeatedScalarFieldContainer[str]
    default_options: Options
    limits: AudioLimits
    control_groups: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, model_id: _Optional[str] = ..., trained: _Optional[bool] = ..., provenance_json: _Optional[str] = ..., config_json: _Optional[str] = ..., fps: _Optional[float] = ..., sample_rate_hz: _Optional[int] = ..., controls: _Optional[_Iterable[str]] = ..., emotions: _Optional[_Iterable[str]] = ..., default_options: _Optional[_Union[Options, _Mapping]] = ..., limits: _Optional[_Union[AudioLimits, _Mapping]] = ..., control_groups: _Optional[_Iterable[str]] = ...) -> None: ...

class AnimateRequest(_message.Message):
    __slots__ = ("audio", "pcm", "emotion", "options", "livelink_subject")
    AUDIO_FIELD_NUMBER: _ClassVar[int]
    PCM_FIELD_NUMBER: _ClassVar[int]
    EMOTION_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    LIVELINK_SUBJECT_FIELD_NUMBER: _ClassVar[int]
    audio: bytes
    pcm: PcmFormat
    emotion: Emotion
    options: Options
    livelink_subject: str
    def __init__(self, audio: _Optional[bytes] = ..., pcm: _Optional[_Union[PcmFormat, _Mapping]] = ..., emotion: _Optional[_Union[Emotion, _Mapping]] = ..., options: _Optional[_Union[Options, _Mapping]] = ..., livelink_subject: _Optional[str] = ...) -> None: ...

class AnimateResponse(_message.Message):
    __slots__ = ("fps", "controls", "num_frames", "frames_f32le", "options_used", "emotion_used", "model_id", "provenance_json", "blink_onset_frames")
    FPS_FIELD_NUMBER: _ClassVar[int]
    CONTROLS_FIELD_NUMBER: _ClassVar[int]
    NUM_FRAMES_FIELD_NUMBER: _ClassVar[int]
    FRAMES_F32LE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_USED_FIELD_NUMBER: _ClassVar[int]
    EMOTION_USED_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_JSON_FIELD_NUMBER: _ClassVar[int]
    BLINK_ONSET_FRAMES_FIELD_NUMBER: _ClassVar[int]
    fps: float
    controls: _containers.RepeatedScalarFieldContainer[str]
    num_frames: int
    frames_f32le: bytes
    options_used: Options
    emotion_used: EmotionTrack
    model_id: str
    provenance_json: str
    blink_onset_frames: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, fps: _Optional[float] = ..., controls: _Optional[_Iterable[str]] = ..., num_frames: _Optional[int] = ..., frames_f32le: _Optional[bytes] = ..., options_used: _Optional[_Union[Options, _Mapping]] = ..., emotion_used: _Optional[_Union[EmotionTrack, _Mapping]] = ..., model_id: _Optional[str] = ..., provenance_json: _Optional[str] = ..., blink_onset_frames: _Optional[_Iterable[int]] = ...) -> None: ...

class StreamHeader(_message.Message):
    __slots__ = ("pcm", "emotion", "options", "lookahead_s", "livelink_subject")
    PCM_FIELD_NUMBER: _ClassVar[int]
    EMOTION_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    LOOKAHEAD_S_FIELD_NUMBER: _ClassVar[int]
    LIVELINK_SUBJECT_FIELD_NUMBER: _ClassVar[int]
    pcm: PcmFormat
    emotion: Emotion
    options: Options
    lookahead_s: float
    livelink_subject: str
    def __init__(self, pcm: _Optional[_Union[PcmFormat, _Mapping]] = ..., emotion: _Optional[_Union[Emotion, _Mapping]] = ..., options: _Optional[_Union[Options, _Mapping]] = ..., lookahead_s: _Optional[float] = ..., livelink_subject: _Optional[str] = ...) -> None: ...

class AudioChunk(_message.Message):
    __slots__ = ("data", "emotion_keys")
    DATA_FIELD_NUMBER: _ClassVar[int]
    EMOTION_KEYS_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    emotion_keys: _containers.RepeatedCompositeFieldContainer[EmotionKey]
    def __init__(self, data: _Optional[bytes] = ..., emotion_keys: _Optional[_Iterable[_Union[EmotionKey, _Mapping]]] = ...) -> None: ...

class EndOfAudio(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StreamAnimateRequest(_message.Message):
    __slots__ = ("header", "chunk", "end_of_audio")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    END_OF_AUDIO_FIELD_NUMBER: _ClassVar[int]
    header: StreamHeader
    chunk: AudioChunk
    end_of_audio: EndOfAudio
    def __init__(self, header: _Optional[_Union[StreamHeader, _Mapping]] = ..., chunk: _Optional[_Union[AudioChunk, _Mapping]] = ..., end_of_audio: _Optional[_Union[EndOfAudio, _Mapping]] = ...) -> None: ...

class StreamResponseHeader(_message.Message):
    __slots__ = ("fps", "controls", "options_used", "model_id", "lookahead_s")
    FPS_FIELD_NUMBER: _ClassVar[int]
    CONTROLS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_USED_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    LOOKAHEAD_S_FIELD_NUMBER: _ClassVar[int]
    fps: float
    controls: _containers.RepeatedScalarFieldContainer[str]
    options_used: Options
    model_id: str
    lookahead_s: float
    def __init__(self, fps: _Optional[float] = ..., controls: _Optional[_Iterable[str]] = ..., options_used: _Optional[_Union[Options, _Mapping]] = ..., model_id: _Optional[str] = ..., lookahead_s: _Optional[float] = ...) -> None: ...

class FrameBatch(_message.Message):
    __slots__ = ("first_frame_index", "first_time_s", "num_frames", "frames_f32le")
    FIRST_FRAME_INDEX_FIELD_NUMBER: _ClassVar[int]
    FIRST_TIME_S_FIELD_NUMBER: _ClassVar[int]
    NUM_FRAMES_FIELD_NUMBER: _ClassVar[int]
    FRAMES_F32LE_FIELD_NUMBER: _ClassVar[int]
    first_frame_index: int
    first_time_s: float
    num_frames: int
    frames_f32le: bytes
    def __init__(self, first_frame_index: _Optional[int] = ..., first_time_s: _Optional[float] = ..., num_frames: _Optional[int] = ..., frames_f32le: _Optional[bytes] = ...) -> None: ...

class StreamSummary(_message.Message):
    __slots__ = ("num_frames", "audio_duration_s", "emotion_used", "fell_behind_s")
    NUM_FRAMES_FIELD_NUMBER: _ClassVar[int]
    AUDIO_DURATION_S_FIELD_NUMBER: _ClassVar[int]
    EMOTION_USED_FIELD_NUMBER: _ClassVar[int]
    FELL_BEHIND_S_FIELD_NUMBER: _ClassVar[int]
    num_frames: int
    audio_duration_s: float
    emotion_used: EmotionTrack
    fell_behind_s: float
    def __init__(self, num_frames: _Optional[int] = ..., audio_duration_s: _Optional[float] = ..., emotion_used: _Optional[_Union[EmotionTrack, _Mapping]] = ..., fell_behind_s: _Optional[float] = ...) -> None: ...

class StreamAnimateResponse(_message.Message):
    __slots__ = ("header", "frames", "summary")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    header: StreamResponseHeader
    frames: FrameBatch
    summary: StreamSummary
    def __init__(self, header: _Optional[_Union[StreamResponseHeader, _Mapping]] = ..., frames: _Optional[_Union[FrameBatch, _Mapping]] = ..., summary: _Optional[_Union[StreamSummary, _Mapping]] = ...) -> None: ...
