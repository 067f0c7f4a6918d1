"""Channel options of the SDK: address forms, the service config, clear errors for bad address lists."""
from __future__ import annotations

import json

import pytest

from emoface_testing import emoface
from model.errors import InputError
from server.grpc import app
from server.grpc.api import face_animation_pb2 as pb
from server.grpc.channel import RetryOptions, channel_options, grpc_target, service_config
from server.grpc.client import FaceAnimationClient


@pytest.mark.parametrize("address, target", [
    ("127.0.0.1:50051", "127.0.0.1:50051"),
    ("emoface.example:443", "emoface.example:443"),
    ("10.0.0.5:50051, 10.0.0.6:50051", "ipv4:10.0.0.5:50051,10.0.0.6:50051"),
    ("[::1]:5001,[::1]:5002", "ipv6:[::1]:5001,[::1]:5002"),
    ("dns:///emoface.default.svc.cluster.local:50051", "dns:///emoface.default.svc.cluster.local:50051"),
    ("ipv4:127.0.0.1:1,127.0.0.1:2", "ipv4:127.0.0.1:1,127.0.0.1:2"),
])
def test_address_forms(address, target):
    assert grpc_target(address) == target


@pytest.mark.parametrize("address, message", [
    ("", "empty"),
    ("host-a:5001,host-b:5002", "names a host name.*dns:///NAME:PORT"),
    ("127.0.0.1:5001,[::1]:5002", "mixes IPv4 and IPv6"),
    ("127.0.0.1:5001,", r"bad server address '' in"),
    ("127.0.0.1", r"bad server address '127.0.0.1'.*HOST:PORT"),
    ("127.0.0.1:5001,127.0.0.1:99999", "port 1..65535"),
    ("::1:5001", r"\[ADDR\]:PORT"),
    ("dns:///", "names no address"),
])
def test_malformed_addresses_are_clear_input_errors(address, message):
    with pytest.raises(InputError, match=message):
        grpc_target(address)
    with pytest.raises(InputError, match=message):
        FaceAnimationClient(address)


def test_service_config_balances_health_checks_and_retries_only_unary_methods():
    config = service_config(RetryOptions(max_attempts=3))
    assert config["loadBalancingConfig"] == [{"round_robin": {}}]
    assert config["healthCheckConfig"]["serviceName"] == app.SERVICE_NAME  # the name the server marks SERVING
    (method_config,) = config["methodConfig"]
    unary = {m.name for m in pb.DESCRIPTOR.services_by_name["FaceAnimation"].methods
             if not m.client_streaming and not m.server_streaming}
    assert {n["method"] for n in method_config["name"]} == unary == {"Animate", "GetInfo"}
    assert {n["service"] for n in method_config["name"]} == {app.SERVICE_NAME}
    retry = method_config["retryPolicy"]
    assert retry["maxAttempts"] == 3 and retry["retryableStatusCodes"] == ["UNAVAILABLE"]
    options = dict(channel_options("ipv4:10.0.0.5:1,10.0.0.6:1", 1024))
    assert json.loads(options["grpc.service_config"]) == service_config()
    assert options["grpc.per_rpc_retry_buffer_size"] == 1024 and options["grpc.default_authority"] == "10.0.0.5:1"
    with pytest.raises(InputError, match="max_attempts"):
        RetryOptions(max_attempts=6)
    assert "methodConfig" not in service_config(None)
    assert dict(channel_options("127.0.0.1:1", 1024, None))["grpc.enable_retries"] == 0


def test_cli_refuses_a_list_of_host_names_with_exit_2(tmp_path):
    wav = tmp_path / "line.wav"
    wav.write_bytes(b"RIFF")
    proc = emoface("animate", wav, "--server", "a.example:1,b.example:2", "-o", tmp_path / "o.json")
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and "dns:///NAME:PORT" in lines[0], proc.stderr
