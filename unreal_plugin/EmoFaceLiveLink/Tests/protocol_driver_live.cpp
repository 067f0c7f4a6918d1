// The `live` command of the protocol test driver: one real Live Link session over TCP (POSIX sockets here,
// never in the core), driven by ClientSession the way the plugin's socket worker drives it.
//
//   driver live HOST PORT PCM SUBJECT EMOTION OPTIONS DUMP [MAJOR]
//
// Connects, sends HELLO (claiming protocol MAJOR.0, default 1), and once connected SUBSCRIBE [SUBJECT] and
// one unpaced SUBMIT_LINE (request id 42) of the raw s16le 16 kHz mono PCM in the file PCM, with EMOTION and
// OPTIONS (JSON). Prints every session event as a JSON line until the line's LINE_END, an ERROR about it,
// or the session failing or closing; then sends BYE, reads until the server closes, and prints the
// session's final state. Every byte received is also written to DUMP (the Python test decodes it too).
// Sends a HEARTBEAT after 1 s without sending. Exit code 0, or 3 if nothing ended within 60 s.
#include "protocol_driver_json.h"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace driver
{
namespace
{

/** Request id of the submitted line. */
constexpr uint32_t kRequestId = 42;

double UnixNowS()
{
	return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double MonotonicS()
{
	return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/** A connected TCP socket, or -1. */
int Connect(const char* host, const char* port)
{
	addrinfo hints{};
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	addrinfo* found = nullptr;
	if (getaddrinfo(host, port, &hints, &found) != 0)
	{
		return -1;
	}
	int fd = -1;
	for (addrinfo* at = found; at != nullptr && fd < 0; at = at->ai_next)
	{
		fd = socket(at->ai_family, at->ai_socktype, at->ai_protocol);
		if (fd >= 0 && connect(fd, at->ai_addr, at->ai_addrlen) != 0)
		{
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(found);
	const int one = 1;
	if (fd >= 0)
	{
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	return fd;
}

/** Send every byte (blocking socket); false if the connection failed. */
bool SendAll(int fd, const std::vector<uint8_t>& bytes)
{
	size_t sent = 0;
	while (sent < bytes.size())
	{
		const ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
		if (n <= 0)
		{
			return false;
		}
		sent += static_cast<size_t>(n);
	}
	return true;
}

/** The live session: socket, session, and what it waits for. */
struct LiveRun
{
	LiveRun(int fd, uint16_t major, std::ofstream& dump) : Fd(fd), Session("protocol-driver", "", major), Dump(dump) {}

	/** Receive for at most `seconds`, handing events to OnEvent; false on EOF or a receive error. */
	bool Pump(double seconds)
	{
		pollfd poller{Fd, POLLIN, 0};
		if (poll(&poller, 1, static_cast<int>(seconds * 1000)) <= 0)
		{
			return true;
		}
		uint8_t buffer[64 * 1024];
		const ssize_t n = recv(Fd, buffer, sizeof buffer, 0);
		if (n <= 0)
		{
			return false;
		}
		Dump.write(reinterpret_cast<const char*>(buffer), n);
		Session.OnBytes(buffer, static_cast<size_t>(n));
		SessionEvent event;
		while (Session.PollEvent(event))
		{
			std::cout << EventJson(event) << "\n";
			OnEvent(event);
		}
		return true;
	}

	/** Send bytes made by the session, noting the time for heartbeats. */
	void Send(const std::vector<uint8_t>& bytes)
	{
		SendAll(Fd, bytes);
		LastSendS = MonotonicS();
	}

	/** The line can be sent once connected; done at its LINE_END or an ERROR about it. */
	void OnEvent(const SessionEvent& event)
	{
		if (event.kind == SessionEvent::Kind::Connected)
		{
			Send(Session.MakeSubscribe({Line.subject}));
			Send(Session.MakeSubmit(Line));
		}
		else if (const LineStart* start = std::get_if<LineStart>(&event.message);
			start && start->requestId == kRequestId)
		{
			LineId = start->lineId;
			HaveLine = true;
		}
		else if (const LineEnd* end = std::get_if<LineEnd>(&event.message); end && HaveLine && end->lineId == LineId)
		{
			Done = true;
		}
		else if (const Error* error = std::get_if<Error>(&event.message); error && error->requestId == kRequestId)
		{
			Done = true;
		}
	}

	/** The SUBMIT_LINE to send. */
	SubmitLine Line;
	/** The line ended (or was refused). */
	bool Done = false;

	/** Socket, session, dump file and send time. */
	int Fd;
	ClientSession Session;
	std::ofstream& Dump;
	double LastSendS = 0.0;
	/** The submitted line's id, once its LINE_START arrived. */
	uint32_t LineId = 0;
	bool HaveLine = false;
};

}  // namespace

int RunLive(int argc, char** argv)
{
	if (argc < 9)
	{
		return 2;
	}
	std::ifstream pcm(argv[4], std::ios::binary);
	std::ofstream dump(argv[8], std::ios::binary);
	const uint16_t major = argc > 9 ? static_cast<uint16_t>(std::atoi(argv[9])) : kVersionMajor;
	const int fd = Connect(argv[2], argv[3]);
	if (fd < 0)
	{
		std::cout << Object({{"connect_failed", "true"}}) << "\n";
		return 1;
	}
	LiveRun run(fd, major, dump);
	run.Line.requestId = kRequestId;
	run.Line.subject = argv[5];
	run.Line.emotion = argv[6];
	run.Line.optionsJson = argv[7];
	run.Line.audio.assign(std::istreambuf_iterator<char>(pcm), std::istreambuf_iterator<char>());
	run.Send(run.Session.Start());
	const double deadlineS = MonotonicS() + 60.0;
	bool open = true;
	const auto running = [&run]()
	{
		return run.Session.State() != SessionState::Failed && run.Session.State() != SessionState::Closed;
	};
	while (open && !run.Done && running() && MonotonicS() < deadlineS)
	{
		open = run.Pump(0.1);
		if (run.Session.IsConnected() && MonotonicS() - run.LastSendS >= 1.0)
		{
			run.Send(run.Session.MakeHeartbeat(UnixNowS()));
		}
	}
	const bool timedOut = open && !run.Done && MonotonicS() >= deadlineS;
	if (open)
	{
		run.Send(run.Session.MakeBye());
		shutdown(fd, SHUT_WR);
		const double closeDeadlineS = MonotonicS() + 10.0;
		while (run.Pump(0.1) && MonotonicS() < closeDeadlineS)
		{
		}
	}
	run.Session.OnConnectionClosed();
	close(fd);
	std::cout << SessionJson(run.Session) << "\n";
	return timedOut ? 3 : 0;
}

}  // namespace driver
