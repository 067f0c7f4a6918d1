"""Service configuration: precedence, coercion, safe defaults."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from model.errors import InputError
from server.grpc.service_config import ServiceConfig, is_loopback


def test_defaults_are_safe():
    c = ServiceConfig()
    assert c.host == "127.0.0.1" and not c.insecure and not c.tls
    assert (c.max_clip_s, c.max_chunk_s, c.stream_idle_timeout_s) == (300.0, 10.0, 30.0)


def test_flags_beat_environment_beat_config_file(tmp_path):
    toml = tmp_path / "serve.toml"
    toml.write_text('port = 1000\nmax_clip_s = 60\nquantize = true\nmetrics_port = 9100\n')
    env = {"EMOFACE_PORT": "2000", "EMOFACE_MAX_CHUNK_S": "2.5", "EMOFACE_UNRELATED": "x", "HOME": "/root"}
    c = ServiceConfig.from_sources({"port": 3000, "grace_s": None}, env, toml)
    assert c.port == 3000 and c.max_chunk_s == 2.5 and c.max_clip_s == 60.0 and c.quantize is True
    assert c.metrics_port == 9100 and c.grace_s == ServiceConfig().grace_s
    assert ServiceConfig.from_sources({}, env, toml).port == 2000
    assert ServiceConfig.from_sources({}, {}, toml).port == 1000


def test_json_config_file_and_paths(tmp_path):
    path = tmp_path / "serve.json"
    path.write_text(json.dumps({"checkpoint": "~/model.safetensors", "max_concurrent_requests": 4}))
    c = ServiceConfig.from_sources(config_file=path)
    assert c.checkpoint == Path("~/model.safetensors").expanduser() and c.max_concurrent_requests == 4


@pytest.mark.parametrize("kwargs, fragment", [
    ({"flags": {"host": "0.0.0.0"}}, "TLS"),
    ({"env": {"EMOFACE_PORT": "eighty"}}, "port from environment must be int"),
    ({"env": {"EMOFACE_QUANTIZE": "maybe"}}, "quantize"),
    ({"flags": {"max_clip_s": 0}}, "max_clip_s"),
    ({"flags": {"tls_cert": "a.pem"}}, "both tls_cert and tls_key"),
    ({"flags": {"log_format": "xml"}}, "log_format"),
])
def test_bad_settings_are_input_errors(kwargs, fragment):
    with pytest.raises(InputError, match=fragment):
        ServiceConfig.from_sources(**kwargs)


def test_config_file_errors(tmp_path):
    with pytest.raises(InputError, match="not found"):
        ServiceConfig.from_sources(config_file=tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("port = = 3")
    with pytest.raises(InputError, match="not valid TOML"):
        ServiceConfig.from_sources(config_file=bad)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("prot = 3")
    with pytest.raises(InputError, match="unknown setting.*prot"):
        ServiceConfig.from_sources(config_file=unknown)


def test_non_loopback_needs_tls_or_explicit_insecure(tmp_path):
    assert ServiceConfig(host="0.0.0.0", insecure=True, token_env="T").host == "0.0.0.0"
    assert ServiceConfig(host="0.0.0.0", tls_cert=tmp_path / "c", tls_key=tmp_path / "k", token_env="T").tls
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.1.2.3") and not is_loopback("example.com")
