// EmoFace Bridge Live Link plugin: the socket worker thread.
#include "EmoFaceSocketWorker.h"

#include "EmoFaceLiveLinkModule.h"
#include "EmoFaceStringConv.h"
#include "HAL/PlatformProcess.h"
#include "HAL/PlatformTime.h"
#include "HAL/RunnableThread.h"
#include "Misc/DateTime.h"
#include "Misc/ScopeLock.h"
#include "SocketSubsystem.h"
#include "Sockets.h"

#include <variant>

namespace
{

/** Longest single wait of the loop, s: bounds the reaction time to Stop() and to queued lines. */
constexpr double kWaitSliceS = 0.05;
/** Bytes read per Recv call. */
constexpr int32 kReadChunkBytes = 64 * 1024;
/** Reads per loop turn before events are handed on (keeps event latency low under a burst). */
constexpr int32 kMaxReadsPerTurn = 16;

ISocketSubsystem* Sockets()
{
	return ISocketSubsystem::Get(PLATFORM_SOCKETSUBSYSTEM);
}

/** One host-name lookup, shared with the engine's lookup task, which may finish after the worker gave up on it. */
struct FEmoFaceHostLookup
{
	/** Guards the two fields below. */
	FCriticalSection Lock;
	/** The lookup task called back. */
	bool bDone = false;
	/** Its first address, null if the name did not resolve. */
	TSharedPtr<FInternetAddr> Address;
};

}  // namespace

FEmoFaceSocketWorker::FEmoFaceSocketWorker(const FEmoFaceWorkerConfig& InConfig, IEmoFaceWorkerListener& InListener)
	: Listener(InListener)
	, Config(InConfig)
{
}

FEmoFaceSocketWorker::~FEmoFaceSocketWorker()
{
	Shutdown();
}

void FEmoFaceSocketWorker::Start()
{
	check(Thread == nullptr);
	Thread = FRunnableThread::Create(this, TEXT("EmoFaceLiveLinkSocket"), 0, TPri_AboveNormal);
}

void FEmoFaceSocketWorker::Shutdown()
{
	if (Thread != nullptr)
	{
		// Calls Stop() and waits for Run() to return. Every wait of Run() (host lookup, connect, receive, retry
		// delay) is cut into kWaitSliceS slices that check the stop flag, so this returns within about one slice.
		Thread->Kill(true);
		delete Thread;
		Thread = nullptr;
	}
}

void FEmoFaceSocketWorker::Stop()
{
	bStopRequested = true;
}

bool FEmoFaceSocketWorker::EnqueueSubmit(emoface::protocol::SubmitLine&& Line, FString& OutError)
{
	if (bStopRequested.load())
	{
		OutError = TEXT("the EmoFace source is shutting down");
		return false;
	}
	if (!bConnected.load())
	{
		OutError = TEXT("the EmoFace source is not connected to the server (see its status in the Live Link window)");
		return false;
	}
	PendingSubmits.Enqueue(MoveTemp(Line));
	return true;
}

void FEmoFaceSocketWorker::Reconfigure(const FEmoFaceWorkerConfig& InConfig)
{
	FScopeLock Lock(&ConfigLock);
	Config = InConfig;
	bReconfigure = true;
	bGaveUp = false;
}

TArray<FString> FEmoFaceSocketWorker::GetSubscribedSubjects() const
{
	FScopeLock Lock(&ConfigLock);
	TArray<FString> Subjects;
	for (const std::string& Subject : Config.Connection.subjects)
	{
		Subjects.Add(EmoFace::ToFString(Subject));
	}
	return Subjects;
}

