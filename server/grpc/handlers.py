"""Registers the servicer with request parsing that reports bad bytes as INVALID_ARGUMENT.

The generated ``add_FaceAnimationServicer_to_server`` parses requests inside gRPC, which
answers any parse failure with INTERNAL "Exception deserializing request!". Here a request
that does not parse (corrupt wire format, invalid UTF-8 in a string) or that has a known
field with the wrong wire type (which protobuf would silently keep as an unknown field, so
e.g. an ``emotion`` sent as an integer would read as neutral) becomes an :class:`Undecodable`
that the servicer answers with INVALID_ARGUMENT.
"""
from __future__ import annotations

from typing import Callable

import grpc
from google.protobuf.message import DecodeError, Message
from google.protobuf.unknown_fields import UnknownFieldSet

from server.grpc.api import face_animation_pb2 as pb

from server.runtime.limits import EMOTION_KEYS_MAX

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["FaceAnimation"].full_name  # "emoface.v1.FaceAnimation"


class Undecodable:
    """Stands in for a request message that could not be parsed; ``reason`` says why."""

    def __init__(self, reason: str):
        self.reason = reason

    def ByteSize(self) -> int:  # noqa: N802 (protobuf's name): counts nothing in read-ahead buffers
        return 0


def lenient(cls: type[Message]) -> Callable[[bytes], Message | Undecodable]:
    """A request deserializer that returns :class:`Undecodable` instead of raising."""
    def parse(data: bytes) -> Message | Undecodable:
        try:
            msg = cls.FromString(data)
        except DecodeError as exc:
            return Undecodable(f"the request is not a valid {cls.DESCRIPTOR.full_name}: {exc}")
        wrong = wrong_wire_type(msg)
        return Undecodable(f"field {wrong} has the wrong wire type") if wrong else msg
    return parse


def wrong_wire_type(msg: Message, prefix: str = "") -> str | None:
    """The dotted name of the first known field kept as unknown (wrong wire type), or None."""
    fields = msg.DESCRIPTOR.fields_by_number
    for unknown in UnknownFieldSet(msg):
        if unknown.field_number in fields:
            return prefix + fields[unknown.field_number].name
    for field, value in msg.ListFields():
        if field.message_type is None or field.message_type.GetOptions().map_entry:
            continue
        if field.is_repeated and len(value) > EMOTION_KEYS_MAX:
            continue  # over every limit: refused by size before any per-element work
        for i, sub in enumerate(value if field.is_repeated else [value]):
            found = wrong_wire_type(sub, f"{prefix}{field.name}{f'[{i}]' if field.is_repeated else ''}.")
            if found:
                return found
    return None


def add_to_server(servicer, server: grpc.Server) -> None:
    """Register ``servicer``'s three RPCs with lenient request parsing."""
    handlers = {
        "GetInfo": grpc.unary_unary_rpc_method_handler(
            servicer.GetInfo, request_deserializer=lenient(pb.GetInfoRequest),
            response_serializer=pb.GetInfoResponse.SerializeToString),
        "Animate": grpc.unary_unary_rpc_method_handler(
            servicer.Animate, request_deserializer=lenient(pb.AnimateRequest),
            response_serializer=pb.AnimateResponse.SerializeToString),
        "StreamAnimate": grpc.stream_stream_rpc_method_handler(
            servicer.StreamAnimate, request_deserializer=lenient(pb.StreamAnimateRequest),
            response_serializer=pb.StreamAnimateResponse.SerializeToString),
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE_NAME, handlers),))
