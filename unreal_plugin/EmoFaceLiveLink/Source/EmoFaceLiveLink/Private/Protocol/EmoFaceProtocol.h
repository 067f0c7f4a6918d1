// EmoFace Bridge Live Link plugin, protocol core: encoder and incremental decoder of the wire protocol 1.0.
//
// Plain C++17 (no Unreal headers, no exceptions, no RTTI), tested with g++ against the shared vectors
// in tests/data/livelink_vectors/ (tests/unreal/test_protocol_core.py). It behaves like the Python
// reference server/livelink/codec.py: a message is `u32 length` + `u8 type` + payload, little-endian;
// a length of 0 or above the limit fails as soon as its 4 bytes arrive; fields must fill the length
// exactly; strings must be valid UTF-8; HELLO/SERVER_HELLO must carry the magic EFLL; unknown types
// decode to UnknownMessage. Malformed input never crashes: it yields a CodecError whose kind names
// the problem, the same kind the Python decoder raises.
#pragma once

#include "EmoFaceProtocolMessages.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace emoface::protocol
{

/** What is wrong with bytes (decoding) or with a message (encoding); the Python ProtocolError kinds. */
enum class ErrorKind : uint8_t
{
	/** A field runs past the message's length, or the stream ended inside a message. */
	Truncated,
	/** A length above the limit (decoding), or a message too large to encode. */
	Oversized,
	/** A length of 0: it must count at least the type byte. */
	ZeroLength,
	/** The fields end before the message's length does. */
	TrailingBytes,
	/** HELLO or SERVER_HELLO without the magic EFLL. */
	BadMagic,
	/** A string that is not valid UTF-8. */
	BadUtf8,
	/** Encoding only: a string or list over the u16 limit, invalid UTF-8, or an UnknownMessage. */
	Unencodable,
};

/** The Python name of a kind: "truncated", "oversized", "zero_length", "trailing_bytes", ... */
const char* ErrorKindName(ErrorKind kind);

/** A failure of the codec: its kind and a message a human can act on. */
struct CodecError
{
	/** What went wrong. */
	ErrorKind kind = ErrorKind::Truncated;
	/** For example "HEARTBEAT truncated: field sender_time_s needs 8 byte(s) at offset 1, 4 left in the message". */
	std::string message;
};

/** The wire type code of a message (UnknownMessage: its own type). */
uint8_t TypeCode(const Message& message);

/** The spec's name of a type code ("HELLO", "FRAME", ...), "UNKNOWN" for other codes. */
const char* TypeName(uint8_t typeCode);

/** Encode one complete message into `out` (replacing its contents). False, with `error` set, if it cannot be. */
bool Encode(const Message& message, std::vector<uint8_t>& out, CodecError& error);

/** Encode one complete message; empty if it cannot be encoded (use the 3-argument form to know why). */
std::vector<uint8_t> Encode(const Message& message);

/**
 * Decode the message of type `typeCode` whose payload (the bytes after the type byte) is exactly
 * `payload[0..size)`. An unknown type gives UnknownMessage. False, with `error` set, on malformed fields.
 */
bool DecodePayload(uint8_t typeCode, const uint8_t* payload, size_t size, Message& out, CodecError& error);

/** The outcome of StreamDecoder::Next. */
enum class DecodeStatus : uint8_t
{
	/** A complete message was written to the output. */
	Decoded,
	/** No complete message is buffered: feed more bytes. */
	NeedMoreBytes,
	/** The stream is malformed; the decoder stays failed (see Failure()). */
	Failed,
};

/**
 * Incremental decoder of one byte stream: Feed() chunks of any size, then call Next() until it stops
 * returning Decoded. It buffers at most one partial message (of at most the limit) besides what was
 * fed and not yet pulled. After a failure it stays failed and ignores further bytes.
 */
class StreamDecoder
{
public:
	/** `maxMessageBytes`: the largest accepted length (tests use smaller limits). */
	explicit StreamDecoder(uint32_t maxMessageBytes = kMaxMessageBytes) : MaxMessageBytes_(maxMessageBytes) {}

	/** Append received bytes (ignored once failed). */
	void Feed(const uint8_t* data, size_t size);

	/** The next complete message into `out`, or why there is none. */
	DecodeStatus Next(Message& out);

	/** At the end of the stream: false (a Truncated error) if a partial message is buffered, or if failed before. */
	bool Finish();

	/** True after a failure. */
	bool IsFailed() const { return Failed_; }

	/** The first failure (meaningful when IsFailed()). */
	const CodecError& Failure() const { return Error_; }

	/** Bytes received but not yet part of a returned message. */
	size_t Buffered() const { return Buffer_.size() - Offset_; }

private:
	/** Record the first failure; returns DecodeStatus::Failed. */
	DecodeStatus Fail(ErrorKind kind, std::string message);

	/** Largest accepted length. */
	uint32_t MaxMessageBytes_;
	/** Received bytes; those before Offset_ were already decoded. */
	std::vector<uint8_t> Buffer_;
	/** Start of the first undecoded byte in Buffer_. */
	size_t Offset_ = 0;
	/** Set by the first failure. */
	bool Failed_ = false;
	/** The first failure. */
	CodecError Error_;
};

}  // namespace emoface::protocol
