// Command-line driver for the plugin's plain C++ protocol core (Source/.../Private/Protocol/), compiled with
// g++ by tests/unreal/test_protocol_core.py (not part of the Unreal module: it lives outside Source/).
// Output is JSON (protocol_driver_json.h), one object per line.
//
//   driver decode CHUNKING FILE [MAX]  -> {"messages", "encoded", "error", "failed_at", "fed"} for the stream in FILE,
//                                         fed in chunks; MAX is the decoder's length limit (default 64 MiB)
//   driver fuzz PACK                   -> {"decode": that object, "session": {"state", "decode_kind", "events"}} for
//                                         every stream of PACK (u32 length + bytes, repeated), each fed in its own
//                                         random chunks to a decoder, and to a connected ClientSession that is
//                                         then closed
//   driver session CHUNKING FILE [close] -> a ClientSession after Start() fed FILE: one line per event, then
//                                         the session's state (after OnConnectionClosed() with `close`)
//   driver limits                      -> encoder edge cases around the u16 and 64 MiB limits, one line each
//   driver live HOST PORT PCM SUBJECT EMOTION OPTIONS DUMP [MAJOR] -> see protocol_driver_live.cpp
//
// CHUNKING: `all` (one chunk), `1` (byte by byte) or `random:SEED` (sizes 1..512, mostly small).
#include "protocol_driver_json.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace driver
{
int RunLive(int argc, char** argv);
}

namespace
{

using namespace driver;

/** Deterministic chunk sizes for a CHUNKING argument (splitmix64 for `random:SEED`). */
class Chunker
{
public:
	explicit Chunker(const std::string& spec)
	{
		if (spec == "all")
		{
			Whole_ = true;
		}
		else if (spec.rfind("random:", 0) == 0)
		{
			Random_ = true;
			State_ = std::strtoull(spec.c_str() + 7, nullptr, 10);
		}
	}

	/** The next chunk's size, at most `left`. */
	size_t Next(size_t left)
	{
		size_t size = 1;
		if (Whole_)
		{
			size = left;
		}
		else if (Random_)
		{
			const uint64_t r = Mix();
			size = 1 + static_cast<size_t>(r % ((r >> 32) % 4 == 0 ? 512 : 8));
		}
		return size < left ? size : left;
	}

private:
	/** splitmix64: the next pseudo-random number. */
	uint64_t Mix()
	{
		uint64_t z = (State_ += 0x9E3779B97F4A7C15ull);
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
		return z ^ (z >> 31);
	}

