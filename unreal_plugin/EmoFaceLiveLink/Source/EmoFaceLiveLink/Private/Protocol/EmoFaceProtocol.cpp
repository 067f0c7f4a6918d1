// EmoFace Bridge Live Link plugin, protocol core: names and type codes (see EmoFaceProtocol.h).
// The encoder is in EmoFaceProtocolEncode.cpp, the decoder in EmoFaceProtocolDecode.cpp.
#include "EmoFaceProtocol.h"

namespace emoface::protocol
{

const char* ErrorKindName(ErrorKind kind)
{
	switch (kind)
	{
	case ErrorKind::Truncated:
		return "truncated";
	case ErrorKind::Oversized:
		return "oversized";
	case ErrorKind::ZeroLength:
		return "zero_length";
	case ErrorKind::TrailingBytes:
		return "trailing_bytes";
	case ErrorKind::BadMagic:
		return "bad_magic";
	case ErrorKind::BadUtf8:
		return "bad_utf8";
	case ErrorKind::Unencodable:
		return "unencodable";
	}
	return "unknown";
}

uint8_t TypeCode(const Message& message)
{
	// The wire codes of the alternatives of Message, in its order (UnknownMessage last).
	static constexpr MessageType kCodes[] = {MessageType::Hello, MessageType::Subscribe, MessageType::Unsubscribe,
		MessageType::SubmitLine, MessageType::Heartbeat, MessageType::Bye, MessageType::ServerHello,
		MessageType::SubjectStatic, MessageType::LineStart, MessageType::Frame, MessageType::LineEnd,
		MessageType::Error};
	static_assert(sizeof kCodes / sizeof kCodes[0] + 1 == std::variant_size_v<Message>, "one code per known message");
	if (const UnknownMessage* unknown = std::get_if<UnknownMessage>(&message))
	{
		return unknown->type;
	}
	const size_t index = message.index();  // variant_npos cannot happen without exceptions; checked anyway
	return index < sizeof kCodes / sizeof kCodes[0] ? static_cast<uint8_t>(kCodes[index]) : uint8_t{0};
}

const char* TypeName(uint8_t typeCode)
{
	switch (static_cast<MessageType>(typeCode))
	{
	case MessageType::Hello:
		return "HELLO";
	case MessageType::Subscribe:
		return "SUBSCRIBE";
	case MessageType::Unsubscribe:
		return "UNSUBSCRIBE";
	case MessageType::SubmitLine:
		return "SUBMIT_LINE";
	case MessageType::Heartbeat:
		return "HEARTBEAT";
	case MessageType::Bye:
		return "BYE";
	case MessageType::ServerHello:
		return "SERVER_HELLO";
	case MessageType::SubjectStatic:
		return "SUBJECT_STATIC";
	case MessageType::LineStart:
		return "LINE_START";
	case MessageType::Frame:
		return "FRAME";
	case MessageType::LineEnd:
		return "LINE_END";
	case MessageType::Error:
		return "ERROR";
	}
	return "UNKNOWN";
}

}  // namespace emoface::protocol
