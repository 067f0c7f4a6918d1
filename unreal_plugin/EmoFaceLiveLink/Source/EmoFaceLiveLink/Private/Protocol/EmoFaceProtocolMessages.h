// EmoFace Bridge Live Link plugin, protocol core: the messages of the EmoFace Live Link wire protocol 1.0.
//
// Plain C++17 (no Unreal headers, no exceptions, no RTTI), so that it compiles and is tested with g++
// outside the engine (tests/unreal/test_protocol_core.py). One struct per message type of
// docs/livelink_protocol.md, with the spec's fields in camelCase, and `Message`, the variant of them all.
// The Python reference is server/livelink/messages.py. Include EmoFaceProtocol.h for the codec.
//
// Enumerated fields (encoding, status, code) hold any value that arrives: like the Python decoder,
// the core passes unknown values on and leaves their meaning to the caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace emoface::protocol
{

/** The 4 bytes that open HELLO and SERVER_HELLO. */
constexpr uint8_t kMagic[4] = {'E', 'F', 'L', 'L'};
/** Major version this core speaks; peers with another major do not interoperate. */
constexpr uint16_t kVersionMajor = 1;
/** Minor version this core speaks (a minor version only adds message types). */
constexpr uint16_t kVersionMinor = 0;
/** Largest accepted message `length` (type byte + payload): 64 MiB. */
constexpr uint32_t kMaxMessageBytes = 64u * 1024u * 1024u;
/** Largest `str` in UTF-8 bytes, and largest `u16 count` of a list. */
constexpr size_t kMaxU16 = 0xFFFF;
/** LINE_START.frameCount of a line whose length is not known in advance (a gRPC stream). */
constexpr uint32_t kUnknownFrameCount = 0xFFFFFFFFu;
/** SUBMIT_LINE flag bit 0: send the frames in real time (live preview). */
constexpr uint8_t kFlagPaced = 1;
/** SUBMIT_LINE flag bit 1: end the subject's current and queued lines and start this one at once. */
constexpr uint8_t kFlagInterrupt = 2;

/** The wire type codes. */
enum class MessageType : uint8_t
{
	Hello = 0x01,
	Subscribe = 0x02,
	Unsubscribe = 0x03,
	SubmitLine = 0x04,
	Heartbeat = 0x05,
	Bye = 0x06,
	ServerHello = 0x81,
	SubjectStatic = 0x82,
	LineStart = 0x83,
	Frame = 0x84,
	LineEnd = 0x85,
	Error = 0x86,
};

/** SUBMIT_LINE.encoding: the PCM sample format of `audio`. */
enum class PcmEncoding : uint8_t
{
	S16LE = 1,
	F32LE = 2,
};

/** LINE_END.status. */
enum class LineStatus : uint8_t
{
	Complete = 0,
	Cancelled = 1,
	Failed = 2,
};

/** ERROR.code. Protocol, UnsupportedVersion and Unauthenticated close the connection. */
enum class ErrorCode : uint16_t
{
	Protocol = 1,
	UnsupportedVersion = 2,
	Unauthenticated = 3,
	InvalidArgument = 4,
	ResourceExhausted = 5,
	Internal = 6,
};

/** True for the codes after which the server closes the connection. */
constexpr bool IsClosingCode(ErrorCode code)
{
	return code == ErrorCode::Protocol || code == ErrorCode::UnsupportedVersion || code == ErrorCode::Unauthenticated;
}

/** 0x01, client -> server, first message of a connection. */
struct Hello
{
	/** Protocol version the client speaks. */
	uint16_t major = kVersionMajor;
	uint16_t minor = kVersionMinor;
	/** Shown in the server's log. */
	std::string clientName;
	/** Bearer token with scope `animate`; empty = none. */
	std::string token;
};

/** 0x02, client -> server. */
struct Subscribe
{
	/** Subjects to receive; empty = every subject, including future ones. */
	std::vector<std::string> subjects;
};

/** 0x03, client -> server. */
struct Unsubscribe
{
	/** Subjects to stop receiving; empty = every subject. */
	std::vector<std::string> subjects;
};

/** 0x04, client -> server: one line of audio to animate for a subject. */
struct SubmitLine
{
	/** Chosen by the client, echoed in LINE_START and ERROR; 0 = none. */
	uint32_t requestId = 0;
	/** Subject (face) to animate. */
	std::string subject;
	/** Sample format of `audio`. */
	PcmEncoding encoding = PcmEncoding::S16LE;
	/** 4,000-192,000 Hz. */
	uint32_t sampleRateHz = 16000;
	/** 1-8 interleaved channels. */
	uint16_t channels = 1;
	/** kFlagPaced | kFlagInterrupt; other bits must be 0. */
	uint8_t flags = 0;
	/** Label spec (`happy:0.6`) or a JSON emotion track; empty = neutral. */
	std::string emotion;
	/** JSON request options (smoothing, blink, gaze, gains, seed); empty = defaults. */
	std::string optionsJson;
	/** Interleaved PCM bytes. */
	std::vector<uint8_t> audio;
};

/** 0x05, both directions: sent after 1 s with nothing else to send. */
struct Heartbeat
{
	/** Unix time of the sender, s. */
	double senderTimeS = 0.0;
};

/** 0x06, both directions, empty: the sender closes the connection after it. */
struct Bye
{
};

/** 0x81, server -> client: the answer to HELLO. */
struct ServerHello
{
	/** Protocol version the server speaks. */
	uint16_t major = kVersionMajor;
	uint16_t minor = kVersionMinor;
	/** The server's name. */
	std::string serverName;
	/** The model the server animates with. */
	std::string modelId;
	/** The server's Unix time when it sent this, s. */
	double serverTimeS = 0.0;
};

/** 0x82, server -> client: a subject's controls, before its first LINE_START on a connection. */
struct SubjectStatic
{
	/** Subject name. */
	std::string subject;
	/** Frame rate as a rational number (60/1 today). */
	uint32_t fpsNumerator = 60;
	uint32_t fpsDenominator = 1;
	/** Face-board control names in Unreal form (`CTRL_C_jaw.ty`), in frame value order. */
	std::vector<std::string> controls;
};

/** 0x83, server -> client: a line begins (before its first FRAME). */
struct LineStart
{
	/** Subject the line animates. */
	std::string subject;
	/** Server-wide unique line number. */
	uint32_t lineId = 0;
	/** SUBMIT_LINE.requestId of the line, 0 for lines of other clients or of gRPC requests. */
	uint32_t requestId = 0;
	/** Unix time of frame 0 on the server's clock, s. */
	double startTimeS = 0.0;
	/** Total frames, or kUnknownFrameCount. */
	uint32_t frameCount = 0;
};

/** 0x84, server -> client: one frame of a line. */
struct Frame
{
	/** Subject the frame animates. */
	std::string subject;
	/** The line it belongs to. */
	uint32_t lineId = 0;
	/** 0 for the first frame of every line. */
	uint32_t frameIndex = 0;
	/** frameIndex * fpsDenominator / fpsNumerator: time relative to LINE_START.startTimeS, s. */
	double timeS = 0.0;
	/** One value per SUBJECT_STATIC control, in that order. */
	std::vector<float> values;
};

/** 0x85, server -> client: a line ended. */
struct LineEnd
{
	/** Subject of the line. */
	std::string subject;
	/** The line that ended. */
	uint32_t lineId = 0;
	/** FRAMEs the server sent for the line. */
	uint32_t framesSent = 0;
	/** How it ended. */
	LineStatus status = LineStatus::Complete;
	/** Why it failed or was cancelled; may be empty. */
	std::string message;
};

/** 0x86, server -> client: a refused request or a connection-level failure. */
struct Error
{
	/** The SUBMIT_LINE it is about, 0 = not about a request. */
	uint32_t requestId = 0;
	/** What went wrong (closing codes: see IsClosingCode). */
	ErrorCode code = ErrorCode::Internal;
	/** Human-readable explanation. */
	std::string message;
};

/** A message of a type this version does not know; receivers skip it. Never encoded. */
struct UnknownMessage
{
	/** Its wire type code. */
	uint8_t type = 0;
	/** Bytes after the type byte. */
	uint32_t payloadBytes = 0;
};

/** Any message. The alternatives' order is fixed (the plugin names them by index). */
using Message = std::variant<Hello, Subscribe, Unsubscribe, SubmitLine, Heartbeat, Bye, ServerHello, SubjectStatic,
	LineStart, Frame, LineEnd, Error, UnknownMessage>;

}  // namespace emoface::protocol
