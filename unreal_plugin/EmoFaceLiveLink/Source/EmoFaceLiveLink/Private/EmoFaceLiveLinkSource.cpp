// EmoFace Bridge Live Link plugin: the Live Link source.
#include "EmoFaceLiveLinkSource.h"

#include "EmoFaceConnectionString.h"
#include "EmoFaceLiveLinkModule.h"
#include "EmoFaceLiveLinkSettings.h"
#include "EmoFaceLiveLinkSourceFactory.h"
#include "EmoFaceSocketWorker.h"
#include "EmoFaceStringConv.h"
#include "EmoFaceSubjectPublisher.h"
#include "ILiveLinkClient.h"
#include "LiveLinkSourceSettings.h"
#include "Misc/ScopeLock.h"
#include "UObject/UnrealType.h"

#include <variant>

#define LOCTEXT_NAMESPACE "EmoFaceLiveLinkSource"

namespace
{

/** Protocol errors logged in full before the log switches to one line per 100. */
constexpr int64 kProtocolErrorsLoggedInFull = 10;

/** Line start times kept for GetLineStartPlatformTime (the newest request ids). */
constexpr int32 kMaxRememberedLineStarts = 256;

/** Names of the protocol message variant's alternatives, in the order of emoface::protocol::Message. */
const TCHAR* MessageName(const emoface::protocol::Message& Message)
{
	static const TCHAR* const Names[] = {TEXT("HELLO"), TEXT("SUBSCRIBE"), TEXT("UNSUBSCRIBE"), TEXT("SUBMIT_LINE"),
		TEXT("HEARTBEAT"), TEXT("BYE"), TEXT("SERVER_HELLO"), TEXT("SUBJECT_STATIC"), TEXT("LINE_START"), TEXT("FRAME"),
		TEXT("LINE_END"), TEXT("ERROR"), TEXT("unknown message")};
	const size_t Index = Message.index();
	return Index < UE_ARRAY_COUNT(Names) ? Names[Index] : TEXT("?");
}

}  // namespace

/** The worker's listener: forwards protocol events to the publisher and keeps the status text. */
class FEmoFaceSourceListener final : public IEmoFaceWorkerListener
{
public:
	explicit FEmoFaceSourceListener(FEmoFaceLiveLinkSource& InSource) : Source(InSource) {}

	virtual void OnWorkerStatus(const FString& InStatus) override
	{
		Source.SetStatus(InStatus);
	}

	virtual void OnWorkerDisconnected() override
	{
		Source.Publisher->OnDisconnected();
	}

	virtual void OnServerHeartbeat(double ServerSendUnixS, double LocalUnixS) override
	{
		Source.Publisher->OnServerHeartbeat(ServerSendUnixS, LocalUnixS);
	}

	virtual void OnSessionEvent(const emoface::protocol::SessionEvent& Event, double LocalUnixS) override
	{
		using namespace emoface::protocol;
		using Kind = SessionEvent::Kind;
		FEmoFaceSubjectPublisher& Publisher = *Source.Publisher;
		switch (Event.kind)
		{
		case Kind::Connected:
			if (const ServerHello* Hello = std::get_if<ServerHello>(&Event.message))
			{
				Publisher.OnServerHello(*Hello, LocalUnixS);
				Source.SetStatus(FString::Printf(TEXT("Connected to %s (server %s, model %s)"), *Source.MachineNameCopy(),
					*EmoFace::ToFString(Hello->serverName), *EmoFace::ToFString(Hello->modelId)));
			}
			break;
		case Kind::StaticData:
			if (const SubjectStatic* Static = std::get_if<SubjectStatic>(&Event.message))
			{
				Publisher.OnSubjectStatic(*Static);
			}
			break;
		case Kind::LineStarted:
			if (const LineStart* Start = std::get_if<LineStart>(&Event.message))
			{
				Source.RecordLineStart(Start->requestId, Publisher.OnLineStart(*Start));
				Source.SetStatus(FString::Printf(TEXT("Active: line %u on %s"), Start->lineId, *EmoFace::ToFString(Start->subject)));
			}
			break;
		case Kind::FrameReady:
			if (const Frame* FrameMessage = std::get_if<Frame>(&Event.message))
			{
				(Publisher.OnFrame(*FrameMessage) ? Source.FramesPushed : Source.FramesDropped)++;
			}
			break;
		case Kind::LineEnded:
			if (const LineEnd* End = std::get_if<LineEnd>(&Event.message))
			{
				Publisher.OnLineEnd(*End);
				Source.SetStatus(End->status == LineStatus::Failed
					? FString::Printf(TEXT("Line %u failed: %s"), End->lineId, *EmoFace::ToFString(End->message))
					: FString::Printf(TEXT("Connected to %s, idle"), *Source.MachineNameCopy()));
			}
			break;
		case Kind::ServerError:
			OnServerError(Event);
			break;
		case Kind::ProtocolError:
			OnProtocolError(Event);
			break;
		}
	}

private:
	void OnServerError(const emoface::protocol::SessionEvent& Event)
	{
		const emoface::protocol::Error* Error = std::get_if<emoface::protocol::Error>(&Event.message);
		const int32 Code = Error ? static_cast<int32>(Error->code) : 0;
		const FString Message = Error ? EmoFace::ToFString(Error->message) : FString(TEXT("(no message)"));
		++Source.ServerErrors;
		UE_LOG(LogEmoFaceLiveLink, Warning, TEXT("Server error %d (request %u): %s"), Code, Error ? Error->requestId : 0u, *Message);
		const TCHAR* Hint = Code == static_cast<int32>(emoface::protocol::ErrorCode::UnsupportedVersion)
			? TEXT(" - the plugin and the service speak different protocol versions; update one of them")
			: Code == static_cast<int32>(emoface::protocol::ErrorCode::Unauthenticated)
				? TEXT(" - set token=... in the connection string to a token of the server's --token-file (scope animate)")
				: TEXT("");
		Source.SetStatus(FString::Printf(TEXT("Server error %d: %s%s"), Code, *Message, Hint));
	}

