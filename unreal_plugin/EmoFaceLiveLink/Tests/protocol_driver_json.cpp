// JSON output of the protocol test driver: message fields and enum names (see protocol_driver_json.h).
#include "protocol_driver_json.h"

namespace driver
{

std::string FieldsJson(const Message& message)
{
	if (const Hello* hello = std::get_if<Hello>(&message))
	{
		return Object({{"major", Num(hello->major)}, {"minor", Num(hello->minor)},
			{"client_name", Str(hello->clientName)}, {"token", Str(hello->token)}});
	}
	if (const Subscribe* subscribe = std::get_if<Subscribe>(&message))
	{
		return Object({{"subjects", Strs(subscribe->subjects)}});
	}
	if (const Unsubscribe* unsubscribe = std::get_if<Unsubscribe>(&message))
	{
		return Object({{"subjects", Strs(unsubscribe->subjects)}});
	}
	if (const SubmitLine* line = std::get_if<SubmitLine>(&message))
	{
		return Object({{"request_id", Num(line->requestId)}, {"subject", Str(line->subject)},
			{"encoding", Num(static_cast<uint8_t>(line->encoding))}, {"sample_rate_hz", Num(line->sampleRateHz)},
			{"channels", Num(line->channels)}, {"flags", Num(line->flags)}, {"emotion", Str(line->emotion)},
			{"options_json", Str(line->optionsJson)}, {"audio", Bytes(line->audio)}});
	}
	if (const Heartbeat* beat = std::get_if<Heartbeat>(&message))
	{
		return Object({{"sender_time_s", F64(beat->senderTimeS)}});
	}
	if (const ServerHello* server = std::get_if<ServerHello>(&message))
	{
		return Object({{"major", Num(server->major)}, {"minor", Num(server->minor)},
			{"server_name", Str(server->serverName)}, {"model_id", Str(server->modelId)},
			{"server_time_s", F64(server->serverTimeS)}});
	}
	if (const SubjectStatic* data = std::get_if<SubjectStatic>(&message))
	{
		return Object({{"subject", Str(data->subject)}, {"fps_numerator", Num(data->fpsNumerator)},
			{"fps_denominator", Num(data->fpsDenominator)}, {"controls", Strs(data->controls)}});
	}
	if (const LineStart* start = std::get_if<LineStart>(&message))
	{
		return Object({{"subject", Str(start->subject)}, {"line_id", Num(start->lineId)},
			{"request_id", Num(start->requestId)}, {"start_time_s", F64(start->startTimeS)},
			{"frame_count", Num(start->frameCount)}});
	}
	if (const Frame* frame = std::get_if<Frame>(&message))
	{
		return Object({{"subject", Str(frame->subject)}, {"line_id", Num(frame->lineId)},
			{"frame_index", Num(frame->frameIndex)}, {"time_s", F64(frame->timeS)}, {"values", F32s(frame->values)}});
	}
	if (const LineEnd* end = std::get_if<LineEnd>(&message))
	{
		return Object({{"subject", Str(end->subject)}, {"line_id", Num(end->lineId)},
			{"frames_sent", Num(end->framesSent)}, {"status", Num(static_cast<uint8_t>(end->status))},
			{"message", Str(end->message)}});
	}
	if (const Error* error = std::get_if<Error>(&message))
	{
		return Object({{"request_id", Num(error->requestId)}, {"code", Num(static_cast<uint16_t>(error->code))},
			{"message", Str(error->message)}});
	}
	if (const UnknownMessage* unknown = std::get_if<UnknownMessage>(&message))
	{
		return Object({{"type", Num(unknown->type)}, {"payload_bytes", Num(unknown->payloadBytes)}});
	}
	return Object({});  // Bye
}

const char* EventKindName(SessionEvent::Kind kind)
{
	switch (kind)
	{
	case SessionEvent::Kind::Connected:
		return "connected";
	case SessionEvent::Kind::StaticData:
		return "static_data";
	case SessionEvent::Kind::LineStarted:
		return "line_started";
	case SessionEvent::Kind::FrameReady:
		return "frame_ready";
	case SessionEvent::Kind::LineEnded:
		return "line_ended";
	case SessionEvent::Kind::ServerError:
		return "server_error";
	case SessionEvent::Kind::ProtocolError:
		return "protocol_error";
	}
	return "?";
}

const char* StateName(SessionState state)
{
	switch (state)
	{
	case SessionState::NotStarted:
		return "not_started";
	case SessionState::AwaitingServerHello:
		return "awaiting_server_hello";
	case SessionState::Connected:
		return "connected";
	case SessionState::Closed:
		return "closed";
	case SessionState::Failed:
		return "failed";
	}
	return "?";
}

}  // namespace driver
