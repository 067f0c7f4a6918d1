"""Fixtures: a real service (gRPC + Live Link) on loopback port 0 around the tiny test model."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from emoface_testing import speechlike
from server.grpc.app import create_server
from server.grpc.service_config import ServiceConfig
from server.livelink.hub import SubjectHub
from server.livelink.tcp_server import LiveLinkOptions, LiveLinkServer


@pytest.fixture
def ll_serve(pipeline):
    """``ll_serve(**config_fields) -> server``: start a service with Live Link; stopped at teardown.

    ``server.livelink_port`` is the bound Live Link port, ``server.grpc_address`` the gRPC address.
    """
    started = []

    def start(**fields):
        config = ServiceConfig(**{"port": 0, "grace_s": 1.0, "livelink_port": 0, **fields})
        server, port = create_server(config, pipeline)
        server.start()
        server.grpc_address = f"127.0.0.1:{port}"
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop(0).wait(10)


def _pcm16(duration_s: float, seed: int = 0) -> tuple[bytes, np.ndarray]:
    ints = (speechlike(duration_s, 16000, seed=seed) * 32767).astype("<i2")
    return ints.tobytes(), ints.astype(np.float32) / 32768.0


@pytest.fixture
def pcm16():
    """``pcm16(duration_s, seed=0) -> (s16le bytes at 16 kHz, the float32 samples the server decodes them to)``."""
    return _pcm16


@pytest.fixture
def make_server(pipeline):
    """``make_server(**LiveLinkOptions fields) -> LiveLinkServer`` (started; stopped at teardown): the Live
    Link server alone, its model work on two threads."""
    made = []
    executor = ThreadPoolExecutor(2)

    def make(**fields):
        hub = SubjectHub()
        server = LiveLinkServer(LiveLinkOptions(**fields), pipeline, hub, executor.submit)
        server.start()
        made.append((server, hub))
        return server

    yield make
    for server, hub in made:
        server.stop()
        hub.close()
    executor.shutdown()