	void OnProtocolError(const emoface::protocol::SessionEvent& Event)
	{
		const int64 Count = ++Source.ProtocolErrors;
		if (Count <= kProtocolErrorsLoggedInFull || Count % 100 == 0)
		{
			UE_LOG(LogEmoFaceLiveLink, Warning, TEXT("Protocol error #%lld: unexpected %s for subject '%s'; message dropped"),
				Count, MessageName(Event.message), *EmoFace::ToFString(Event.subject));
		}
		Source.SetStatus(FString::Printf(TEXT("Connected to %s; %lld malformed message(s) dropped (see the log)"), *Source.MachineNameCopy(), Count));
	}

	FEmoFaceLiveLinkSource& Source;
};

namespace
{

/** Defaults for keys missing from a connection string, from Project Settings. */
emoface::plugin::ConnectionSettings DefaultConnection()
{
	const UEmoFaceLiveLinkSettings* Settings = GetDefault<UEmoFaceLiveLinkSettings>();
	emoface::plugin::ConnectionSettings Defaults;
	Defaults.host = EmoFace::ToStdString(Settings->DefaultHost);
	Defaults.port = static_cast<uint16_t>(FMath::Clamp(Settings->DefaultPort, 1, 65535));
	Defaults.subjects = EmoFace::ToStdStrings(Settings->DefaultSubjects);
	Defaults.token = EmoFace::ToStdString(Settings->DefaultToken);
	Defaults.clientName = EmoFace::ToStdString(Settings->ClientName);
	return Defaults;
}

FEmoFaceWorkerConfig MakeWorkerConfig(const emoface::plugin::ConnectionSettings& Connection)
{
	const UEmoFaceLiveLinkSettings* Settings = GetDefault<UEmoFaceLiveLinkSettings>();
	FEmoFaceWorkerConfig Config;
	Config.Connection = Connection;
	Config.Backoff.initialDelayS = Settings->ReconnectInitialDelayS;
	Config.Backoff.maxDelayS = Settings->ReconnectMaxDelayS;
	Config.Backoff.maxAttempts = Settings->ReconnectMaxAttempts;
	Config.ConnectTimeoutS = Settings->ConnectTimeoutS;
	Config.IdleTimeoutS = Settings->IdleTimeoutS;
	return Config;
}

}  // namespace

FEmoFaceLiveLinkSource::FEmoFaceLiveLinkSource(const FString& InConnectionString)
	: ConnectionString(InConnectionString)
{
	const emoface::plugin::ConnectionParseResult Parsed = emoface::plugin::ParseConnectionString(EmoFace::ToStdString(InConnectionString), DefaultConnection());
	if (Parsed.ok)
	{
		ConnectionString = EmoFace::ToFString(emoface::plugin::FormatConnectionString(Parsed.settings));
		MachineName = FString::Printf(TEXT("%s:%d"), *EmoFace::ToFString(Parsed.settings.host), Parsed.settings.port);
		Status = TEXT("Waiting for the Live Link client");
	}
	else
	{
		MachineName = TEXT("(invalid connection string)");
		Status = FString::Printf(TEXT("Invalid connection string: %s"), *EmoFace::ToFString(Parsed.error));
		UE_LOG(LogEmoFaceLiveLink, Error, TEXT("%s"), *Status);
	}
}