	/** One chunk for everything. */
	bool Whole_ = false;
	/** Random sizes from State_; neither flag: 1-byte chunks. */
	bool Random_ = false;
	/** The generator's state (the seed at first). */
	uint64_t State_ = 0;
};

/** Every byte of a file (empty if it cannot be read). */
std::vector<uint8_t> ReadFile(const char* path)
{
	std::ifstream in(path, std::ios::binary);
	return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/** Decode one stream in chunks; the JSON result of the `decode` command. */
std::string DecodeStream(const std::vector<uint8_t>& data, Chunker chunker, uint32_t maxMessageBytes)
{
	StreamDecoder decoder(maxMessageBytes);
	std::string messages = "[";
	std::string encoded = "[";
	size_t fed = 0;
	long failedAt = -1;
	Message message;
	while (failedAt < 0)
	{
		DecodeStatus status = DecodeStatus::NeedMoreBytes;
		while ((status = decoder.Next(message)) == DecodeStatus::Decoded)
		{
			std::vector<uint8_t> bytes;
			CodecError error;
			const bool ok = Encode(message, bytes, error);
			messages += (messages.size() > 1 ? "," : "") + MessageJson(message);
			encoded += (encoded.size() > 1 ? "," : "") + (ok ? Quote(Hex(bytes.data(), bytes.size()))
				: Object({{"error", Quote(ErrorKindName(error.kind))}}));
		}
		if (status == DecodeStatus::Failed)
		{
			failedAt = static_cast<long>(fed);
		}
		else if (fed == data.size())
		{
			break;
		}
		else
		{
			const size_t size = chunker.Next(data.size() - fed);
			decoder.Feed(data.data() + fed, size);
			fed += size;
		}
	}
	const char* detected = failedAt >= 0 ? "decode" : "end_of_stream";
	if (failedAt < 0 && !decoder.Finish())
	{
		failedAt = static_cast<long>(fed);
	}
	const std::string error = decoder.IsFailed() ? Object({{"kind", Quote(ErrorKindName(decoder.Failure().kind))},
		{"message", Quote(decoder.Failure().message)}, {"detected", Quote(detected)}}) : "null";
	return Object({{"messages", messages + "]"}, {"encoded", encoded + "]"}, {"error", error},
		{"failed_at", failedAt >= 0 ? std::to_string(failedAt) : "null"}, {"fed", Num(fed)},
		{"buffered", Num(decoder.Buffered())}});
}

/** Feed one stream to a ClientSession that received SERVER_HELLO, then close it; its final state as JSON. */
std::string SessionStream(const std::vector<uint8_t>& data, Chunker chunker)
{
	ClientSession session("driver", "");
	session.Start();
	const std::vector<uint8_t> hello = Encode(Message(ServerHello{}));
	session.OnBytes(hello.data(), hello.size());
	SessionEvent event;
	uint64_t events = 0;
	for (size_t fed = 0; fed < data.size();)
	{
		const size_t size = chunker.Next(data.size() - fed);
		session.OnBytes(data.data() + fed, size);
		fed += size;
		while (session.PollEvent(event))
		{
			++events;
		}
	}
	session.OnConnectionClosed();
	const CodecError* failure = session.DecodeFailure();
	return Object({{"state", Quote(StateName(session.State()))},
		{"decode_kind", failure ? Quote(ErrorKindName(failure->kind)) : "null"}, {"events", Num(events)}});
}

int RunDecode(int argc, char** argv)
{
	if (argc < 4)
	{
		return 2;
	}
	const uint32_t limit = argc > 4 ? static_cast<uint32_t>(std::strtoul(argv[4], nullptr, 10)) : kMaxMessageBytes;
	std::cout << DecodeStream(ReadFile(argv[3]), Chunker(argv[2]), limit) << "\n";
	return 0;
}

int RunFuzz(int argc, char** argv)
{
	if (argc < 3)
	{
		return 2;
	}
	const std::vector<uint8_t> pack = ReadFile(argv[2]);
	size_t at = 0;
	for (uint64_t index = 0; at + 4 <= pack.size(); ++index)
	{
		const size_t size = size_t{pack[at]} | size_t{pack[at + 1]} << 8 | size_t{pack[at + 2]} << 16
			| size_t{pack[at + 3]} << 24;
		if (size > pack.size() - at - 4)
		{
			return 2;
		}
		const auto begin = pack.begin() + static_cast<long>(at + 4);
		const std::vector<uint8_t> data(begin, begin + static_cast<long>(size));
		const Chunker chunker("random:" + std::to_string(index));
		std::cout << Object({{"decode", DecodeStream(data, chunker, kMaxMessageBytes)},
			{"session", SessionStream(data, chunker)}}) << "\n";
		at += 4 + size;
	}
	return 0;
}

int RunSession(int argc, char** argv)
{
	if (argc < 4)
	{
		return 2;
	}
	const std::vector<uint8_t> data = ReadFile(argv[3]);
	Chunker chunker(argv[2]);
	ClientSession session("driver", "tok");
	const std::vector<uint8_t> hello = session.Start();
	std::cout << Object({{"hello", Quote(Hex(hello.data(), hello.size()))},
		{"state", Quote(StateName(session.State()))}}) << "\n";
	SessionEvent event;
	for (size_t fed = 0; fed < data.size();)
	{
		const size_t size = chunker.Next(data.size() - fed);
		session.OnBytes(data.data() + fed, size);
		fed += size;
		while (session.PollEvent(event))
		{
			std::cout << EventJson(event) << "\n";
		}
	}
	if (argc > 4 && std::string(argv[4]) == "close")
	{
		session.OnConnectionClosed();
	}
	std::cout << SessionJson(session) << "\n";
	return 0;
}

/** One `limits` result line. */
std::string LimitCase(const char* name, const Message& message)
{
	std::vector<uint8_t> bytes;
	CodecError error;
	const bool ok = Encode(message, bytes, error);
	const bool overload = Encode(message).size() == bytes.size();  // the 1-argument form agrees
	return Object({{"case", Quote(name)}, {"ok", ok ? "true" : "false"}, {"size", Num(bytes.size())},
		{"kind", ok ? "null" : Quote(ErrorKindName(error.kind))}, {"message", Quote(ok ? "" : error.message)},
		{"overload_agrees", overload ? "true" : "false"}});
}

/** SUBMIT_LINE with empty strings and `audioBytes` of audio: length = 23 + audioBytes. */
SubmitLine BigLine(size_t audioBytes)
{
	SubmitLine line;
	line.requestId = 9;
	line.audio.assign(audioBytes, 0x5A);
	return line;
}

int RunLimits()
{
	std::cout << LimitCase("str_65535", Hello{1, 0, std::string(65535, 'a'), ""}) << "\n";
	std::cout << LimitCase("str_65536", Hello{1, 0, std::string(65536, 'a'), ""}) << "\n";
	std::cout << LimitCase("str_bad_utf8", Hello{1, 0, "ok", "\xff"}) << "\n";
	std::cout << LimitCase("str_surrogate", Subscribe{{"a", "\xed\xa0\x80"}}) << "\n";
	std::cout << LimitCase("strs_65535", Subscribe{std::vector<std::string>(65535)}) << "\n";
	std::cout << LimitCase("strs_65536", Subscribe{std::vector<std::string>(65536)}) << "\n";
	std::cout << LimitCase("f32s_65535", Frame{"s", 1, 2, 0.0, std::vector<float>(65535, 0.5f)}) << "\n";
	std::cout << LimitCase("f32s_65536", Frame{"s", 1, 2, 0.0, std::vector<float>(65536, 0.5f)}) << "\n";
	std::cout << LimitCase("unknown", UnknownMessage{0x7F, 3}) << "\n";
	std::cout << LimitCase("submit_over_by_1", BigLine(kMaxMessageBytes - 22)) << "\n";
	std::cout << LimitCase("audio_over_limit", BigLine(size_t{kMaxMessageBytes} + 1)) << "\n";

	// The largest message there is: encodes, and decodes back through the stream decoder.
	const SubmitLine largest = BigLine(kMaxMessageBytes - 23);
	std::cout << LimitCase("submit_max", largest) << "\n";
	const std::vector<uint8_t> bytes = Encode(largest);
	StreamDecoder decoder;
	decoder.Feed(bytes.data(), bytes.size());
	Message back;
	const bool decoded = decoder.Next(back) == DecodeStatus::Decoded && std::holds_alternative<SubmitLine>(back)
		&& std::get<SubmitLine>(back).audio == largest.audio;
	std::cout << Object({{"case", Quote("submit_max_decodes")}, {"ok", decoded ? "true" : "false"}}) << "\n";

	// A session reports a line it cannot send as an ERROR event for the line's request, and sends nothing.
	ClientSession session("driver", "");
	session.Start();
	SubmitLine badText = BigLine(4);
	badText.requestId = 11;
	badText.emotion = "\xc3\x28";
	const size_t overSize = session.MakeSubmit(BigLine(kMaxMessageBytes - 22)).size();
	const size_t badSize = session.MakeSubmit(badText).size();
	std::cout << Object({{"case", Quote("session_unsendable")},
		{"sizes", "[" + Num(overSize) + "," + Num(badSize) + "]"},
		{"state", Quote(StateName(session.State()))}}) << "\n";
	SessionEvent event;
	while (session.PollEvent(event))
	{
		std::cout << EventJson(event) << "\n";
	}
	return 0;
}

}  // namespace

int main(int argc, char** argv)
{
	const std::string command = argc > 1 ? argv[1] : "";
	int code = 2;
	if (command == "decode")
	{
		code = RunDecode(argc, argv);
	}
	else if (command == "fuzz")
	{
		code = RunFuzz(argc, argv);
	}
	else if (command == "session")
	{
		code = RunSession(argc, argv);
	}
	else if (command == "limits")
	{
		code = RunLimits();
	}
	else if (command == "live")
	{
		code = driver::RunLive(argc, argv);
	}
	if (code == 2)
	{
		std::cerr << "usage: see the comment at the top of protocol_driver.cpp\n";
	}
	return code;
}