uint32 FEmoFaceSocketWorker::Run()
{
	while (!bStopRequested.load())
	{
		FEmoFaceWorkerConfig Attempt;
		{
			FScopeLock Lock(&ConfigLock);
			Attempt = Config;
			bReconfigure = false;
		}
		if (bGaveUp.load())
		{
			FPlatformProcess::Sleep(static_cast<float>(kWaitSliceS));
			continue;
		}
		bNoRetry = false;
		if (TryConnect(Attempt))
		{
			bool bWasConnected = false;
			while (!bStopRequested.load() && Socket != nullptr)
			{
				SendQueuedSubmits();
				if (!PumpSend() || !PumpReceive())
				{
					break;
				}
				DrainSessionEvents();
				bWasConnected = bWasConnected || bConnected.load();
				const double NowS = FPlatformTime::Seconds();
				if (Session->IsFailed())
				{
					CloseSocket(FString::Printf(TEXT("Protocol failure: %s"), *EmoFace::ToFString(Session->FailureReason())), !bNoRetry);
				}
				else if (!bConnected.load() && NowS - LastReceivePlatformS > Attempt.ConnectTimeoutS)
				{
					// The first successful exchange is SERVER_HELLO; without it the connection never counted as up.
					const double WaitedS = Attempt.ConnectTimeoutS;
					CloseSocket(FString::Printf(TEXT("No hello from the server within %.1f s"), WaitedS), true);
				}
				else if (NowS - LastReceivePlatformS > Attempt.IdleTimeoutS)
				{
					CloseSocket(FString::Printf(TEXT("Nothing received from the server for %.0f s"), Attempt.IdleTimeoutS), true);
				}
				else if (bReconfigure)
				{
					CloseSocket(TEXT("Connection settings changed"), true);
				}
				else if (bConnected.load() && NowS - LastSendPlatformS >= Attempt.HeartbeatIntervalS && SendOffset >= SendBuffer.Num())
				{
					QueueBytes(Session->MakeHeartbeat(emoface::plugin::UnixNowS()));
				}
			}
			FailedAttempts = bWasConnected ? 1 : FailedAttempts + 1;
		}
		else
		{
			++FailedAttempts;
		}
		if (bStopRequested.load() || bReconfigure)
		{
			continue;
		}
		if (bNoRetry || emoface::plugin::ShouldGiveUp(Attempt.Backoff, FailedAttempts))
		{
			bGaveUp = true;
			Listener.OnWorkerStatus(FString::Printf(TEXT("Stopped: %s (fix the settings, then edit the connection string or re-add the source)"), *LastFailure));
			continue;
		}
		WaitBeforeRetry(Attempt);
	}
	if (Socket != nullptr && Session && bConnected.load())
	{
		QueueBytes(emoface::protocol::Encode(emoface::protocol::Message(emoface::protocol::Bye{})));
		PumpSend();
	}
	CloseSocket(TEXT("Stopped"), false);
	return 0;
}

bool FEmoFaceSocketWorker::TryConnect(const FEmoFaceWorkerConfig& Attempt)
{
	const FString Host = EmoFace::ToFString(Attempt.Connection.host);
	const int32 Port = Attempt.Connection.port;
	Listener.OnWorkerStatus(FString::Printf(TEXT("Connecting to %s:%d"), *Host, Port));

	ISocketSubsystem* Subsystem = Sockets();
	const TSharedPtr<FInternetAddr> Resolved = ResolveHost(Host, Attempt);
	if (!Resolved.IsValid())
	{
		return false;   // LastFailure says why
	}
	const TSharedRef<FInternetAddr> Address = Resolved.ToSharedRef();
	Address->SetPort(Port);

	FSocket* NewSocket = Subsystem->CreateSocket(NAME_Stream, TEXT("EmoFace Live Link"), Address->GetProtocolType());
	if (NewSocket == nullptr)
	{
		LastFailure = TEXT("cannot create a TCP socket");
		return false;
	}
	NewSocket->SetNonBlocking(true);
	NewSocket->SetNoDelay(true);
	int32 ActualBufferBytes = 0;
	NewSocket->SetReceiveBufferSize(1024 * 1024, ActualBufferBytes);
	NewSocket->Connect(*Address);   // non-blocking: completion is observed below

	bool bUp = false;
	const double DeadlineS = FPlatformTime::Seconds() + Attempt.ConnectTimeoutS;
	while (!bStopRequested.load() && FPlatformTime::Seconds() < DeadlineS)
	{
		if (NewSocket->Wait(ESocketWaitConditions::WaitForWrite, FTimespan::FromSeconds(kWaitSliceS)))
		{
			bUp = NewSocket->GetConnectionState() == SCS_Connected;
			break;
		}
		if (NewSocket->GetConnectionState() == SCS_ConnectionError)
		{
			break;
		}
	}
	if (!bUp)
	{
		NewSocket->Close();
		Subsystem->DestroySocket(NewSocket);
		LastFailure = FString::Printf(TEXT("cannot connect to %s:%d (is `emoface serve --livelink-port %d` running there, and the port open in the firewall?)"), *Host, Port, Port);
		return false;
	}

	Socket = NewSocket;
	Session = std::make_unique<emoface::protocol::ClientSession>(Attempt.Connection.clientName, Attempt.Connection.token);
	LastHeartbeatSeenS = 0.0;
	SendBuffer.Reset();
	SendOffset = 0;
	ReadBuffer.SetNumUninitialized(kReadChunkBytes);
	LastReceivePlatformS = FPlatformTime::Seconds();
	LastSendPlatformS = LastReceivePlatformS;
	QueueBytes(Session->Start());
	// Not "connected" yet: on Linux a refused non-blocking connect can still read as SCS_Connected until the first
	// receive fails. The source reports a connection once SERVER_HELLO arrives (bConnected, the status text).
	Listener.OnWorkerStatus(FString::Printf(TEXT("Reaching %s:%d, waiting for the server's hello"), *Host, Port));
	return true;
}

