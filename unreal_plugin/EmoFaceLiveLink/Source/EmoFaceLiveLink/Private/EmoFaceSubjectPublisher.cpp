// EmoFace Bridge Live Link plugin: protocol messages -> Live Link Basic-role subjects.
#include "EmoFaceSubjectPublisher.h"

#include "EmoFaceLiveLinkModule.h"
#include "EmoFaceRawControls.h"
#include "EmoFaceStringConv.h"
#include "HAL/PlatformTime.h"
#include "ILiveLinkClient.h"
#include "LiveLinkTypes.h"
#include "Misc/DateTime.h"
#include "Roles/LiveLinkBasicRole.h"

namespace
{

/**
 * The properties Epic's MetaHuman Live Link subjects carry after the raw curves, in Epic's order, and our values
 * (Engine/Plugins/MetaHuman/MetaHumanLiveLink/Source/MetaHumanLocalLiveLinkSource/Private/
 * MetaHumanLocalLiveLinkSubject.cpp, PushStaticData / PushFrameData).
 */
struct FHeadProperty
{
	const TCHAR* Name;
	float Value;
};
constexpr FHeadProperty kHeadProperties[] = {
	{TEXT("HeadControlSwitch"), 0.0f},   // 0: the head is not driven by this subject
	{TEXT("HeadRoll"), 0.0f},
	{TEXT("HeadPitch"), 0.0f},
	{TEXT("HeadYaw"), 0.0f},
	{TEXT("HeadTranslationX"), 0.0f},
	{TEXT("HeadTranslationY"), 0.0f},
	{TEXT("HeadTranslationZ"), 0.0f},
	{TEXT("MHFDSVersion"), 1.0f},          // facial data version; Epic's local (audio/video) subjects send 1
	{TEXT("DisableFaceOverride"), 1.0f},   // Epic's local subjects send 1; face Animation Blueprints read it
};

/**
 * Offset between the clock of our frame times and the engine's clock, s: 0, because FrameTimes() already
 * moves every frame time onto FPlatformTime::Seconds (server Unix clock -> local Unix clock -> platform clock).
 */
constexpr double kSourceToEngineClockOffsetS = 0.0;

/** Local time - UTC, s, rounded to the minute. */
double UtcOffsetS()
{
	const double OffsetS = (FDateTime::Now() - FDateTime::UtcNow()).GetTotalSeconds();
	return FMath::RoundToDouble(OffsetS / 60.0) * 60.0;
}

}  // namespace

FEmoFaceSubjectPublisher::FEmoFaceSubjectPublisher(ILiveLinkClient* InClient, const FGuid& InSourceGuid, bool bInPushHeadProperties)
	: Client(InClient)
	, SourceGuid(InSourceGuid)
	, bPushHeadProperties(bInPushHeadProperties)
{
}

void FEmoFaceSubjectPublisher::OnServerHello(const emoface::protocol::ServerHello& Hello, double LocalUnixS)
{
	Clock.Reset();
	Clock.AddSample(Hello.serverTimeS, LocalUnixS);
	UE_LOG(LogEmoFaceLiveLink, Log, TEXT("Server '%s' (model %s), protocol %d.%d; server clock - local clock = %.3f s"),
		*EmoFace::ToFString(Hello.serverName), *EmoFace::ToFString(Hello.modelId), Hello.major, Hello.minor, -Clock.OffsetS());
}

void FEmoFaceSubjectPublisher::OnServerHeartbeat(double ServerSendUnixS, double LocalUnixS)
{
	Clock.AddSample(ServerSendUnixS, LocalUnixS);
}

