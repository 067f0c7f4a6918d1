// EmoFace Bridge Live Link plugin, protocol core: the encoder (see EmoFaceProtocol.h).
#include "EmoFaceProtocol.h"

#include "EmoFaceUtf8.h"

#include <cstring>
#include <utility>

namespace emoface::protocol
{
namespace
{

/** Appends little-endian fields to a message; the first failure is kept and later writes do nothing. */
class WireWriter
{
public:
	WireWriter(std::vector<uint8_t>& out, const char* what, CodecError& error)
		: Out_(out)
		, What_(what)
		, Error_(error)
	{
	}

	/** `u8`, `u16`, `u32`: unsigned little-endian. */
	void U8(uint8_t value) { Out_.push_back(value); }
	void U16(uint16_t value) { Little(value, 2); }
	void U32(uint32_t value) { Little(value, 4); }

	/** `f64`: IEEE-754 little-endian, bit for bit (NaN payloads included). */
	void F64(double value)
	{
		uint64_t bits = 0;
		std::memcpy(&bits, &value, sizeof bits);
		Little(bits, 8);
	}

	/** The 4 bytes EFLL. */
	void Magic() { Out_.insert(Out_.end(), kMagic, kMagic + sizeof kMagic); }

	/** `str`: u16 byte length + UTF-8 (checked: the receiver would reject invalid UTF-8). */
	void Str(const char* field, const std::string& text)
	{
		const uint8_t* bytes = reinterpret_cast<const uint8_t*>(text.data());
		Utf8Problem problem;
		if (text.size() > kMaxU16)
		{
			Fail(std::string("field ") + field + ": string of " + std::to_string(text.size())
				+ " UTF-8 bytes exceeds 65535");
		}
		else if (!IsValidUtf8(bytes, text.size(), problem))
		{
			Fail(std::string("field ") + field + ": not valid UTF-8 (" + problem.reason + " at byte "
				+ std::to_string(problem.offset) + ")");
		}
		if (Ok_)
		{
			U16(static_cast<uint16_t>(text.size()));
			Out_.insert(Out_.end(), bytes, bytes + text.size());
		}
	}

	/** `bytes`: u32 length + data; anything above the message limit cannot fit. */
	void Bytes(const char* field, const std::vector<uint8_t>& data)
	{
		if (data.size() > kMaxMessageBytes)
		{
			Fail(std::string("field ") + field + ": " + std::to_string(data.size()) + " bytes exceed the message limit",
				ErrorKind::Oversized);
			return;
		}
		U32(static_cast<uint32_t>(data.size()));
		Out_.insert(Out_.end(), data.begin(), data.end());
	}

	/** `u16 count` + `count x str`. */
	void Strs(const char* field, const std::vector<std::string>& items)
	{
		if (Count(field, items.size()))
		{
			for (const std::string& item : items)
			{
				Str(field, item);
			}
		}
	}

	/** `u16 count` + `count x f32`. */
	void F32s(const char* field, const std::vector<float>& values)
	{
		if (Count(field, values.size()))
		{
			for (const float value : values)
			{
				uint32_t bits = 0;
				std::memcpy(&bits, &value, sizeof bits);
				Little(bits, 4);
			}
		}
	}

	/** False once a field failed. */
	bool Ok() const { return Ok_; }

	/** Record the first failure (the message type's name is prepended). */
	void Fail(std::string message, ErrorKind kind = ErrorKind::Unencodable)
	{
		if (Ok_)
		{
			Ok_ = false;
			Error_ = CodecError{kind, std::string(What_) + ": " + std::move(message)};
		}
	}

private:
	/** The low `bytes` bytes of `value`, least significant first. */
	void Little(uint64_t value, int bytes)
	{
		for (int i = 0; i < bytes; ++i)
		{
			Out_.push_back(static_cast<uint8_t>(value >> (8 * i)));
		}
	}

	/** Write a list's u16 count; false (failed) if it does not fit. */
	bool Count(const char* field, size_t count)
	{
		if (count > kMaxU16)
		{
			Fail(std::string("field ") + field + ": " + std::to_string(count)
				+ " items exceed the u16 count limit 65535");
			return false;
		}
		U16(static_cast<uint16_t>(count));
		return true;
	}

