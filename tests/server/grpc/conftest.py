"""Fixtures: real gRPC servers on 127.0.0.1 port 0 around the tiny test model."""
from __future__ import annotations

import grpc
import pytest

from server.grpc.api import face_animation_pb2_grpc as pb_grpc
from server.grpc.app import create_server
from server.grpc.service_config import ServiceConfig


@pytest.fixture
def serve(pipeline):
    """``serve(**config_fields) -> (server, address)``: start a server; all are stopped at teardown."""
    started = []

    def start(**fields):
        config = ServiceConfig(**{"port": 0, "grace_s": 1.0, **fields})
        server, port = create_server(config, pipeline)
        server.start()
        started.append(server)
        return server, f"127.0.0.1:{port}"

    yield start
    for server in started:
        server.stop(0).wait(10)


@pytest.fixture
def server_address(serve):
    """Address of a default server (no auth, plaintext loopback)."""
    return serve()[1]


@pytest.fixture
def stub():
    """``stub(address) -> FaceAnimationStub`` on a plaintext channel (closed at teardown)."""
    channels = []

    def make(address: str):
        ch = grpc.insecure_channel(address)
        channels.append(ch)
        return pb_grpc.FaceAnimationStub(ch)

    yield make
    for ch in channels:
        ch.close()
