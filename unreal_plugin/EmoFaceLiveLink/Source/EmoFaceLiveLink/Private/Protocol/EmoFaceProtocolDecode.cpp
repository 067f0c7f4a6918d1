// EmoFace Bridge Live Link plugin, protocol core: the decoder (see EmoFaceProtocol.h).
// Error wording follows server/livelink/codec.py; offsets count the type byte, as there.
#include "EmoFaceProtocol.h"

#include "EmoFaceUtf8.h"

#include <cstring>
#include <utility>

namespace emoface::protocol
{
namespace
{

/** Little-endian unsigned integer of `bytes` bytes at `data`. */
uint64_t ReadLittle(const uint8_t* data, int bytes)
{
	uint64_t value = 0;
	for (int i = bytes - 1; i >= 0; --i)
	{
		value = (value << 8) | data[i];
	}
	return value;
}

/** Reads typed fields from one payload; every overrun is a Truncated error naming the field. */
class PayloadReader
{
public:
	PayloadReader(const uint8_t* data, size_t size, const char* what, CodecError& error)
		: Data_(data), Size_(size), What_(what), Error_(error)
	{
	}

	/** `u8`, `u16`, `u32`, `f64` (bit for bit). */
	bool U8(const char* field, uint8_t& out) { return Int(field, 1, out); }
	bool U16(const char* field, uint16_t& out) { return Int(field, 2, out); }
	bool U32(const char* field, uint32_t& out) { return Int(field, 4, out); }
	bool F64(const char* field, double& out)
	{
		const uint8_t* at = Take(8, field);
		if (at == nullptr)
		{
			return false;
		}
		const uint64_t bits = ReadLittle(at, 8);
		std::memcpy(&out, &bits, sizeof out);
		return true;
	}

	/** The 4 bytes EFLL, else a BadMagic error. */
	bool Magic()
	{
		const uint8_t* at = Take(4, "magic");
		if (at != nullptr && std::memcmp(at, kMagic, sizeof kMagic) != 0)
		{
			return Fail(ErrorKind::BadMagic, std::string(What_) + ": bad magic " + Repr(at, 4) + ", expected b'EFLL'");
		}
		return at != nullptr;
	}

	/** `str` (validated UTF-8). `index` >= 0 names an item of a list: `field[index]`. */
	bool Str(const char* field, std::string& out, long index = -1)
	{
		uint16_t length = 0;
		const uint8_t* at = U16(field, length, index) ? Take(length, field, index) : nullptr;
		if (at == nullptr)
		{
			return false;
		}
		Utf8Problem problem;
		if (!IsValidUtf8(at, length, problem))
		{
			return Fail(ErrorKind::BadUtf8, std::string(What_) + ": field " + Name(field, index)
				+ " is not valid UTF-8 (" + problem.reason + " at byte " + std::to_string(problem.offset) + ")");
		}
		out.assign(reinterpret_cast<const char*>(at), length);
		return true;
	}

	/** `bytes`: u32 length + data. */
	bool Bytes(const char* field, std::vector<uint8_t>& out)
	{
		uint32_t length = 0;
		const uint8_t* at = U32(field, length) ? Take(length, field) : nullptr;
		if (at == nullptr)
		{
			return false;
		}
		out.assign(at, at + length);
		return true;
	}

	/** `u16 count` + `count x str`. */
	bool Strs(const char* field, std::vector<std::string>& out)
	{
		uint16_t count = 0;
		if (!U16(field, count))
		{
			return false;
		}
		out.clear();
		out.reserve(count <= Remaining() / 2 ? count : Remaining() / 2);  // each item needs >= 2 bytes
		for (long i = 0; i < count; ++i)
		{
			out.emplace_back();
			if (!Str(field, out.back(), i))
			{
				return false;
			}
		}
		return true;
	}

	/** `u16 count` + `count x f32` (bit for bit). */
	bool F32s(const char* field, std::vector<float>& out)
	{
		uint16_t count = 0;
		const uint8_t* at = U16(field, count) ? Take(size_t{4} * count, field) : nullptr;
		if (at == nullptr)
		{
			return false;
		}
		out.resize(count);
		for (size_t i = 0; i < count; ++i)
		{
			const uint32_t bits = static_cast<uint32_t>(ReadLittle(at + 4 * i, 4));
			std::memcpy(&out[i], &bits, sizeof bits);
		}
		return true;
	}