FEmoFaceLiveLinkSource::~FEmoFaceLiveLinkSource()
{
	// The worker references the listener and the publisher: stop it first.
	Worker.reset();
	Listener.reset();
	Publisher.reset();
}

void FEmoFaceLiveLinkSource::ReceiveClient(ILiveLinkClient* InClient, FGuid InSourceGuid)
{
	Client = InClient;
	SourceGuid = InSourceGuid;
	const emoface::plugin::ConnectionParseResult Parsed = emoface::plugin::ParseConnectionString(EmoFace::ToStdString(ConnectionString), DefaultConnection());
	if (!Parsed.ok || Client == nullptr)
	{
		return;   // the status already says why
	}
	Publisher = std::make_unique<FEmoFaceSubjectPublisher>(Client, SourceGuid, GetDefault<UEmoFaceLiveLinkSettings>()->bPushHeadProperties);
	Listener = std::make_unique<FEmoFaceSourceListener>(*this);
	Worker = std::make_unique<FEmoFaceSocketWorker>(MakeWorkerConfig(Parsed.settings), *Listener);
	Worker->Start();
	FEmoFaceLiveLinkModule::Get().RegisterSource(AsShared());
}

void FEmoFaceLiveLinkSource::InitializeSettings(ULiveLinkSourceSettings* Settings)
{
	if (Settings == nullptr)
	{
		return;
	}
	// Saved presets recreate the source through our factory with this string.
	Settings->ConnectionString = ConnectionString;
	Settings->Factory = UEmoFaceLiveLinkSourceFactory::StaticClass();
	// Frames carry their own time on the engine clock (see FEmoFaceSubjectPublisher::OnFrame): evaluate on
	// engine time so each shows at that time (plus the engine's evaluation delay, GetEngineEvaluationDelayS)
	// rather than on arrival (Latest), and keep enough of them buffered. ELiveLinkSourceMode: LiveLinkTypes.h.
	Settings->Mode = ELiveLinkSourceMode::EngineTime;
	Settings->BufferSettings.MaxNumberOfFrameToBuffered = FMath::Max(Settings->BufferSettings.MaxNumberOfFrameToBuffered,
		GetDefault<UEmoFaceLiveLinkSettings>()->FramesToBuffer);
}

void FEmoFaceLiveLinkSource::OnSettingsChanged(ULiveLinkSourceSettings* Settings, const FPropertyChangedEvent& PropertyChangedEvent)
{
	if (Settings == nullptr || PropertyChangedEvent.GetPropertyName() != GET_MEMBER_NAME_CHECKED(ULiveLinkSourceSettings, ConnectionString))
	{
		return;
	}
	const emoface::plugin::ConnectionParseResult Parsed = emoface::plugin::ParseConnectionString(EmoFace::ToStdString(Settings->ConnectionString), DefaultConnection());
	if (!Parsed.ok)
	{
		SetStatus(FString::Printf(TEXT("Invalid connection string (still using the previous one): %s"), *EmoFace::ToFString(Parsed.error)));
		UE_LOG(LogEmoFaceLiveLink, Error, TEXT("Invalid connection string '%s': %s"), *Settings->ConnectionString, *EmoFace::ToFString(Parsed.error));
		return;
	}
	ConnectionString = EmoFace::ToFString(emoface::plugin::FormatConnectionString(Parsed.settings));
	{
		FScopeLock Lock(&StatusLock);
		MachineName = FString::Printf(TEXT("%s:%d"), *EmoFace::ToFString(Parsed.settings.host), Parsed.settings.port);
	}
	if (Worker)
	{
		Worker->Reconfigure(MakeWorkerConfig(Parsed.settings));
	}
}

bool FEmoFaceLiveLinkSource::IsSourceStillValid() const
{
	return Worker != nullptr && !bShuttingDown.load() && !Worker->HasGivenUp();
}

bool FEmoFaceLiveLinkSource::RequestSourceShutdown()
{
	bShuttingDown = true;
	if (Worker)
	{
		Worker->Shutdown();   // joins the socket thread: the publisher is ours again
	}
	if (Publisher)
	{
		Publisher->RemoveAllSubjects();
	}
	if (FEmoFaceLiveLinkModule* Module = FModuleManager::GetModulePtr<FEmoFaceLiveLinkModule>(TEXT("EmoFaceLiveLink")))
	{
		Module->UnregisterSource(this);
	}
	return true;
}

FText FEmoFaceLiveLinkSource::GetSourceType() const
{
	return LOCTEXT("SourceType", "EmoFace Bridge");
}

FText FEmoFaceLiveLinkSource::GetSourceMachineName() const
{
	return FText::FromString(MachineNameCopy());
}