	/** The message being built. */
	std::vector<uint8_t>& Out_;
	/** The message type's name, for error messages. */
	const char* What_;
	/** Where the first failure goes. */
	CodecError& Error_;
	/** No field failed so far. */
	bool Ok_ = true;
};

/** Write the payload of each message type (field order and kinds of docs/livelink_protocol.md). */
void WritePayload(WireWriter& w, const Message& message)
{
	if (const Hello* hello = std::get_if<Hello>(&message))
	{
		w.Magic();
		w.U16(hello->major);
		w.U16(hello->minor);
		w.Str("client_name", hello->clientName);
		w.Str("token", hello->token);
	}
	else if (const Subscribe* subscribe = std::get_if<Subscribe>(&message))
	{
		w.Strs("subjects", subscribe->subjects);
	}
	else if (const Unsubscribe* unsubscribe = std::get_if<Unsubscribe>(&message))
	{
		w.Strs("subjects", unsubscribe->subjects);
	}
	else if (const SubmitLine* line = std::get_if<SubmitLine>(&message))
	{
		w.U32(line->requestId);
		w.Str("subject", line->subject);
		w.U8(static_cast<uint8_t>(line->encoding));
		w.U32(line->sampleRateHz);
		w.U16(line->channels);
		w.U8(line->flags);
		w.Str("emotion", line->emotion);
		w.Str("options_json", line->optionsJson);
		w.Bytes("audio", line->audio);
	}
	else if (const Heartbeat* beat = std::get_if<Heartbeat>(&message))
	{
		w.F64(beat->senderTimeS);
	}
	else if (const ServerHello* server = std::get_if<ServerHello>(&message))
	{
		w.Magic();
		w.U16(server->major);
		w.U16(server->minor);
		w.Str("server_name", server->serverName);
		w.Str("model_id", server->modelId);
		w.F64(server->serverTimeS);
	}
	else if (const SubjectStatic* subject = std::get_if<SubjectStatic>(&message))
	{
		w.Str("subject", subject->subject);
		w.U32(subject->fpsNumerator);
		w.U32(subject->fpsDenominator);
		w.Strs("controls", subject->controls);
	}
	else if (const LineStart* start = std::get_if<LineStart>(&message))
	{
		w.Str("subject", start->subject);
		w.U32(start->lineId);
		w.U32(start->requestId);
		w.F64(start->startTimeS);
		w.U32(start->frameCount);
	}
	else if (const Frame* frame = std::get_if<Frame>(&message))
	{
		w.Str("subject", frame->subject);
		w.U32(frame->lineId);
		w.U32(frame->frameIndex);
		w.F64(frame->timeS);
		w.F32s("values", frame->values);
	}
	else if (const LineEnd* end = std::get_if<LineEnd>(&message))
	{
		w.Str("subject", end->subject);
		w.U32(end->lineId);
		w.U32(end->framesSent);
		w.U8(static_cast<uint8_t>(end->status));
		w.Str("message", end->message);
	}
	else if (const Error* error = std::get_if<Error>(&message))
	{
		w.U32(error->requestId);
		w.U16(static_cast<uint16_t>(error->code));
		w.Str("message", error->message);
	}
	else if (const UnknownMessage* unknown = std::get_if<UnknownMessage>(&message))
	{
		w.Fail("cannot encode an unknown message (type " + std::to_string(unknown->type) + ")");
	}
	// Bye: empty payload.
}

}  // namespace

bool Encode(const Message& message, std::vector<uint8_t>& out, CodecError& error)
{
	out.clear();
	WireWriter writer(out, TypeName(TypeCode(message)), error);
	writer.U32(0);  // length, patched below
	writer.U8(TypeCode(message));
	WritePayload(writer, message);
	if (writer.Ok() && out.size() - 4 > kMaxMessageBytes)
	{
		writer.Fail("message of " + std::to_string(out.size() - 4) + " bytes exceeds "
			+ std::to_string(kMaxMessageBytes), ErrorKind::Oversized);
	}
	if (!writer.Ok())
	{
		out.clear();
		return false;
	}
	const size_t length = out.size() - 4;
	for (size_t i = 0; i < 4; ++i)
	{
		out[i] = static_cast<uint8_t>(length >> (8 * i));
	}
	return true;
}

std::vector<uint8_t> Encode(const Message& message)
{
	std::vector<uint8_t> out;
	CodecError error;
	Encode(message, out, error);
	return out;
}

}  // namespace emoface::protocol