TSharedPtr<FInternetAddr> FEmoFaceSocketWorker::ResolveHost(const FString& Host, const FEmoFaceWorkerConfig& Attempt)
{
	ISocketSubsystem* Subsystem = Sockets();
	// A numeric address needs no lookup (SocketSubsystem.h: GetAddressFromString does no DNS resolution).
	if (TSharedPtr<FInternetAddr> Numeric = Subsystem->GetAddressFromString(Host))
	{
		return Numeric;
	}
	// A name is looked up on the engine's task (GetAddressInfoAsync) while this thread waits in slices, so Stop()
	// and Reconfigure() are seen within one slice and Shutdown() never waits for a slow DNS server.
	using FLookupRef = TSharedRef<FEmoFaceHostLookup, ESPMode::ThreadSafe>;
	const FLookupRef Lookup = MakeShared<FEmoFaceHostLookup, ESPMode::ThreadSafe>();
	Subsystem->GetAddressInfoAsync([Lookup](FAddressInfoResult Result)
		{
			FScopeLock Lock(&Lookup->Lock);
			if (Result.ReturnCode == SE_NO_ERROR && Result.Results.Num() > 0)
			{
				Lookup->Address = Result.Results[0].Address;
			}
			Lookup->bDone = true;
		}, *Host, nullptr, EAddressInfoFlags::Default, NAME_None, ESocketType::SOCKTYPE_Streaming);
	const double DeadlineS = FPlatformTime::Seconds() + Attempt.ConnectTimeoutS;
	while (!bStopRequested.load() && !bReconfigure && FPlatformTime::Seconds() < DeadlineS)
	{
		{
			FScopeLock Lock(&Lookup->Lock);
			if (Lookup->bDone)
			{
				if (!Lookup->Address.IsValid())
				{
					LastFailure = FString::Printf(TEXT("cannot resolve host '%s'"), *Host);
				}
				return Lookup->Address;
			}
		}
		FPlatformProcess::Sleep(static_cast<float>(kWaitSliceS));
	}
	LastFailure = FString::Printf(TEXT("looking up host '%s' took longer than %.1f s"), *Host, Attempt.ConnectTimeoutS);
	return nullptr;
}

void FEmoFaceSocketWorker::CloseSocket(const FString& Reason, bool bRetry)
{
	if (Socket != nullptr)
	{
		Socket->Close();
		Sockets()->DestroySocket(Socket);
		Socket = nullptr;
		UE_LOG(LogEmoFaceLiveLink, Log, TEXT("Connection closed: %s"), *Reason);
	}
	const bool bWasConnected = bConnected.exchange(false);
	Session.reset();
	SendBuffer.Reset();
	SendOffset = 0;
	emoface::protocol::SubmitLine Dropped;
	int32 NumDropped = 0;
	while (PendingSubmits.Dequeue(Dropped))
	{
		++NumDropped;
	}
	if (NumDropped > 0)
	{
		UE_LOG(LogEmoFaceLiveLink, Warning, TEXT("%d submitted line(s) were not sent: the connection closed"), NumDropped);
	}
	LastFailure = Reason;
	if (bWasConnected)
	{
		Listener.OnWorkerDisconnected();
	}
	if (!bRetry)
	{
		bNoRetry = true;
	}
	Listener.OnWorkerStatus(Reason);
}