void FEmoFaceSubjectPublisher::OnSubjectStatic(const emoface::protocol::SubjectStatic& Static)
{
	const FString Key = EmoFace::ToFString(Static.subject);
	FSubject& Subject = Subjects.FindOrAdd(Key);
	Subject.Name = FName(*Key);
	Subject.Adapter = std::make_unique<emoface::plugin::GuiAdapter>(Static.controls);
	Subject.GuiNames.Reset();
	for (const std::string& GuiName : Subject.Adapter->GuiNames())
	{
		Subject.GuiNames.Add(EmoFace::ToFString(GuiName));
	}
	Subject.FrameRate = FFrameRate(static_cast<int32>(Static.fpsNumerator), static_cast<int32>(FMath::Max<uint32>(1, Static.fpsDenominator)));
	Subject.bHasLine = false;
	for (const std::string& Dropped : Subject.Adapter->DroppedControls())
	{
		UE_LOG(LogEmoFaceLiveLink, Verbose, TEXT("Subject %s: control %s has no MetaHuman counterpart and is ignored"), *Key, *EmoFace::ToFString(Dropped));
	}

	FLiveLinkStaticDataStruct StaticStruct(FLiveLinkBaseStaticData::StaticStruct());
	FLiveLinkBaseStaticData& StaticData = *StaticStruct.Cast<FLiveLinkBaseStaticData>();
	StaticData.PropertyNames = EmoFace::FRawControls::Get().GetRawNames();
	if (bPushHeadProperties)
	{
		for (const FHeadProperty& Property : kHeadProperties)
		{
			StaticData.PropertyNames.Add(FName(Property.Name));
		}
	}
	Client->PushSubjectStaticData_AnyThread(FLiveLinkSubjectKey(SourceGuid, Subject.Name), ULiveLinkBasicRole::StaticClass(), MoveTemp(StaticStruct));
	UE_LOG(LogEmoFaceLiveLink, Log, TEXT("Subject %s: %d face-board controls -> %d raw curves at %s fps"),
		*Key, static_cast<int32>(Static.controls.size()), EmoFace::FRawControls::Get().GetRawNames().Num(), *Subject.FrameRate.ToPrettyText().ToString());
}

double FEmoFaceSubjectPublisher::OnLineStart(const emoface::protocol::LineStart& Start)
{
	const double StartPlatformS = emoface::plugin::UnixToPlatformS(Clock.ServerToLocalUnixS(Start.startTimeS), emoface::plugin::UnixNowS(), FPlatformTime::Seconds());
	FSubject* Subject = Subjects.Find(EmoFace::ToFString(Start.subject));
	if (Subject == nullptr)
	{
		UE_LOG(LogEmoFaceLiveLink, Warning, TEXT("LINE_START for subject %s before its static data; ignored"), *EmoFace::ToFString(Start.subject));
		return StartPlatformS;
	}
	Subject->LineId = Start.lineId;
	Subject->LineStartServerUnixS = Start.startTimeS;
	Subject->bHasLine = true;
	const double LeadS = Clock.ServerToLocalUnixS(Start.startTimeS) - emoface::plugin::UnixNowS();
	UE_LOG(LogEmoFaceLiveLink, Log, TEXT("Subject %s: line %u (request %u) starts in %.3f s"), *Subject->Name.ToString(), Start.lineId, Start.requestId, LeadS);
	return StartPlatformS;
}

