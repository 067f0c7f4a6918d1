// EmoFace Bridge Live Link plugin, protocol core: strict UTF-8 validation (see the header).
#include "EmoFaceUtf8.h"

namespace emoface::protocol
{
namespace
{

/** The valid range of a sequence's second byte, which depends on its lead byte (RFC 3629 table). */
struct Utf8SecondByteRange
{
	uint8_t low = 0x80;
	uint8_t high = 0xBF;
};

/** Bytes a sequence starting with `lead` has in total (0 = not a valid lead byte), and its second byte's range. */
size_t Utf8SequenceLength(uint8_t lead, Utf8SecondByteRange& second)
{
	second = Utf8SecondByteRange();
	if (lead < 0x80)
	{
		return 1;
	}
	if (lead >= 0xC2 && lead <= 0xDF)
	{
		return 2;
	}
	if (lead >= 0xE0 && lead <= 0xEF)
	{
		second.low = lead == 0xE0 ? 0xA0 : 0x80;   // E0 80..9F would be overlong
		second.high = lead == 0xED ? 0x9F : 0xBF;  // ED A0..BF would be a surrogate
		return 3;
	}
	if (lead >= 0xF0 && lead <= 0xF4)
	{
		second.low = lead == 0xF0 ? 0x90 : 0x80;   // F0 80..8F would be overlong
		second.high = lead == 0xF4 ? 0x8F : 0xBF;  // F4 90.. would be above U+10FFFF
		return 4;
	}
	return 0;  // 80..C1 (continuation or overlong lead), F5..FF
}

}  // namespace

bool IsValidUtf8(const uint8_t* data, size_t size, Utf8Problem& problem)
{
	size_t at = 0;
	while (at < size)
	{
		Utf8SecondByteRange second;
		const size_t length = Utf8SequenceLength(data[at], second);
		if (length == 0)
		{
			problem = Utf8Problem{at, "invalid start byte"};
			return false;
		}
		for (size_t i = 1; i < length; ++i)
		{
			if (at + i >= size)
			{
				problem = Utf8Problem{at, "unexpected end of data"};
				return false;
			}
			const uint8_t byte = data[at + i];
			const uint8_t low = i == 1 ? second.low : uint8_t{0x80};
			const uint8_t high = i == 1 ? second.high : uint8_t{0xBF};
			if (byte < low || byte > high)
			{
				problem = Utf8Problem{at, "invalid continuation byte"};
				return false;
			}
		}
		at += length;
	}
	return true;
}

}  // namespace emoface::protocol
