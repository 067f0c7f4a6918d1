// EmoFace Bridge Live Link plugin: the Live Link source (one TCP connection to the EmoFace service).
#pragma once

#include "CoreMinimal.h"
#include "HAL/CriticalSection.h"
#include "ILiveLinkSource.h"

#include <atomic>
#include <memory>

class FEmoFaceSocketWorker;
class FEmoFaceSubjectPublisher;
class FEmoFaceSourceListener;
class ILiveLinkClient;

/** A line to animate, as the Blueprint library hands it to a source. */
struct FEmoFaceLineRequest
{
	/** Subject (NPC) the line animates. */
	FString Subject;
	/** Interleaved signed 16-bit little-endian PCM. */
	TArray<uint8> PcmS16;
	/** Sample rate of PcmS16, Hz (4000..192000). */
	int32 SampleRateHz = 0;
	/** Channels of PcmS16 (1..8). */
	int32 NumChannels = 0;
	/** Emotion spec: "happy", "happy:0.6", or a JSON emotion track; empty = neutral. */
	FString Emotion;
	/** Request options as JSON (the `emoface animate` schema); empty = server defaults. */
	FString OptionsJson;
	/** Send frames in real time (live preview, NPC dialogue) rather than as fast as computed. */
	bool bPaced = true;
	/** End the subject's current and queued lines and start this one at once. */
	bool bInterrupt = false;
};

/**
 * Live Link source for `emoface serve --livelink-port`: a socket worker thread (FEmoFaceSocketWorker)
 * drives the protocol core, and each subject is pushed with the Basic role whose properties are the
 * MetaHuman raw CTRL_expressions_* curves (FEmoFaceSubjectPublisher). Created by
 * UEmoFaceLiveLinkSourceFactory from a connection string (see EmoFaceConnectionString.h).
 */
class EMOFACELIVELINK_API FEmoFaceLiveLinkSource : public ILiveLinkSource, public TSharedFromThis<FEmoFaceLiveLinkSource>
{
public:
	/** `ConnectionString` must already be valid (the factory checks it). */
	explicit FEmoFaceLiveLinkSource(const FString& InConnectionString);
	virtual ~FEmoFaceLiveLinkSource() override;

	//~ ILiveLinkSource
	virtual void ReceiveClient(ILiveLinkClient* InClient, FGuid InSourceGuid) override;
	virtual void InitializeSettings(ULiveLinkSourceSettings* Settings) override;
	virtual bool IsSourceStillValid() const override;
	virtual bool RequestSourceShutdown() override;
	virtual FText GetSourceType() const override;
	virtual FText GetSourceMachineName() const override;
	virtual FText GetSourceStatus() const override;
	virtual FText GetSourceToolTip() const override;
	virtual void OnSettingsChanged(ULiveLinkSourceSettings* Settings, const FPropertyChangedEvent& PropertyChangedEvent) override;

	/** Any thread: queue a line; returns its request id (> 0), or 0 with `OutError` set. */
	uint32 SubmitLine(FEmoFaceLineRequest&& Request, FString& OutError);

	/** Any thread: connected and handshake done. */
	bool IsConnected() const;

	/** Any thread: subscribed to `Subject` (or to every subject). */
	bool ServesSubject(FName Subject) const;

	/**
	 * Any thread: once the server answered a line submitted here with LINE_START, the time of its frame 0
	 * on the platform clock (FPlatformTime::Seconds, the clock of Live Link world times). Start the line's
	 * audio at that moment and the face is in sync with it.
	 */
	bool GetLineStartPlatformTime(uint32 RequestId, double& OutStartPlatformS) const;

	/**
	 * Game thread: how long after its world time Live Link shows a frame of this source, s. In Engine Time
	 * mode the engine reads its buffer at now - EngineTimeOffset - EngineTimeClockOffset - SmoothEngineTimeOffset
	 * (LiveLinkSubject.cpp, FLiveLinkSubject::Update; the last two are estimated continuously by
	 * LiveLinkTimedDataInput.cpp), so audio started at frame 0's time + this delay is in step with the face.
	 * 0 in Latest and Timecode modes (Latest shows frames on arrival; Timecode follows the timecode provider).
	 */
	double GetEngineEvaluationDelayS() const;

	/** The connection string this source was made from. */
	const FString& GetConnectionString() const { return ConnectionString; }

private:
	friend class FEmoFaceSourceListener;

	/** Worker thread: set the status text shown in the Live Link window. */
	void SetStatus(const FString& InStatus);

	/** Worker thread: remember when the line of `RequestId` starts (0 = not ours: ignored). */
	void RecordLineStart(uint32 RequestId, double StartPlatformS);

	/** Any thread: "host:port" (guarded by StatusLock, since the connection string can be edited). */
	FString MachineNameCopy() const;

	/** Connection string (normalised). */
	FString ConnectionString;
	/** "host:port" for the UI; guarded by StatusLock. */
	FString MachineName;
	/** Live Link client and our Guid in it; set by ReceiveClient. */
	ILiveLinkClient* Client = nullptr;
	FGuid SourceGuid;
	/** Receives worker events and forwards them to the publisher. */
	std::unique_ptr<FEmoFaceSourceListener> Listener;
	/** Live Link pushing; used on the worker thread while it runs. */
	std::unique_ptr<FEmoFaceSubjectPublisher> Publisher;
	/** The socket thread. */
	std::unique_ptr<FEmoFaceSocketWorker> Worker;
	/** Status text, written by the worker thread, read by the UI. */
	mutable FCriticalSection StatusLock;
	FString Status;
	/** Frame-0 platform times of our recent lines by request id; guarded by StatusLock. */
	TMap<uint32, double> LineStartPlatformS;
	/** Counters for the tooltip (written by the worker thread). */
	std::atomic<int64> FramesPushed{0};
	std::atomic<int64> FramesDropped{0};
	std::atomic<int64> ProtocolErrors{0};
	std::atomic<int64> ServerErrors{0};
	/** Next request id (0 is "none" in the protocol). */
	std::atomic<uint32> NextRequestId{1};
	/** RequestSourceShutdown was called. */
	std::atomic<bool> bShuttingDown{false};
};
