// EmoFace Bridge Live Link plugin: the socket worker thread (FRunnable) that drives the protocol core.
//
// One TCP connection to `emoface serve --livelink-port`: connect with a time-out, reconnect with capped
// exponential back-off, HELLO/SUBSCRIBE, non-blocking reads with a short wait, heartbeats after 1 s of
// silence, idle time-out. Bytes go through emoface::protocol::ClientSession (Protocol/, plain C++);
// its events are handed to a listener on this thread. No Live Link code here.
#pragma once

#include "CoreMinimal.h"
#include "Containers/Queue.h"
#include "HAL/CriticalSection.h"
#include "HAL/Runnable.h"

#include "EmoFaceConnectionString.h"
#include "EmoFaceTiming.h"
#include "Protocol/EmoFaceClientSession.h"
#include "Protocol/EmoFaceProtocol.h"

#include <atomic>
#include <memory>

class FInternetAddr;
class FRunnableThread;
class FSocket;

/** Everything the worker needs to connect; built from the connection string and UEmoFaceLiveLinkSettings. */
struct FEmoFaceWorkerConfig
{
	/** Host, port, subjects, token and client name. */
	emoface::plugin::ConnectionSettings Connection;
	/** Reconnect delays. */
	emoface::plugin::BackoffPolicy Backoff;
	/** Time allowed for one TCP connect, s. */
	double ConnectTimeoutS = 3.0;
	/** Reconnect when nothing arrived for this long, s. */
	double IdleTimeoutS = 10.0;
	/** Send a HEARTBEAT after this long without sending anything, s (the protocol says 1 s). */
	double HeartbeatIntervalS = 1.0;
};

/** Receives the worker's news, on the worker thread. Implementations must return quickly. */
class IEmoFaceWorkerListener
{
public:
	virtual ~IEmoFaceWorkerListener() = default;

	/** A short human-readable state ("Connecting to ...", "Connected ...", "Retrying in 2.0 s: ..."). */
	virtual void OnWorkerStatus(const FString& Status) = 0;

	/** One event of the client session, in order. `LocalUnixS` is this machine's Unix time when it was read. */
	virtual void OnSessionEvent(const emoface::protocol::SessionEvent& Event, double LocalUnixS) = 0;

	/** A new HEARTBEAT arrived: the server's send time and the local Unix receive time (a clock sample). */
	virtual void OnServerHeartbeat(double ServerSendUnixS, double LocalUnixS) = 0;

	/** The connection closed (any reason); subjects keep their last pose until new data arrives. */
	virtual void OnWorkerDisconnected() = 0;
};

/** The socket thread. Create, Start(), and Shutdown() (also done by the destructor). */
class FEmoFaceSocketWorker : public FRunnable
{
public:
	FEmoFaceSocketWorker(const FEmoFaceWorkerConfig& InConfig, IEmoFaceWorkerListener& InListener);
	virtual ~FEmoFaceSocketWorker() override;

	/** Start the thread. */
	void Start();

	/** Ask the thread to stop and wait for it: every wait of the thread is sliced, so about one slice (~50 ms). */
	void Shutdown();

	/** Any thread: queue a line for sending. False (with a reason) if not connected or shutting down. */
	bool EnqueueSubmit(emoface::protocol::SubmitLine&& Line, FString& OutError);

	/** Any thread: reconnect with new settings (after the source's connection string was edited). */
	void Reconfigure(const FEmoFaceWorkerConfig& InConfig);

	/** Any thread: SERVER_HELLO received and the connection is up. */
	bool IsConnected() const { return bConnected.load(); }

	/** Any thread: the worker stopped trying (attempts exhausted, version mismatch or token refused). */
	bool HasGivenUp() const { return bGaveUp.load(); }

	/** Any thread: the subjects this worker subscribes to (empty = all). */
	TArray<FString> GetSubscribedSubjects() const;

	//~ FRunnable
	virtual uint32 Run() override;
	virtual void Stop() override;

private:
	bool TryConnect(const FEmoFaceWorkerConfig& Attempt);
	/** The host's address; null (LastFailure set) if it does not resolve, on time-out, stop or reconfigure. */
	TSharedPtr<FInternetAddr> ResolveHost(const FString& Host, const FEmoFaceWorkerConfig& Attempt);
	void CloseSocket(const FString& Reason, bool bRetry);
	bool PumpReceive();
	bool PumpSend();
	void DrainSessionEvents();
	void QueueBytes(const std::vector<uint8_t>& Bytes);
	void SendQueuedSubmits();
	void WaitBeforeRetry(const FEmoFaceWorkerConfig& Attempt);

	/** Listener (the source); outlives the worker. */
	IEmoFaceWorkerListener& Listener;
	/** The thread, null until Start(). */
	FRunnableThread* Thread = nullptr;
	/** Connected socket, null while disconnected. Worker thread only. */
	FSocket* Socket = nullptr;
	/** Protocol state of the current connection. Worker thread only. */
	std::unique_ptr<emoface::protocol::ClientSession> Session;
	/** Bytes waiting to be written, and how many of them are already sent. Worker thread only. */
	TArray<uint8> SendBuffer;
	int32 SendOffset = 0;
	/** Lines submitted from other threads, sent by the worker once connected. */
	TQueue<emoface::protocol::SubmitLine, EQueueMode::Mpsc> PendingSubmits;
	/** Receive buffer of kReadChunkBytes. Worker thread only. */
	TArray<uint8> ReadBuffer;
	/** Guards Config. */
	mutable FCriticalSection ConfigLock;
	FEmoFaceWorkerConfig Config;
	/** Set by Reconfigure(): close and reconnect with the new Config. */
	std::atomic<bool> bReconfigure{false};
	/** The last failure, for status text. Worker thread only. */
	FString LastFailure;
	/** The current failure must not be retried (version mismatch, token refused, stop). Worker thread only. */
	bool bNoRetry = false;
	/** Consecutive failed connection attempts. Worker thread only. */
	int32 FailedAttempts = 0;
	/** Platform times (FPlatformTime::Seconds) of the last byte received and sent. Worker thread only. */
	double LastReceivePlatformS = 0.0;
	double LastSendPlatformS = 0.0;
	/** sender_time_s of the last server HEARTBEAT passed to the listener (0 = none this connection). */
	double LastHeartbeatSeenS = 0.0;
	/** Set by Stop(); the loop exits at its next check. */
	std::atomic<bool> bStopRequested{false};
	std::atomic<bool> bConnected{false};
	std::atomic<bool> bGaveUp{false};
};
