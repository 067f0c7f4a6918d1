// EmoFace Bridge Live Link plugin: reconnect back-off and clock arithmetic.
//
// Plain C++17 (no Unreal headers), tested with g++ by tests/unreal/test_plugin_sources.py.
// All times are in seconds: "Unix" times count from 1970-01-01 UTC (the protocol's clock),
// "platform" times are the engine's FPlatformTime::Seconds() (the Live Link world-time clock).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

namespace emoface::plugin
{

/** Now on the Unix clock (s since 1970-01-01 UTC), from the system clock. */
double UnixNowS();

/** Capped exponential back-off between connection attempts. */
struct BackoffPolicy
{
	/** Delay after the first failed attempt, s (> 0). */
	double initialDelayS = 0.5;
	/** Upper bound of the delay, s (>= initialDelayS). */
	double maxDelayS = 10.0;
	/** Growth factor per further failure (>= 1). */
	double multiplier = 2.0;
	/** Give up after this many consecutive failures; 0 = never give up. */
	int maxAttempts = 0;
};

/** Delay before the next attempt after `failedAttempts` consecutive failures (>= 1), in s. */
double ReconnectDelayS(const BackoffPolicy& policy, int failedAttempts);

/** True when `failedAttempts` consecutive failures exhaust the policy's attempts. */
bool ShouldGiveUp(const BackoffPolicy& policy, int failedAttempts);

/**
 * Estimates the offset between the server's clock and this machine's, from (server send time, local
 * receive time) pairs: SERVER_HELLO's server_time_s and every HEARTBEAT's sender_time_s. Network delay
 * only ever makes a sample larger than the true offset, so the estimate is the minimum of the last
 * `window` samples.
 */
class ClockOffsetEstimator
{
public:
	explicit ClockOffsetEstimator(size_t window = 16) : Window_(window == 0 ? 1 : window) {}

	/** Add one sample: the server's Unix send time and the local Unix receive time. */
	void AddSample(double serverSendUnixS, double localReceiveUnixS);

	/** True once a sample was added. */
	bool HasEstimate() const { return !Samples_.empty(); }

	/** local clock - server clock, s (0 before the first sample). */
	double OffsetS() const;

	/** A server Unix time expressed on the local Unix clock. */
	double ServerToLocalUnixS(double serverUnixS) const { return serverUnixS + OffsetS(); }

	/** Forget all samples (after a reconnect the server may be another machine). */
	void Reset() { Samples_.clear(); }

private:
	size_t Window_;
	std::deque<double> Samples_;
};

/** A frame time as Unreal's FFrameTime holds it: whole frame number plus a sub-frame in [0, 1). */
struct FrameTimeParts
{
	int32_t frame = 0;
	float subFrame = 0.0f;
};

/**
 * The local time of day of a Unix time, counted in frames at `fpsNumerator/fpsDenominator`
 * (the time code Unreal's system-time timecode provider uses). `utcOffsetS` is local time - UTC.
 * A zero numerator or denominator gives frame 0.
 */
FrameTimeParts TimeOfDayFrame(double unixS, double utcOffsetS, uint32_t fpsNumerator, uint32_t fpsDenominator);

/** A local Unix time on the platform clock, given "now" read on both clocks. */
inline double UnixToPlatformS(double unixS, double nowUnixS, double nowPlatformS)
{
	return nowPlatformS + (unixS - nowUnixS);
}

}  // namespace emoface::plugin