FString FEmoFaceLiveLinkSource::MachineNameCopy() const
{
	FScopeLock Lock(&StatusLock);
	return MachineName;
}

FText FEmoFaceLiveLinkSource::GetSourceStatus() const
{
	FScopeLock Lock(&StatusLock);
	return FText::FromString(Status);
}

FText FEmoFaceLiveLinkSource::GetSourceToolTip() const
{
	return FText::FromString(FString::Printf(TEXT("%s\nFrames pushed: %lld, dropped: %lld, malformed messages: %lld, server errors: %lld"),
		*ConnectionString, FramesPushed.load(), FramesDropped.load(), ProtocolErrors.load(), ServerErrors.load()));
}

void FEmoFaceLiveLinkSource::RecordLineStart(uint32 RequestId, double StartPlatformS)
{
	if (RequestId == 0)
	{
		return;   // lines from other clients or from gRPC requests
	}
	FScopeLock Lock(&StatusLock);
	LineStartPlatformS.Add(RequestId, StartPlatformS);
	while (LineStartPlatformS.Num() > kMaxRememberedLineStarts)
	{
		uint32 Oldest = MAX_uint32;
		for (const TPair<uint32, double>& Pair : LineStartPlatformS)
		{
			Oldest = FMath::Min(Oldest, Pair.Key);
		}
		LineStartPlatformS.Remove(Oldest);
	}
}

bool FEmoFaceLiveLinkSource::GetLineStartPlatformTime(uint32 RequestId, double& OutStartPlatformS) const
{
	FScopeLock Lock(&StatusLock);
	if (const double* Found = LineStartPlatformS.Find(RequestId))
	{
		OutStartPlatformS = *Found;
		return true;
	}
	return false;
}

double FEmoFaceLiveLinkSource::GetEngineEvaluationDelayS() const
{
	check(IsInGameThread());   // the source settings are a UObject the game thread edits
	const ULiveLinkSourceSettings* Settings = Client != nullptr ? Client->GetSourceSettings(SourceGuid) : nullptr;
	if (Settings == nullptr || Settings->Mode != ELiveLinkSourceMode::EngineTime)
	{
		return 0.0;
	}
	// LiveLinkSourceSettings.h, FLiveLinkSourceBufferManagementSettings: the user offset, then the two offsets
	// the engine keeps up to date per source.
	const FLiveLinkSourceBufferManagementSettings& Buffer = Settings->BufferSettings;
	return Buffer.EngineTimeOffset + Buffer.EngineTimeClockOffset + Buffer.SmoothEngineTimeOffset;
}

void FEmoFaceLiveLinkSource::SetStatus(const FString& InStatus)
{
	FScopeLock Lock(&StatusLock);
	Status = InStatus;
}

bool FEmoFaceLiveLinkSource::IsConnected() const
{
	return Worker != nullptr && Worker->IsConnected();
}

bool FEmoFaceLiveLinkSource::ServesSubject(FName Subject) const
{
	if (Worker == nullptr)
	{
		return false;
	}
	const TArray<FString> Subjects = Worker->GetSubscribedSubjects();
	return Subjects.Num() == 0 || Subjects.Contains(Subject.ToString());
}

uint32 FEmoFaceLiveLinkSource::SubmitLine(FEmoFaceLineRequest&& Request, FString& OutError)
{
	if (Worker == nullptr || bShuttingDown.load())
	{
		OutError = TEXT("the EmoFace source is not running");
		return 0;
	}
	emoface::protocol::SubmitLine Line;
	Line.requestId = NextRequestId.fetch_add(1);
	if (Line.requestId == 0)
	{
		Line.requestId = NextRequestId.fetch_add(1);   // 0 means "none" in the protocol
	}
	Line.subject = EmoFace::ToStdString(Request.Subject);
	Line.encoding = emoface::protocol::PcmEncoding::S16LE;
	Line.sampleRateHz = static_cast<uint32_t>(Request.SampleRateHz);
	Line.channels = static_cast<uint16_t>(Request.NumChannels);
	Line.flags = static_cast<uint8_t>((Request.bPaced ? emoface::protocol::kFlagPaced : 0) | (Request.bInterrupt ? emoface::protocol::kFlagInterrupt : 0));
	Line.emotion = EmoFace::ToStdString(Request.Emotion);
	Line.optionsJson = EmoFace::ToStdString(Request.OptionsJson);
	Line.audio.assign(Request.PcmS16.GetData(), Request.PcmS16.GetData() + Request.PcmS16.Num());
	const uint32 RequestId = Line.requestId;
	return Worker->EnqueueSubmit(MoveTemp(Line), OutError) ? RequestId : 0;
}

#undef LOCTEXT_NAMESPACE