	/** After the last field: a TrailingBytes error if the payload has bytes left over. */
	bool End()
	{
		if (Remaining() == 0)
		{
			return true;
		}
		return Fail(ErrorKind::TrailingBytes, std::string(What_) + " payload leaves " + std::to_string(Remaining())
			+ " byte(s) over (length says " + std::to_string(Size_ + 1) + ", fields end at "
			+ std::to_string(Offset_ + 1) + ")");
	}

private:
	/** An unsigned little-endian integer of `bytes` bytes into `out`. */
	template <typename T>
	bool Int(const char* field, int bytes, T& out, long index = -1)
	{
		const uint8_t* at = Take(static_cast<size_t>(bytes), field, index);
		if (at != nullptr)
		{
			out = static_cast<T>(ReadLittle(at, bytes));
		}
		return at != nullptr;
	}

	/** `u16` naming a list item (a string's length). */
	bool U16(const char* field, uint16_t& out, long index) { return Int(field, 2, out, index); }

	/** The next `n` bytes, or null (Truncated error) if the payload has fewer left. */
	const uint8_t* Take(size_t n, const char* field, long index = -1)
	{
		if (n > Remaining())
		{
			Fail(ErrorKind::Truncated, std::string(What_) + " truncated: field " + Name(field, index) + " needs "
				+ std::to_string(n) + " byte(s) at offset " + std::to_string(Offset_ + 1) + ", "
				+ std::to_string(Remaining()) + " left in the message");
			return nullptr;
		}
		const uint8_t* at = Data_ + Offset_;
		Offset_ += n;
		return at;
	}

	/** Payload bytes not read yet. */
	size_t Remaining() const { return Size_ - Offset_; }

	/** `field` or `field[index]`. */
	static std::string Name(const char* field, long index)
	{
		return index < 0 ? std::string(field) : std::string(field) + "[" + std::to_string(index) + "]";
	}

	/** Python's repr of a short byte string, e.g. b'EFLX' or b'\x00\x01'. */
	static std::string Repr(const uint8_t* data, size_t size)
	{
		static const char kHex[] = "0123456789abcdef";
		std::string text = "b'";
		for (size_t i = 0; i < size; ++i)
		{
			const uint8_t c = data[i];
			if (c >= 0x20 && c < 0x7F && c != '\'' && c != '\\')
			{
				text += static_cast<char>(c);
			}
			else
			{
				text += std::string("\\x") + kHex[c >> 4] + kHex[c & 15];
			}
		}
		return text + "'";
	}

	/** Record a failure; returns false. */
	bool Fail(ErrorKind kind, std::string message)
	{
		Error_ = CodecError{kind, std::move(message)};
		return false;
	}

