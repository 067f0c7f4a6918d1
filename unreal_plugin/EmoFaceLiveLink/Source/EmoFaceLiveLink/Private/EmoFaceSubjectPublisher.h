// EmoFace Bridge Live Link plugin: turns protocol messages into Live Link Basic-role subjects.
//
// Per subject: SUBJECT_STATIC -> static data whose property names are MetaHuman's raw CTRL_expressions_*
// curves (FRawControls) plus, optionally, the head-pose, MHFDSVersion and DisableFaceOverride properties
// of Epic's MetaHuman subjects;
// FRAME -> the 174 face-board values adapted to the engine's names (GuiAdapter), converted to raw
// curves by the engine, and pushed with a world time and a scene time (time of day at the subject's
// frame rate) both derived from LINE_START's start_time_s + time_s on this machine's clock.
// Used on the socket worker thread only.
#pragma once

#include "CoreMinimal.h"
#include "Misc/FrameRate.h"

#include "EmoFaceGuiAdapter.h"
#include "EmoFaceTiming.h"
#include "Protocol/EmoFaceProtocol.h"

#include <memory>

class ILiveLinkClient;

/** Counters shown in the source's status and tooltip. */
struct FEmoFacePublisherStats
{
	/** Frames pushed to Live Link. */
	int64 FramesPushed = 0;
	/** Frames dropped (unknown subject, wrong value count, no conversion output). */
	int64 FramesDropped = 0;
	/** Lines that ended with status FAILED. */
	int64 LinesFailed = 0;
};

/** Pushes subjects of one source to a Live Link client. */
class FEmoFaceSubjectPublisher
{
public:
	FEmoFaceSubjectPublisher(ILiveLinkClient* InClient, const FGuid& InSourceGuid, bool bInPushHeadProperties);

	/** SERVER_HELLO: one sample of the server clock (its server_time_s read at `LocalUnixS`). */
	void OnServerHello(const emoface::protocol::ServerHello& Hello, double LocalUnixS);
	/** HEARTBEAT: one more clock sample (the estimate keeps the minimum of the recent ones). */
	void OnServerHeartbeat(double ServerSendUnixS, double LocalUnixS);
	/** SUBJECT_STATIC: (re)build the subject and push its static data. */
	void OnSubjectStatic(const emoface::protocol::SubjectStatic& Static);
	/** LINE_START: remember the line's start time; returns frame 0's time on the platform clock (FPlatformTime::Seconds). */
	double OnLineStart(const emoface::protocol::LineStart& Start);
	/** FRAME: convert and push; false if the frame was dropped (reason logged). */
	bool OnFrame(const emoface::protocol::Frame& Frame);
	/** LINE_END: forget the line; count failures. */
	void OnLineEnd(const emoface::protocol::LineEnd& End);
	/** The connection closed: the next connection may have another clock; subjects stay. */
	void OnDisconnected();
	/** Remove every subject of this source from the client (source shutdown). */
	void RemoveAllSubjects();

	const FEmoFacePublisherStats& GetStats() const { return Stats; }

private:
	struct FSubject
	{
		/** Live Link subject name. */
		FName Name;
		/** Protocol controls -> engine GUI names for this subject's control list. */
		std::unique_ptr<emoface::plugin::GuiAdapter> Adapter;
		/** Engine GUI names, parallel to the adapter's output. */
		TArray<FString> GuiNames;
		/** The subject's frame rate (SUBJECT_STATIC). */
		FFrameRate FrameRate{60, 1};
		/** The current line and its start time on the server's Unix clock. */
		uint32 LineId = 0;
		double LineStartServerUnixS = 0.0;
		bool bHasLine = false;
	};

	/** World time (platform clock) and scene time of a frame at `FrameServerUnixS`. */
	void FrameTimes(const FSubject& Subject, double FrameServerUnixS, double& OutWorldTimeS, FQualifiedFrameTime& OutSceneTime) const;

	/** The Live Link client; pushes are allowed from any thread. */
	ILiveLinkClient* Client = nullptr;
	/** Guid the client gave this source. */
	FGuid SourceGuid;
	/** Append the head-pose properties to every subject. */
	bool bPushHeadProperties = true;
	/** Subjects by protocol name. */
	TMap<FString, FSubject> Subjects;
	/** Server clock -> local clock. */
	emoface::plugin::ClockOffsetEstimator Clock;
	/** Scratch buffers reused for every frame. */
	std::vector<float> GuiScratch;
	TArray<float> GuiValues;
	TArray<float> RawValues;
	TMap<FString, float> ConversionScratch;
	FEmoFacePublisherStats Stats;
};
