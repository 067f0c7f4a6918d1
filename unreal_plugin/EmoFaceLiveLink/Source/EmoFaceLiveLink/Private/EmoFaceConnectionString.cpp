// EmoFace Bridge Live Link plugin: connection string parsing (plain C++17, see the header).
#include "EmoFaceConnectionString.h"

#include <algorithm>
#include <cctype>
#include <cstddef>

namespace emoface::plugin
{
namespace
{

constexpr size_t kMaxProtocolStringBytes = 65535;

std::string Trim(const std::string& text)
{
	size_t begin = 0;
	size_t end = text.size();
	while (begin < end && std::isspace(static_cast<unsigned char>(text[begin])))
	{
		++begin;
	}
	while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1])))
	{
		--end;
	}
	return text.substr(begin, end - begin);
}

std::string Lower(std::string text)
{
	std::transform(text.begin(), text.end(), text.begin(),
		[](unsigned char c) { return static_cast<char>(std::tolower(c)); });
	return text;
}

std::vector<std::string> Split(const std::string& text, char separator)
{
	std::vector<std::string> parts;
	size_t start = 0;
	while (true)
	{
		const size_t at = text.find(separator, start);
		parts.push_back(text.substr(start, at == std::string::npos ? std::string::npos : at - start));
		if (at == std::string::npos)
		{
			return parts;
		}
		start = at + 1;
	}
}

bool ParsePort(const std::string& value, uint16_t& out)
{
	if (value.empty() || value.size() > 5)
	{
		return false;
	}
	unsigned long number = 0;
	for (char c : value)
	{
		if (c < '0' || c > '9')
		{
			return false;
		}
		number = number * 10 + static_cast<unsigned long>(c - '0');
	}
	if (number < 1 || number > 65535)
	{
		return false;
	}
	out = static_cast<uint16_t>(number);
	return true;
}

bool ParseSubjects(const std::string& value, std::vector<std::string>& out, std::string& error)
{
	out.clear();
	for (const std::string& part : Split(value, ','))
	{
		const std::string subject = Trim(part);
		if (subject.empty())
		{
			continue;
		}
		if (subject.size() > kMaxProtocolStringBytes)
		{
			error = "a subject name is longer than 65535 bytes";
			return false;
		}
		if (std::find(out.begin(), out.end(), subject) == out.end())
		{
			out.push_back(subject);
		}
	}
	return true;
}

bool ApplyPair(const std::string& key, const std::string& value, ConnectionSettings& settings, std::string& error)
{
	if (key == "host")
	{
		if (value.empty() || value.find(' ') != std::string::npos)
		{
			error = "host must be a host name or IP address without spaces, for example host=127.0.0.1";
			return false;
		}
		settings.host = value;
		return true;
	}
	if (key == "port")
	{
		if (!ParsePort(value, settings.port))
		{
			error = "port must be a whole number from 1 to 65535 (got '" + value + "'), for example port=50052";
			return false;
		}
		return true;
	}
	if (key == "subjects")
	{
		return ParseSubjects(value, settings.subjects, error);
	}
	if (key == "token" || key == "name")
	{
		if (value.size() > kMaxProtocolStringBytes)
		{
			error = key + " is longer than 65535 bytes";
			return false;
		}
		(key == "token" ? settings.token : settings.clientName) = value;
		return true;
	}
	error = "unknown key '" + key + "'; the keys are host, port, subjects, token and name";
	return false;
}

}  // namespace

ConnectionParseResult ParseConnectionString(const std::string& text, const ConnectionSettings& defaults)
{
	ConnectionParseResult result;
	result.settings = defaults;
	std::vector<std::string> seenKeys;
	for (const std::string& segment : Split(text, ';'))
	{
		if (Trim(segment).empty())
		{
			continue;
		}
		const size_t equals = segment.find('=');
		if (equals == std::string::npos)
		{
			result.error = "'" + Trim(segment) + "' is not a key=value pair (write for example port=50052)";
			return result;
		}
		const std::string key = Lower(Trim(segment.substr(0, equals)));
		const std::string value = Trim(segment.substr(equals + 1));
		if (std::find(seenKeys.begin(), seenKeys.end(), key) != seenKeys.end())
		{
			result.error = "key '" + key + "' is given twice";
			return result;
		}
		seenKeys.push_back(key);
		if (!ApplyPair(key, value, result.settings, result.error))
		{
			return result;
		}
	}
	result.ok = true;
	return result;
}

std::string FormatConnectionString(const ConnectionSettings& settings)
{
	std::string text = "host=" + settings.host + ";port=" + std::to_string(settings.port);
	text += ";subjects=";
	for (size_t i = 0; i < settings.subjects.size(); ++i)
	{
		text += (i ? "," : "") + settings.subjects[i];
	}
	text += ";name=" + settings.clientName;
	if (!settings.token.empty())
	{
		text += ";token=" + settings.token;
	}
	return text;
}

}  // namespace emoface::plugin
