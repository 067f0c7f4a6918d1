"""docs/deployment.md states the numbers the code and manifests use (read from them, not repeated here)."""
from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

from server.grpc import app, channel
from server.grpc.channel import RetryOptions
from server.grpc.service_config import ServiceConfig

REPO = Path(__file__).resolve().parents[2]
DOC = " ".join((REPO / "docs" / "deployment.md").read_text().split())  # whitespace-normalised
DEPLOYMENT = yaml.safe_load((REPO / "deploy" / "kubernetes" / "deployment.yaml").read_text())


def _says(text: str) -> bool:
    return " ".join(text.split()) in DOC


def test_retry_and_connection_age_figures_match_the_code():
    retry = RetryOptions()
    assert _says(f"at most {retry.max_attempts} attempts in all, random backoff under {retry.initial_backoff_s:g} s")
    assert _says(f"capped at {retry.max_backoff_s:g} s")
    assert _says(f"after {app.MAX_CONNECTION_AGE_S / 60:g} minutes (`MAX_CONNECTION_AGE_S`")
    assert _says(f"pings every {channel.KEEPALIVE_S:g} s (`KEEPALIVE_S`")
    assert _says(f"unanswered for {channel.KEEPALIVE_TIMEOUT_S:g} s (`KEEPALIVE_TIMEOUT_S`)")


def test_drain_figures_match_the_manifest_and_the_config():
    pod = DEPLOYMENT["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    pre_stop_s = container["lifecycle"]["preStop"]["exec"]["command"][1]
    assert _says(f"`preStop` sleeps {pre_stop_s} s")
    assert _says(f"`grace_s` (default {ServiceConfig().grace_s:g} s)")
    assert _says(f"at most {app._FLUSH_S:g} s more")
    total = f"{pre_stop_s} + {ServiceConfig().grace_s:g} + {app._FLUSH_S:g} s"
    assert _says(f"`terminationGracePeriodSeconds: {pod['terminationGracePeriodSeconds']}` covers {total}")



def test_torch_pin_matches_the_project():
    (torch_pin,) = [d for d in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
                    if d.startswith("torch")]
    assert _says(f"the CPU build `{torch_pin}`")