bool FEmoFaceSubjectPublisher::OnFrame(const emoface::protocol::Frame& Frame)
{
	FSubject* Subject = Subjects.Find(EmoFace::ToFString(Frame.subject));
	size_t NonFinite = 0;
	if (Subject == nullptr || !Subject->Adapter || !Subject->Adapter->Apply(Frame.values.data(), Frame.values.size(), GuiScratch, &NonFinite))
	{
		++Stats.FramesDropped;
		UE_LOG(LogEmoFaceLiveLink, Warning, TEXT("Frame %u of line %u for subject %s dropped: unknown subject or wrong value count (%d)"),
			Frame.frameIndex, Frame.lineId, *EmoFace::ToFString(Frame.subject), static_cast<int32>(Frame.values.size()));
		return false;
	}
	if (NonFinite > 0)
	{
		UE_LOG(LogEmoFaceLiveLink, Warning, TEXT("Subject %s frame %u: %d non-finite values replaced by 0"), *Subject->Name.ToString(), Frame.frameIndex, static_cast<int32>(NonFinite));
	}
	GuiValues.SetNumUninitialized(static_cast<int32>(GuiScratch.size()));
	FMemory::Memcpy(GuiValues.GetData(), GuiScratch.data(), GuiScratch.size() * sizeof(float));
	EmoFace::FRawControls::Get().Convert(Subject->GuiNames, GuiValues, RawValues, ConversionScratch);

	FLiveLinkFrameDataStruct FrameStruct(FLiveLinkBaseFrameData::StaticStruct());
	FLiveLinkBaseFrameData& FrameData = *FrameStruct.Cast<FLiveLinkBaseFrameData>();
	FrameData.PropertyValues = RawValues;
	if (bPushHeadProperties)
	{
		for (const FHeadProperty& Property : kHeadProperties)
		{
			FrameData.PropertyValues.Add(Property.Value);
		}
	}
	const bool bLineKnown = Subject->bHasLine && Subject->LineId == Frame.lineId;
	const double FrameServerUnixS = bLineKnown ? Subject->LineStartServerUnixS + Frame.timeS : emoface::plugin::UnixNowS() - Clock.OffsetS();
	double WorldTimeS = 0.0;
	FrameTimes(*Subject, FrameServerUnixS, WorldTimeS, FrameData.MetaData.SceneTime);
	// The time is already on the engine's clock (FPlatformTime::Seconds), so the source-to-engine offset is 0.
	// LiveLinkTypes.h: the one-argument FLiveLinkWorldTime(double) sets Offset = FPlatformTime::Seconds() - Time,
	// which turns the offsetted time into the push time; the (Time, Offset) constructor keeps both as given.
	FrameData.WorldTime = FLiveLinkWorldTime(WorldTimeS, kSourceToEngineClockOffsetS);
	FrameData.MetaData.StringMetaData.Add(TEXT("EmoFaceLineId"), LexToString(Frame.lineId));
	FrameData.MetaData.StringMetaData.Add(TEXT("EmoFaceFrameIndex"), LexToString(Frame.frameIndex));
	Client->PushSubjectFrameData_AnyThread(FLiveLinkSubjectKey(SourceGuid, Subject->Name), MoveTemp(FrameStruct));
	++Stats.FramesPushed;
	return true;
}

void FEmoFaceSubjectPublisher::FrameTimes(const FSubject& Subject, double FrameServerUnixS, double& OutWorldTimeS, FQualifiedFrameTime& OutSceneTime) const
{
	const double FrameLocalUnixS = Clock.ServerToLocalUnixS(FrameServerUnixS);
	OutWorldTimeS = emoface::plugin::UnixToPlatformS(FrameLocalUnixS, emoface::plugin::UnixNowS(), FPlatformTime::Seconds());
	const emoface::plugin::FrameTimeParts Parts = emoface::plugin::TimeOfDayFrame(FrameLocalUnixS, UtcOffsetS(),
		static_cast<uint32_t>(Subject.FrameRate.Numerator), static_cast<uint32_t>(Subject.FrameRate.Denominator));
	OutSceneTime = FQualifiedFrameTime(FFrameTime(FFrameNumber(Parts.frame), Parts.subFrame), Subject.FrameRate);
}

void FEmoFaceSubjectPublisher::OnLineEnd(const emoface::protocol::LineEnd& End)
{
	const FString SubjectName = EmoFace::ToFString(End.subject);
	if (FSubject* Subject = Subjects.Find(SubjectName))
	{
		if (Subject->bHasLine && Subject->LineId == End.lineId)
		{
			Subject->bHasLine = false;
		}
	}
	if (End.status == emoface::protocol::LineStatus::Failed)
	{
		++Stats.LinesFailed;
		UE_LOG(LogEmoFaceLiveLink, Warning, TEXT("Subject %s: line %u failed after %u frames: %s"), *SubjectName, End.lineId, End.framesSent, *EmoFace::ToFString(End.message));
	}
	else
	{
		UE_LOG(LogEmoFaceLiveLink, Log, TEXT("Subject %s: line %u %s after %u frames"), *SubjectName, End.lineId,
			End.status == emoface::protocol::LineStatus::Cancelled ? TEXT("cancelled") : TEXT("complete"), End.framesSent);
	}
}

void FEmoFaceSubjectPublisher::OnDisconnected()
{
	Clock.Reset();
	for (TPair<FString, FSubject>& Pair : Subjects)
	{
		Pair.Value.bHasLine = false;
	}
}

void FEmoFaceSubjectPublisher::RemoveAllSubjects()
{
	for (const TPair<FString, FSubject>& Pair : Subjects)
	{
		Client->RemoveSubject_AnyThread(FLiveLinkSubjectKey(SourceGuid, Pair.Value.Name));
	}
	Subjects.Reset();
}