bool FEmoFaceSocketWorker::PumpReceive()
{
	if (!Socket->Wait(ESocketWaitConditions::WaitForRead, FTimespan::FromSeconds(kWaitSliceS)))
	{
		if (Socket->GetConnectionState() == SCS_ConnectionError)
		{
			CloseSocket(TEXT("The connection to the server failed"), true);
			return false;
		}
		return true;
	}
	for (int32 Turn = 0; Turn < kMaxReadsPerTurn; ++Turn)
	{
		int32 BytesRead = 0;
		if (!Socket->Recv(ReadBuffer.GetData(), ReadBuffer.Num(), BytesRead))
		{
			CloseSocket(bConnected.load() ? FString(TEXT("The server closed the connection"))
				: FString(TEXT("No answer from the server (connection refused or closed before its hello)")), true);
			return false;
		}
		if (BytesRead <= 0)
		{
			break;   // would block: everything available was read
		}
		LastReceivePlatformS = FPlatformTime::Seconds();
		Session->OnBytes(ReadBuffer.GetData(), static_cast<size_t>(BytesRead));
		if (BytesRead < ReadBuffer.Num())
		{
			break;
		}
	}
	return true;
}

bool FEmoFaceSocketWorker::PumpSend()
{
	while (SendOffset < SendBuffer.Num())
	{
		int32 BytesSent = 0;
		const int32 Chunk = FMath::Min(SendBuffer.Num() - SendOffset, 1024 * 1024);
		if (!Socket->Send(SendBuffer.GetData() + SendOffset, Chunk, BytesSent))
		{
			if (Sockets()->GetLastErrorCode() == SE_EWOULDBLOCK)
			{
				break;
			}
			CloseSocket(TEXT("Sending to the server failed"), true);
			return false;
		}
		if (BytesSent <= 0)
		{
			break;
		}
		SendOffset += BytesSent;
		LastSendPlatformS = FPlatformTime::Seconds();
	}
	if (SendOffset >= SendBuffer.Num())
	{
		SendBuffer.Reset();
		SendOffset = 0;
	}
	return true;
}

void FEmoFaceSocketWorker::QueueBytes(const std::vector<uint8_t>& Bytes)
{
	SendBuffer.Append(Bytes.data(), static_cast<int32>(Bytes.size()));
}

void FEmoFaceSocketWorker::SendQueuedSubmits()
{
	emoface::protocol::SubmitLine Line;
	while (Session && bConnected.load() && PendingSubmits.Dequeue(Line))
	{
		QueueBytes(Session->MakeSubmit(Line));
	}
}

void FEmoFaceSocketWorker::DrainSessionEvents()
{
	using Kind = emoface::protocol::SessionEvent::Kind;
	if (Session && Session->LastHeartbeatServerTimeS() != LastHeartbeatSeenS)
	{
		LastHeartbeatSeenS = Session->LastHeartbeatServerTimeS();
		Listener.OnServerHeartbeat(LastHeartbeatSeenS, emoface::plugin::UnixNowS());
	}
	emoface::protocol::SessionEvent Event;
	while (Session && Session->PollEvent(Event))
	{
		if (Event.kind == Kind::Connected)
		{
			bConnected = true;
			FailedAttempts = 0;
			FScopeLock Lock(&ConfigLock);
			QueueBytes(Session->MakeSubscribe(Config.Connection.subjects));
		}
		else if (Event.kind == Kind::ServerError)
		{
			if (const emoface::protocol::Error* Error = std::get_if<emoface::protocol::Error>(&Event.message))
			{
				const bool bFatal = Error->code == emoface::protocol::ErrorCode::UnsupportedVersion
					|| Error->code == emoface::protocol::ErrorCode::Unauthenticated;
				bNoRetry = bNoRetry || bFatal;
			}
		}
		Listener.OnSessionEvent(Event, emoface::plugin::UnixNowS());
	}
}

void FEmoFaceSocketWorker::WaitBeforeRetry(const FEmoFaceWorkerConfig& Attempt)
{
	const double DelayS = emoface::plugin::ReconnectDelayS(Attempt.Backoff, FMath::Max(1, FailedAttempts));
	Listener.OnWorkerStatus(FString::Printf(TEXT("Retrying in %.1f s: %s"), DelayS, *LastFailure));
	const double UntilS = FPlatformTime::Seconds() + DelayS;
	while (!bStopRequested.load() && !bReconfigure && FPlatformTime::Seconds() < UntilS)
	{
		FPlatformProcess::Sleep(static_cast<float>(kWaitSliceS));
	}
}
