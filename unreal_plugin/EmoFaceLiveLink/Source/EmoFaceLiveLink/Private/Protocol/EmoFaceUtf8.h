// EmoFace Bridge Live Link plugin, protocol core: strict UTF-8 validation of protocol strings.
//
// Plain C++17. Accepts exactly what Python's UTF-8 codec accepts (RFC 3629): no overlong forms, no
// surrogates (U+D800-U+DFFF), nothing above U+10FFFF, no truncated sequences.
#pragma once

#include <cstddef>
#include <cstdint>

namespace emoface::protocol
{

/** Where and why a byte string is not valid UTF-8. */
struct Utf8Problem
{
	/** Offset of the first byte of the invalid sequence. */
	size_t offset = 0;
	/** Python's wording: "invalid start byte", "invalid continuation byte" or "unexpected end of data". */
	const char* reason = "";
};

/** True if `data[0..size)` is valid UTF-8; otherwise false, with `problem` describing the first error. */
bool IsValidUtf8(const uint8_t* data, size_t size, Utf8Problem& problem);

}  // namespace emoface::protocol
