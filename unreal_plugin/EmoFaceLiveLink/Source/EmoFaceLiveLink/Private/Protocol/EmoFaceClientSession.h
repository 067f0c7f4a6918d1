// EmoFace Bridge Live Link plugin, protocol core: the client side of one Live Link connection.
//
// Plain C++17 (no Unreal headers, no sockets, no threads): the socket worker moves bytes, the session
// keeps the protocol state. Start() gives HELLO; OnBytes() takes received chunks of any size and queues
// events (PollEvent); Make*() encode what the client sends. Tested with g++ against the shared vectors
// and a live server (tests/unreal/test_protocol_core.py).
//
// What the session does with each message from the server:
// - SERVER_HELLO answers HELLO: Connected event. A major version other than ours fails the session.
// - SUBJECT_STATIC, LINE_START, FRAME, LINE_END (after SERVER_HELLO): StaticData, LineStarted, FrameReady and
//   LineEnded events, checked against the subject's state: LINE_START needs the subject's static data; FRAME
//   and LINE_END need the subject's current line (its last LINE_START), and a FRAME must carry one value per
//   static control. A message that breaks these rules, arrives before SERVER_HELLO, is a second SERVER_HELLO,
//   or is a client-to-server type is dropped with a ProtocolError event; the session stays usable.
// - ERROR: ServerError event. After a closing code (PROTOCOL, UNSUPPORTED_VERSION, UNAUTHENTICATED) the
//   session is failed, since the server closes the connection.
// - HEARTBEAT and unknown types: no event. BYE: the session is closed (not failed) and ignores later bytes.
// - Bytes that do not decode (the codec's errors) fail the session: framing is lost.
// A failed session ignores later bytes; FailureReason() says what happened.
#pragma once

