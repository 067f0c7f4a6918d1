"""Live Link settings: flags, environment, validation, and --livelink-face wiring."""
from __future__ import annotations

import argparse
import socket

import numpy as np
import pytest

from model.errors import InputError
from server.cli import serve as cli_serve
from server.grpc.app import create_server
from server.grpc.service_config import ServiceConfig
from server.livelink_face.packet import decode_packet
from server.livelink_face.packet import livelink_face_address


def _parse(argv):
    parser = argparse.ArgumentParser()
    cli_serve.add_parser(parser.add_subparsers())
    return parser.parse_args(["serve", *argv])


def test_flags_and_environment_set_livelink():
    args = _parse(["--livelink-port", "0", "--livelink-face", "10.0.0.5:11111"])
    flags = {dest: getattr(args, dest) for dest, _, _ in cli_serve._FLAGS.values()}
    config = ServiceConfig.from_sources(flags, {"EMOFACE_LIVELINK_HOST": "::1", "EMOFACE_LIVELINK_PORT": "7000"})
    assert (config.livelink_port, config.livelink_host, config.livelink_face) == (0, "::1", "10.0.0.5:11111")
    assert config.livelink_enabled
    assert not ServiceConfig().livelink_enabled  # off by default


def test_validation():
    with pytest.raises(InputError, match="plaintext"):
        ServiceConfig(livelink_port=9000, livelink_host="0.0.0.0")
    config = ServiceConfig(livelink_port=9000, livelink_host="0.0.0.0", insecure=True, token_env="T")
    assert config.livelink_port == 9000
    with pytest.raises(InputError, match="0..65535"):
        ServiceConfig(livelink_port=70000)
    for bad in ("host", "host:", ":1234", "host:0", "host:x"):
        with pytest.raises(InputError, match="HOST:PORT"):
            ServiceConfig(livelink_face=bad)
    assert livelink_face_address("[::1]:11111") == ("::1", 11111)


def test_livelink_face_sends_every_frame_as_a_packet(pipeline):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", 0))
        config = ServiceConfig(port=0, livelink_face=f"127.0.0.1:{udp.getsockname()[1]}")
        server, _ = create_server(config, pipeline)
        server.start()
        try:
            hub = server.servicer.livelink_hub
            line = hub.submit("Face", np.zeros((6, 174), np.float32), paced=False)
            assert hub.wait_line(line, 10) == "complete"
            udp.settimeout(5)
            packets = [decode_packet(udp.recv(65536)) for _ in range(6)]  # one Live Link Face packet per frame
            assert {p.subject for p in packets} == {"Face"}
        finally:
            server.stop(0).wait(10)
