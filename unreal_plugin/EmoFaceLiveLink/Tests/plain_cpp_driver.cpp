// Command-line driver for the plugin's plain C++ helpers, compiled with g++ by
// tests/unreal/test_plugin_sources.py (not part of the Unreal module: it lives outside Source/).
//
//   driver parse TEXT            -> ok=1 host= port= subjects=a|b token= name=   | ok=0 error=...
//   driver format                  (reads key=value lines from stdin, prints the connection string)
//   driver backoff INIT MAX MULT MAXATTEMPTS N -> N lines "attempt delay giveup"
//   driver adapt                   (stdin: one "name value" per line) -> "gui NAME VALUE" lines,
//                                  "dropped NAME" lines, "nonfinite K"
//   driver clock                   (stdin: "server_s local_s" per line) -> "offset X" after each
//   driver tod UNIX UTCOFFSET NUM DEN -> "FRAME SUBFRAME"
//   driver now                     -> UnixNowS()
#include "EmoFaceConnectionString.h"
#include "EmoFaceGuiAdapter.h"
#include "EmoFaceTiming.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

using namespace emoface::plugin;

namespace
{

int Parse(const std::string& text)
{
	const ConnectionParseResult result = ParseConnectionString(text);
	if (!result.ok)
	{
		std::cout << "ok=0\nerror=" << result.error << "\n";
		return 0;
	}
	std::string subjects;
	for (size_t i = 0; i < result.settings.subjects.size(); ++i)
	{
		subjects += (i ? "|" : "") + result.settings.subjects[i];
	}
	std::cout << "ok=1\nhost=" << result.settings.host << "\nport=" << result.settings.port
			  << "\nsubjects=" << subjects << "\ntoken=" << result.settings.token
			  << "\nname=" << result.settings.clientName << "\n";
	return 0;
}

int Format()
{
	ConnectionSettings settings;
	std::string line;
	while (std::getline(std::cin, line))
	{
		const size_t equals = line.find('=');
		if (equals == std::string::npos)
		{
			continue;
		}
		const std::string key = line.substr(0, equals);
		const std::string value = line.substr(equals + 1);
		if (key == "host") settings.host = value;
		else if (key == "port") settings.port = static_cast<uint16_t>(std::stoi(value));
		else if (key == "subject") settings.subjects.push_back(value);
		else if (key == "token") settings.token = value;
		else if (key == "name") settings.clientName = value;
	}
	std::cout << FormatConnectionString(settings) << "\n";
	return 0;
}

int Backoff(char** argv)
{
	BackoffPolicy policy;
	policy.initialDelayS = std::atof(argv[0]);
	policy.maxDelayS = std::atof(argv[1]);
	policy.multiplier = std::atof(argv[2]);
	policy.maxAttempts = std::atoi(argv[3]);
	const int attempts = std::atoi(argv[4]);
	for (int attempt = 1; attempt <= attempts; ++attempt)
	{
		std::printf("%d %.6f %d\n", attempt, ReconnectDelayS(policy, attempt), ShouldGiveUp(policy, attempt) ? 1 : 0);
	}
	return 0;
}

int Adapt()
{
	std::vector<std::string> names;
	std::vector<float> values;
	std::string name;
	std::string value;
	while (std::cin >> name >> value)
	{
		names.push_back(name);
		values.push_back(value == "nan" ? std::numeric_limits<float>::quiet_NaN() : std::stof(value));
	}
	const GuiAdapter adapter(names);
	std::vector<float> out;
	size_t nonFinite = 0;
	if (!adapter.Apply(values.data(), values.size(), out, &nonFinite))
	{
		std::cout << "apply-failed\n";
		return 1;
	}
	for (size_t i = 0; i < out.size(); ++i)
	{
		std::printf("gui %s %.7g\n", adapter.GuiNames()[i].c_str(), out[i]);
	}
	for (const std::string& dropped : adapter.DroppedControls())
	{
		std::printf("dropped %s\n", dropped.c_str());
	}
	std::printf("nonfinite %zu\n", nonFinite);
	// A frame of the wrong length must be refused.
	std::printf("short-frame-refused %d\n", adapter.Apply(values.data(), values.size() ? values.size() - 1 : 1, out) ? 0 : 1);
	return 0;
}

int Clock()
{
	ClockOffsetEstimator estimator(4);
	double server = 0.0;
	double local = 0.0;
	while (std::cin >> server >> local)
	{
		estimator.AddSample(server, local);
		std::printf("offset %.6f\n", estimator.OffsetS());
	}
	return 0;
}

int TimeOfDay(char** argv)
{
	const FrameTimeParts parts = TimeOfDayFrame(std::atof(argv[0]), std::atof(argv[1]),
		static_cast<uint32_t>(std::strtoul(argv[2], nullptr, 10)), static_cast<uint32_t>(std::strtoul(argv[3], nullptr, 10)));
	std::printf("%d %.6f\n", parts.frame, parts.subFrame);
	return 0;
}

}  // namespace

int main(int argc, char** argv)
{
	const std::string command = argc > 1 ? argv[1] : "";
	if (command == "parse" && argc == 3) return Parse(argv[2]);
	if (command == "format") return Format();
	if (command == "backoff" && argc == 7) return Backoff(argv + 2);
	if (command == "adapt") return Adapt();
	if (command == "clock") return Clock();
	if (command == "tod" && argc == 6) return TimeOfDay(argv + 2);
	if (command == "now") return std::printf("%.6f\n", UnixNowS()) > 0 ? 0 : 1;
	std::cerr << "usage: driver parse|format|backoff|adapt|clock|tod|now ...\n";
	return 64;
}
