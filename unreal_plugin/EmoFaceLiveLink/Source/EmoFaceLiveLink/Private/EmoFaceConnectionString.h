// EmoFace Bridge Live Link plugin: the source's connection string.
//
// Plain C++17 (no Unreal headers) so that it compiles and is tested with g++ outside the engine
// (tests/unreal/test_plugin_sources.py). The Unreal source factory converts FString <-> std::string.
//
// Format: `key=value` pairs separated by ';', for example
//   host=127.0.0.1;port=50052;subjects=NPC_A,NPC_B;token=secret;name=Editor
// - keys are case-insensitive; spaces around keys, values and subject names are ignored;
// - empty segments (a trailing ';') are ignored; an empty string gives the defaults;
// - `subjects` is a comma-separated list; empty (or absent) means "every subject";
// - `token` is everything after the first '=' (so it may contain '='; it cannot contain ';').
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace emoface::plugin
{

/** Where and how the Live Link source connects. Every member has a usable default. */
struct ConnectionSettings
{
	/** Host name or IP address of `emoface serve --livelink-port`. */
	std::string host = "127.0.0.1";
	/** TCP port of the Live Link protocol server (1..65535). */
	uint16_t port = 50052;
	/** Subjects to subscribe to, in the order given, without duplicates; empty = every subject. */
	std::vector<std::string> subjects;
	/** Shared secret sent in HELLO; empty = none. */
	std::string token;
	/** Client name sent in HELLO, shown in the server's log. */
	std::string clientName = "Unreal";
};

/** The outcome of ParseConnectionString: `ok` and `settings`, or `error` with a message a user can act on. */
struct ConnectionParseResult
{
	bool ok = false;
	ConnectionSettings settings;
	std::string error;
};

/**
 * Parse a connection string. Keys missing from `text` keep their value from `defaults`.
 * Fails (ok=false) on an unknown or repeated key, a segment without '=', an empty or blank host,
 * a port that is not an integer in 1..65535, or a subject/token/name longer than 65535 bytes
 * (the protocol's `str` limit).
 */
ConnectionParseResult ParseConnectionString(const std::string& text, const ConnectionSettings& defaults = ConnectionSettings());

/** Format settings as a connection string that ParseConnectionString reads back to the same settings. */
std::string FormatConnectionString(const ConnectionSettings& settings);

}  // namespace emoface::plugin