#include "EmoFaceProtocol.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace emoface::protocol
{

/** One thing the client learned from the server, in arrival order. */
struct SessionEvent
{
	enum class Kind : uint8_t
	{
		/** SERVER_HELLO arrived (`message` holds it): the connection is up. */
		Connected,
		/** SUBJECT_STATIC (new subject or changed control list). */
		StaticData,
		/** LINE_START. */
		LineStarted,
		/** FRAME, with one value per static control. */
		FrameReady,
		/** LINE_END of the subject's current line. */
		LineEnded,
		/** ERROR from the server, or a message this session could not encode (see ClientSession::MakeSubmit). */
		ServerError,
		/** A well-formed but unexpected message, dropped (`message` holds it). */
		ProtocolError,
	};

	/** What happened. */
	Kind kind = Kind::ProtocolError;
	/** The subject the message is about; empty for SERVER_HELLO, ERROR and messages without a subject. */
	std::string subject;
	/** The message itself. */
	Message message;
};

/** Where a session is in its life. */
enum class SessionState : uint8_t
{
	/** Start() not called yet. */
	NotStarted,
	/** HELLO made, SERVER_HELLO not received yet. */
	AwaitingServerHello,
	/** SERVER_HELLO received. */
	Connected,
	/** The server said BYE, or the connection ended cleanly (OnConnectionClosed). */
	Closed,
	/** See FailureReason(). */
	Failed,
};

/** Protocol state of one client connection. Not thread-safe: use it from the socket thread only. */
class ClientSession
{
public:
	/** `clientName` and `token` go into HELLO; `major`/`minor` are the version it claims (tests vary it). */
	ClientSession(std::string clientName, std::string token, uint16_t major = kVersionMajor,
		uint16_t minor = kVersionMinor);

	/** The HELLO to send first; moves the session to AwaitingServerHello. */
	std::vector<uint8_t> Start();

	/** Bytes received from the server, any chunking; events are queued for PollEvent. */
	void OnBytes(const uint8_t* data, size_t size);

	/** The server closed the connection: a partial message buffered fails the session (Truncated). */
	void OnConnectionClosed();

	/** The oldest queued event into `out`; false if there is none. */
	bool PollEvent(SessionEvent& out);

	/** SUBSCRIBE / UNSUBSCRIBE (empty = every subject); empty if unencodable (a ServerError event says why). */
	std::vector<uint8_t> MakeSubscribe(const std::vector<std::string>& subjects);
	std::vector<uint8_t> MakeUnsubscribe(const std::vector<std::string>& subjects);

	/**
	 * SUBMIT_LINE. Empty bytes if the line cannot be encoded (audio over the 64 MiB message limit, a string over
	 * 65535 bytes or not UTF-8): then a ServerError event carries an Error for `line.requestId`
	 * (RESOURCE_EXHAUSTED or INVALID_ARGUMENT, as the server would answer) whose message starts "not sent: ".
	 */
	std::vector<uint8_t> MakeSubmit(const SubmitLine& line);

	/** HEARTBEAT with this machine's Unix time. */
	std::vector<uint8_t> MakeHeartbeat(double senderTimeS);

	/** BYE; the caller closes the connection after sending it. */
	std::vector<uint8_t> MakeBye();

	/** Where the session is. */
	SessionState State() const { return State_; }
	/** SERVER_HELLO received, and not closed or failed since. */
	bool IsConnected() const { return State_ == SessionState::Connected; }
	/** The session failed; the connection should be closed. */
	bool IsFailed() const { return State_ == SessionState::Failed; }
	/** Why it failed (empty unless IsFailed()). */
	const std::string& FailureReason() const { return FailureReason_; }
	/** The codec error that failed the session, or null if it failed otherwise (or not at all). */
	const CodecError* DecodeFailure() const { return HasDecodeFailure_ ? &DecodeFailure_ : nullptr; }

	/** The server's hello (meaningful once connected). */
	const ServerHello& GetServerHello() const { return ServerHello_; }
	/** A subject's latest static data, or null if none arrived. */
	const SubjectStatic* FindStatic(const std::string& subject) const;
	/** Messages of unknown types skipped so far. */
	uint64_t SkippedUnknownCount() const { return SkippedUnknown_; }
	/** sender_time_s of the last HEARTBEAT received (0 before the first). */
	double LastHeartbeatServerTimeS() const { return LastHeartbeatS_; }

private:
	/** What the session knows of one subject. */
	struct SubjectState
	{
		/** Its latest SUBJECT_STATIC. */
		SubjectStatic staticData;
		/** A LINE_START arrived and its LINE_END not yet. */
		bool inLine = false;
		/** The current line's id (when inLine). */
		uint32_t lineId = 0;
	};

	/** Apply one decoded message (the rules of the file comment). */
	void Handle(Message&& message);
	/** SUBJECT_STATIC, LINE_START, FRAME, LINE_END and client-to-server types, once connected. */
	void HandleLineMessage(Message&& message);
	/** Append an event. */
	void Queue(SessionEvent::Kind kind, std::string subject, Message&& message);
	/** Drop an unexpected message with a ProtocolError event. */
	void Drop(Message&& message);
	/** Enter the Failed state (the first reason is kept). */
	void Fail(std::string reason);
	/** Encode, or report why not with a ServerError event for `requestId` and return no bytes. */
	std::vector<uint8_t> EncodeOrReport(const Message& message, uint32_t requestId);

	/** HELLO's client name and token. */
	std::string ClientName_;
	std::string Token_;
	/** The version HELLO claims. */
	uint16_t Major_;
	uint16_t Minor_;
	/** Life cycle. */
	SessionState State_ = SessionState::NotStarted;
	/** Set by Fail(). */
	std::string FailureReason_;
	/** The codec error behind a decoding failure. */
	bool HasDecodeFailure_ = false;
	CodecError DecodeFailure_;
	/** Received bytes -> messages. */
	StreamDecoder Decoder_;
	/** Events not yet polled. */
	std::deque<SessionEvent> Events_;
	/** The server's hello. */
	ServerHello ServerHello_;
	/** Per subject, by name. */
	std::map<std::string, SubjectState> Subjects_;
	/** Counters and the last heartbeat time. */
	uint64_t SkippedUnknown_ = 0;
	double LastHeartbeatS_ = 0.0;
};

}  // namespace emoface::protocol