	/** The payload (after the type byte) and its size. */
	const uint8_t* Data_;
	size_t Size_;
	/** Bytes already read. */
	size_t Offset_ = 0;
	/** The message type's name, for error messages. */
	const char* What_;
	/** Where a failure goes. */
	CodecError& Error_;
};

/** Read the fields of each known type, in the spec's order. False on the first bad field. */
bool ReadFields(PayloadReader& r, MessageType type, Message& out)
{
	switch (type)
	{
	case MessageType::Hello:
	{
		Hello& m = out.emplace<Hello>();
		return r.Magic() && r.U16("major", m.major) && r.U16("minor", m.minor) && r.Str("client_name", m.clientName)
			&& r.Str("token", m.token);
	}
	case MessageType::Subscribe:
		return r.Strs("subjects", out.emplace<Subscribe>().subjects);
	case MessageType::Unsubscribe:
		return r.Strs("subjects", out.emplace<Unsubscribe>().subjects);
	case MessageType::SubmitLine:
	{
		SubmitLine& m = out.emplace<SubmitLine>();
		uint8_t encoding = 0;
		const bool ok = r.U32("request_id", m.requestId) && r.Str("subject", m.subject) && r.U8("encoding", encoding)
			&& r.U32("sample_rate_hz", m.sampleRateHz) && r.U16("channels", m.channels) && r.U8("flags", m.flags)
			&& r.Str("emotion", m.emotion) && r.Str("options_json", m.optionsJson) && r.Bytes("audio", m.audio);
		m.encoding = static_cast<PcmEncoding>(encoding);
		return ok;
	}
	case MessageType::Heartbeat:
		return r.F64("sender_time_s", out.emplace<Heartbeat>().senderTimeS);
	case MessageType::Bye:
		out.emplace<Bye>();
		return true;
	case MessageType::ServerHello:
	{
		ServerHello& m = out.emplace<ServerHello>();
		return r.Magic() && r.U16("major", m.major) && r.U16("minor", m.minor) && r.Str("server_name", m.serverName)
			&& r.Str("model_id", m.modelId) && r.F64("server_time_s", m.serverTimeS);
	}
	case MessageType::SubjectStatic:
	{
		SubjectStatic& m = out.emplace<SubjectStatic>();
		return r.Str("subject", m.subject) && r.U32("fps_numerator", m.fpsNumerator)
			&& r.U32("fps_denominator", m.fpsDenominator) && r.Strs("controls", m.controls);
	}
	case MessageType::LineStart:
	{
		LineStart& m = out.emplace<LineStart>();
		return r.Str("subject", m.subject) && r.U32("line_id", m.lineId) && r.U32("request_id", m.requestId)
			&& r.F64("start_time_s", m.startTimeS) && r.U32("frame_count", m.frameCount);
	}
	case MessageType::Frame:
	{
		Frame& m = out.emplace<Frame>();
		return r.Str("subject", m.subject) && r.U32("line_id", m.lineId) && r.U32("frame_index", m.frameIndex)
			&& r.F64("time_s", m.timeS) && r.F32s("values", m.values);
	}
	case MessageType::LineEnd:
	{
		LineEnd& m = out.emplace<LineEnd>();
		uint8_t status = 0;
		const bool ok = r.Str("subject", m.subject) && r.U32("line_id", m.lineId) && r.U32("frames_sent", m.framesSent)
			&& r.U8("status", status) && r.Str("message", m.message);
		m.status = static_cast<LineStatus>(status);
		return ok;
	}
	case MessageType::Error:
	{
		Error& m = out.emplace<Error>();
		uint16_t code = 0;
		const bool ok = r.U32("request_id", m.requestId) && r.U16("code", code) && r.Str("message", m.message);
		m.code = static_cast<ErrorCode>(code);
		return ok;
	}
	}
	return false;  // not reached: the caller only passes known types
}

/** True for the type codes of this protocol version. */
bool IsKnownType(uint8_t typeCode)
{
	return (typeCode >= 0x01 && typeCode <= 0x06) || (typeCode >= 0x81 && typeCode <= 0x86);
}

}  // namespace

bool DecodePayload(uint8_t typeCode, const uint8_t* payload, size_t size, Message& out, CodecError& error)
{
	if (!IsKnownType(typeCode))
	{
		out = UnknownMessage{typeCode, static_cast<uint32_t>(size)};
		return true;
	}
	PayloadReader reader(payload, size, TypeName(typeCode), error);
	return ReadFields(reader, static_cast<MessageType>(typeCode), out) && reader.End();
}

void StreamDecoder::Feed(const uint8_t* data, size_t size)
{
	if (Failed_ || size == 0)
	{
		return;
	}
	if (Offset_ > 0 && Offset_ * 2 >= Buffer_.size())
	{
		Buffer_.erase(Buffer_.begin(), Buffer_.begin() + static_cast<std::ptrdiff_t>(Offset_));
		Offset_ = 0;
	}
	Buffer_.insert(Buffer_.end(), data, data + size);
}

DecodeStatus StreamDecoder::Next(Message& out)
{
	if (Failed_)
	{
		return DecodeStatus::Failed;
	}
	if (Buffered() < 4)
	{
		return DecodeStatus::NeedMoreBytes;
	}
	const uint8_t* header = Buffer_.data() + Offset_;
	const uint32_t length = static_cast<uint32_t>(ReadLittle(header, 4));
	if (length == 0)
	{
		return Fail(ErrorKind::ZeroLength, "message length 0 (it must count at least the type byte)");
	}
	if (length > MaxMessageBytes_)
	{
		return Fail(ErrorKind::Oversized, "message length " + std::to_string(length) + " exceeds the limit "
			+ std::to_string(MaxMessageBytes_));
	}
	if (Buffered() - 4 < length)
	{
		return DecodeStatus::NeedMoreBytes;
	}
	Offset_ += 4 + size_t{length};
	if (!DecodePayload(header[4], header + 5, length - 1, out, Error_))
	{
		Failed_ = true;
		return DecodeStatus::Failed;
	}
	return DecodeStatus::Decoded;
}

bool StreamDecoder::Finish()
{
	if (!Failed_ && Buffered() > 0)
	{
		Fail(ErrorKind::Truncated,
			"stream ended inside a message (" + std::to_string(Buffered()) + " byte(s) buffered)");
	}
	return !Failed_;
}

DecodeStatus StreamDecoder::Fail(ErrorKind kind, std::string message)
{
	Failed_ = true;
	Error_ = CodecError{kind, std::move(message)};
	return DecodeStatus::Failed;
}

}  // namespace emoface::protocol
