// EmoFace Bridge Live Link plugin, protocol core: client session state (see the header for the rules).
#include "EmoFaceClientSession.h"

#include <utility>

namespace emoface::protocol
{
namespace
{

/** The subject a message is about, or "" for types without one. */
std::string SessionSubjectOf(const Message& message)
{
	if (const SubmitLine* line = std::get_if<SubmitLine>(&message))
	{
		return line->subject;
	}
	if (const SubjectStatic* subject = std::get_if<SubjectStatic>(&message))
	{
		return subject->subject;
	}
	if (const LineStart* start = std::get_if<LineStart>(&message))
	{
		return start->subject;
	}
	if (const Frame* frame = std::get_if<Frame>(&message))
	{
		return frame->subject;
	}
	if (const LineEnd* end = std::get_if<LineEnd>(&message))
	{
		return end->subject;
	}
	return std::string();
}

/** The spec's name of an error code ("UNAUTHENTICATED"), "code N" for codes this version does not know. */
std::string SessionErrorCodeName(ErrorCode code)
{
	static const char* const kNames[] = {"PROTOCOL", "UNSUPPORTED_VERSION", "UNAUTHENTICATED", "INVALID_ARGUMENT",
		"RESOURCE_EXHAUSTED", "INTERNAL"};
	const unsigned value = static_cast<unsigned>(code);
	return value >= 1 && value <= 6 ? std::string(kNames[value - 1]) : "code " + std::to_string(value);
}

/** "1.0" */
std::string SessionVersionText(uint16_t major, uint16_t minor)
{
	return std::to_string(major) + "." + std::to_string(minor);
}

}  // namespace

ClientSession::ClientSession(std::string clientName, std::string token, uint16_t major, uint16_t minor)
	: ClientName_(std::move(clientName))
	, Token_(std::move(token))
	, Major_(major)
	, Minor_(minor)
{
}

std::vector<uint8_t> ClientSession::Start()
{
	Hello hello;
	hello.major = Major_;
	hello.minor = Minor_;
	hello.clientName = ClientName_;
	hello.token = Token_;
	std::vector<uint8_t> bytes;
	CodecError error;
	if (!Encode(Message(std::move(hello)), bytes, error))
	{
		Fail("cannot send HELLO: " + error.message);
		return bytes;
	}
	if (State_ == SessionState::NotStarted)
	{
		State_ = SessionState::AwaitingServerHello;
	}
	return bytes;
}

void ClientSession::OnBytes(const uint8_t* data, size_t size)
{
	if (State_ == SessionState::NotStarted && size > 0)
	{
		Fail("received " + std::to_string(size) + " byte(s) before HELLO was sent (Start() was not called)");
	}
	if (State_ != SessionState::AwaitingServerHello && State_ != SessionState::Connected)
	{
		return;
	}
	Decoder_.Feed(data, size);
	Message message;
	while (State_ == SessionState::AwaitingServerHello || State_ == SessionState::Connected)
	{
		const DecodeStatus status = Decoder_.Next(message);
		if (status == DecodeStatus::NeedMoreBytes)
		{
			return;
		}
		if (status == DecodeStatus::Failed)
		{
			HasDecodeFailure_ = true;
			DecodeFailure_ = Decoder_.Failure();
			Fail(std::string("malformed data from the server (") + ErrorKindName(DecodeFailure_.kind) + "): "
				+ DecodeFailure_.message);
			return;
		}
		Handle(std::move(message));
	}
}

void ClientSession::OnConnectionClosed()
{
	if (State_ == SessionState::AwaitingServerHello || State_ == SessionState::Connected)
	{
		if (!Decoder_.Finish())
		{
			HasDecodeFailure_ = true;
			DecodeFailure_ = Decoder_.Failure();
			Fail(std::string("the connection closed inside a message (") + ErrorKindName(DecodeFailure_.kind) + "): "
				+ DecodeFailure_.message);
			return;
		}
		if (State_ == SessionState::AwaitingServerHello)
		{
			Fail("the server closed the connection before answering HELLO");
			return;
		}
	}
	if (State_ != SessionState::Failed)
	{
		State_ = SessionState::Closed;
	}
}

bool ClientSession::PollEvent(SessionEvent& out)
{
	if (Events_.empty())
	{
		return false;
	}
	out = std::move(Events_.front());
	Events_.pop_front();
	return true;
}

std::vector<uint8_t> ClientSession::MakeSubscribe(const std::vector<std::string>& subjects)
{
	return EncodeOrReport(Message(Subscribe{subjects}), 0);
}

std::vector<uint8_t> ClientSession::MakeUnsubscribe(const std::vector<std::string>& subjects)
{
	return EncodeOrReport(Message(Unsubscribe{subjects}), 0);
}

std::vector<uint8_t> ClientSession::MakeSubmit(const SubmitLine& line)
{
	return EncodeOrReport(Message(line), line.requestId);
}

std::vector<uint8_t> ClientSession::MakeHeartbeat(double senderTimeS)
{
	return EncodeOrReport(Message(Heartbeat{senderTimeS}), 0);
}

std::vector<uint8_t> ClientSession::MakeBye()
{
	return EncodeOrReport(Message(Bye{}), 0);
}

const SubjectStatic* ClientSession::FindStatic(const std::string& subject) const
{
	const auto found = Subjects_.find(subject);
	return found == Subjects_.end() ? nullptr : &found->second.staticData;
}

void ClientSession::Handle(Message&& message)
{
	if (std::holds_alternative<UnknownMessage>(message))
	{
		++SkippedUnknown_;
	}
	else if (const Heartbeat* beat = std::get_if<Heartbeat>(&message))
	{
		LastHeartbeatS_ = beat->senderTimeS;
	}
	else if (std::holds_alternative<Bye>(message))
	{
		State_ = SessionState::Closed;
	}
	else if (const Error* error = std::get_if<Error>(&message))
	{
		const bool closing = IsClosingCode(error->code);
		const std::string reason = closing
			? "the server closed the connection with ERROR " + SessionErrorCodeName(error->code) + ": " + error->message
			: std::string();
		Queue(SessionEvent::Kind::ServerError, std::string(), std::move(message));
		if (closing)
		{
			Fail(reason);
		}
	}
	else if (const ServerHello* hello = std::get_if<ServerHello>(&message))
	{
		if (State_ != SessionState::AwaitingServerHello)
		{
			Drop(std::move(message));
		}
		else if (hello->major != Major_)
		{
			Fail("the server speaks protocol " + SessionVersionText(hello->major, hello->minor) + ", this client "
				+ SessionVersionText(Major_, Minor_) + " (update the plugin or the service)");
		}
		else
		{
			ServerHello_ = *hello;
			State_ = SessionState::Connected;
			Queue(SessionEvent::Kind::Connected, std::string(), std::move(message));
		}
	}
	else if (State_ != SessionState::Connected)
	{
		Drop(std::move(message));  // line data before SERVER_HELLO
	}
	else
	{
		HandleLineMessage(std::move(message));
	}
}

void ClientSession::HandleLineMessage(Message&& message)
{
	const std::string subject = SessionSubjectOf(message);
	const auto found = Subjects_.find(subject);
	SubjectState* state = found == Subjects_.end() ? nullptr : &found->second;
	const auto isCurrentLine = [state](uint32_t lineId)
	{
		return state != nullptr && state->inLine && state->lineId == lineId;
	};
	SessionEvent::Kind kind = SessionEvent::Kind::ProtocolError;  // dropped unless a rule below accepts it
	if (const SubjectStatic* data = std::get_if<SubjectStatic>(&message))
	{
		Subjects_[subject].staticData = *data;
		kind = SessionEvent::Kind::StaticData;
	}
	else if (const LineStart* start = std::get_if<LineStart>(&message); start != nullptr && state != nullptr)
	{
		state->inLine = true;
		state->lineId = start->lineId;
		kind = SessionEvent::Kind::LineStarted;
	}
	else if (const Frame* frame = std::get_if<Frame>(&message); frame != nullptr && isCurrentLine(frame->lineId)
		&& frame->values.size() == state->staticData.controls.size())
	{
		kind = SessionEvent::Kind::FrameReady;
	}
	else if (const LineEnd* end = std::get_if<LineEnd>(&message); end != nullptr && isCurrentLine(end->lineId))
	{
		state->inLine = false;
		kind = SessionEvent::Kind::LineEnded;
	}
	Queue(kind, subject, std::move(message));
}

void ClientSession::Queue(SessionEvent::Kind kind, std::string subject, Message&& message)
{
	SessionEvent& event = Events_.emplace_back();
	event.kind = kind;
	event.subject = std::move(subject);
	event.message = std::move(message);
}

void ClientSession::Drop(Message&& message)
{
	std::string subject = SessionSubjectOf(message);
	Queue(SessionEvent::Kind::ProtocolError, std::move(subject), std::move(message));
}

void ClientSession::Fail(std::string reason)
{
	if (State_ != SessionState::Failed)
	{
		State_ = SessionState::Failed;
		FailureReason_ = std::move(reason);
	}
}

std::vector<uint8_t> ClientSession::EncodeOrReport(const Message& message, uint32_t requestId)
{
	std::vector<uint8_t> bytes;
	CodecError error;
	if (Encode(message, bytes, error))
	{
		return bytes;
	}
	Error local;
	local.requestId = requestId;
	local.code = error.kind == ErrorKind::Oversized ? ErrorCode::ResourceExhausted : ErrorCode::InvalidArgument;
	local.message = "not sent: " + error.message;
	Queue(SessionEvent::Kind::ServerError, std::string(), Message(std::move(local)));
	return bytes;
}

}  // namespace emoface::protocol
