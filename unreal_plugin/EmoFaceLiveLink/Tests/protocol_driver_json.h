// JSON output of the protocol test driver (protocol_driver.cpp), read by tests/unreal/test_protocol_core.py.
//
// Messages print as {"type": "FRAME", "type_code": 132, "fields": {...}} with the spec's snake_case field
// names, as in tests/data/livelink_vectors/vectors.json. So that the comparison with the Python decoder is
// exact, values are typed: integers are JSON numbers, strings "str:<hex of the UTF-8 bytes>", f64
// "f64:<16 hex digits of the IEEE bits>", f32 "f32:<8 hex digits>", byte strings "bytes:<hex>".
#pragma once

#include "Protocol/EmoFaceClientSession.h"
#include "Protocol/EmoFaceProtocol.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace driver
{

using namespace emoface::protocol;

/** Lower-case hex of bytes. */
inline std::string Hex(const uint8_t* data, size_t size)
{
	static const char kDigits[] = "0123456789abcdef";
	std::string out;
	out.reserve(2 * size);
	for (size_t i = 0; i < size; ++i)
	{
		out += kDigits[data[i] >> 4];
		out += kDigits[data[i] & 15];
	}
	return out;
}

/** A JSON string literal (quotes, backslashes and control characters escaped; UTF-8 passed through). */
inline std::string Quote(const std::string& text)
{
	static const char kDigits[] = "0123456789abcdef";
	std::string out = "\"";
	for (const char c : text)
	{
		const unsigned char byte = static_cast<unsigned char>(c);
		if (c == '"' || c == '\\')
		{
			out += '\\';
			out += c;
		}
		else if (byte < 0x20)
		{
			out += "\\u00";
			out += kDigits[byte >> 4];
			out += kDigits[byte & 15];
		}
		else
		{
			out += c;
		}
	}
	return out + "\"";
}

/** Typed values (see the file comment). */
inline std::string Str(const std::string& text)
{
	return "\"str:" + Hex(reinterpret_cast<const uint8_t*>(text.data()), text.size()) + "\"";
}

inline std::string F64(double value)
{
	uint8_t bytes[8];
	uint64_t bits = 0;
	std::memcpy(&bits, &value, sizeof bits);
	for (int i = 0; i < 8; ++i)
	{
		bytes[i] = static_cast<uint8_t>(bits >> (56 - 8 * i));  // most significant first: the bits as one hex number
	}
	return "\"f64:" + Hex(bytes, 8) + "\"";
}

inline std::string F32(float value)
{
	uint8_t bytes[4];
	uint32_t bits = 0;
	std::memcpy(&bits, &value, sizeof bits);
	for (int i = 0; i < 4; ++i)
	{
		bytes[i] = static_cast<uint8_t>(bits >> (24 - 8 * i));
	}
	return "\"f32:" + Hex(bytes, 4) + "\"";
}

inline std::string Bytes(const std::vector<uint8_t>& data)
{
	return "\"bytes:" + Hex(data.data(), data.size()) + "\"";
}

inline std::string Strs(const std::vector<std::string>& items)
{
	std::string out = "[";
	for (size_t i = 0; i < items.size(); ++i)
	{
		out += (i ? "," : "") + Str(items[i]);
	}
	return out + "]";
}

inline std::string F32s(const std::vector<float>& values)
{
	std::string out = "[";
	for (size_t i = 0; i < values.size(); ++i)
	{
		out += (i ? "," : "") + F32(values[i]);
	}
	return out + "]";
}

/** `"name": value` pairs joined into an object. */
inline std::string Object(const std::vector<std::pair<const char*, std::string>>& pairs)
{
	std::string out = "{";
	for (size_t i = 0; i < pairs.size(); ++i)
	{
		out += std::string(i ? "," : "") + "\"" + pairs[i].first + "\":" + pairs[i].second;
	}
	return out + "}";
}

inline std::string Num(uint64_t value)
{
	return std::to_string(value);
}

/** The typed fields of a message. */
std::string FieldsJson(const Message& message);

/** {"type", "type_code", "fields"} of a message. */
inline std::string MessageJson(const Message& message)
{
	const uint8_t code = TypeCode(message);
	const char* name = std::holds_alternative<UnknownMessage>(message) ? "UNKNOWN" : TypeName(code);
	return Object({{"type", Quote(name)}, {"type_code", Num(code)}, {"fields", FieldsJson(message)}});
}

/** The snake_case name of an event kind ("frame_ready"). */
const char* EventKindName(SessionEvent::Kind kind);

/** The snake_case name of a session state ("awaiting_server_hello"). */
const char* StateName(SessionState state);

/** {"event", "subject", "message"} of a session event. */
inline std::string EventJson(const SessionEvent& event)
{
	return Object({{"event", Quote(EventKindName(event.kind))}, {"subject", Str(event.subject)},
		{"message", MessageJson(event.message)}});
}

/** {"state", "reason", "decode_kind", "skipped_unknown", "last_heartbeat"} of a session. */
inline std::string SessionJson(const ClientSession& session)
{
	const CodecError* failure = session.DecodeFailure();
	return Object({{"state", Quote(StateName(session.State()))}, {"reason", Quote(session.FailureReason())},
		{"decode_kind", failure ? Quote(ErrorKindName(failure->kind)) : "null"},
		{"skipped_unknown", Num(session.SkippedUnknownCount())},
		{"last_heartbeat", F64(session.LastHeartbeatServerTimeS())}});
}

}  // namespace driver
