// EmoFace Bridge Live Link plugin: back-off and clock arithmetic (plain C++17, see the header).
#include "EmoFaceTiming.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace emoface::plugin
{

double UnixNowS()
{
	// system_clock counts from the Unix epoch on every platform Unreal supports (and by C++20's rule).
	const auto sinceEpoch = std::chrono::system_clock::now().time_since_epoch();
	return std::chrono::duration<double>(sinceEpoch).count();
}

double ReconnectDelayS(const BackoffPolicy& policy, int failedAttempts)
{
	const double initial = std::max(policy.initialDelayS, 0.001);
	const double cap = std::max(policy.maxDelayS, initial);
	const double growth = std::max(policy.multiplier, 1.0);
	double delay = initial;
	for (int attempt = 1; attempt < failedAttempts && delay < cap; ++attempt)
	{
		delay *= growth;
	}
	return std::min(delay, cap);
}

bool ShouldGiveUp(const BackoffPolicy& policy, int failedAttempts)
{
	return policy.maxAttempts > 0 && failedAttempts >= policy.maxAttempts;
}

void ClockOffsetEstimator::AddSample(double serverSendUnixS, double localReceiveUnixS)
{
	const double sample = localReceiveUnixS - serverSendUnixS;
	if (!std::isfinite(sample))
	{
		return;
	}
	Samples_.push_back(sample);
	while (Samples_.size() > Window_)
	{
		Samples_.pop_front();
	}
}

double ClockOffsetEstimator::OffsetS() const
{
	if (Samples_.empty())
	{
		return 0.0;
	}
	return *std::min_element(Samples_.begin(), Samples_.end());
}

FrameTimeParts TimeOfDayFrame(double unixS, double utcOffsetS, uint32_t fpsNumerator, uint32_t fpsDenominator)
{
	FrameTimeParts parts;
	if (fpsNumerator == 0 || fpsDenominator == 0 || !std::isfinite(unixS) || !std::isfinite(utcOffsetS))
	{
		return parts;
	}
	constexpr double kSecondsPerDay = 86400.0;
	double secondOfDay = std::fmod(unixS + utcOffsetS, kSecondsPerDay);
	if (secondOfDay < 0.0)
	{
		secondOfDay += kSecondsPerDay;
	}
	const double frames = secondOfDay * static_cast<double>(fpsNumerator) / static_cast<double>(fpsDenominator);
	// Round to 1e-6 frame first so that exact frame times (start + i / fps) do not land a hair below i.
	const double rounded = std::round(frames * 1e6) / 1e6;
	const double whole = std::floor(rounded);
	parts.frame = static_cast<int32_t>(whole);
	parts.subFrame = static_cast<float>(rounded - whole);
	return parts;
}

}  // namespace emoface::plugin
