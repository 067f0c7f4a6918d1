"""The Kubernetes manifests of deploy/kubernetes: schema-valid offline, and consistent with the server's code.

The values they must agree with (port, health service names, drain grace, metric port) are read
from the code or from a real server, never repeated here.
"""
from __future__ import annotations

from pathlib import Path

import grpc
import kubernetes_validate
import pytest
import yaml
from grpc_health.v1 import health_pb2, health_pb2_grpc

from server.grpc import app
from server.grpc.app import create_server
from server.grpc.service_config import ServiceConfig

KUBERNETES = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"
OLDEST_KUBERNETES = "1.27.0"  # native gRPC probes are GA from 1.27
HPA_METRIC = "emoface_realtime_load"  # exported by server/grpc/metrics.py


def _manifests() -> dict[str, dict]:
    """kind -> resource, over every manifest the kustomization lists."""
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    listed = kustomization["resources"]
    assert sorted(listed) == sorted(p.name for p in KUBERNETES.glob("*.yaml") if p.name != "kustomization.yaml")
    resources = [doc for name in listed for doc in yaml.safe_load_all((KUBERNETES / name).read_text()) if doc]
    return {r["kind"]: r for r in resources}


MANIFESTS = _manifests()
POD = MANIFESTS["Deployment"]["spec"]["template"]
(CONTAINER,) = POD["spec"]["containers"]
ENV = {e["name"]: e.get("value", "secret-from-kubernetes") for e in CONTAINER["env"]}


@pytest.mark.parametrize("version", [OLDEST_KUBERNETES, kubernetes_validate.utils.latest_version()])
@pytest.mark.parametrize("kind", sorted(MANIFESTS))
def test_schema_valid_and_strict(kind, version):
    kubernetes_validate.validate(MANIFESTS[kind], version, strict=True)


def pod_config() -> ServiceConfig:
    """The ServiceConfig the container runs with: the defaults and its EMOFACE_* environment."""
    return ServiceConfig.from_sources(env=ENV)


def test_environment_is_a_valid_network_config():
    config = pod_config()  # raises InputError for a combination the server refuses to start with
    assert config.host == "0.0.0.0" and config.token_env in ENV


def test_probes_use_the_grpc_port_and_the_health_services_a_real_server_reports(pipeline):
    ports = {p["name"]: p["containerPort"] for p in CONTAINER["ports"]}
    assert ports["grpc"] == pod_config().port == ServiceConfig().port
    probes = {name: CONTAINER[name]["grpc"] for name in ("startupProbe", "readinessProbe", "livenessProbe")}
    assert {p["port"] for p in probes.values()} == {ports["grpc"]}
    assert probes["readinessProbe"]["service"] == probes["startupProbe"]["service"] == app.SERVICE_NAME
    server, port = create_server(ServiceConfig(port=0, grace_s=0.5), pipeline)
    server.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for probe in probes.values():
            reply = health.Check(health_pb2.HealthCheckRequest(service=probe["service"]), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING, probe
        watch = health.Watch(health_pb2.HealthCheckRequest(service=probes["readinessProbe"]["service"]), timeout=10)
        assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
        stopped = server.stop()  # the drain: readiness fails at once, so the pod leaves the endpoints
        assert next(watch).status == health_pb2.HealthCheckResponse.NOT_SERVING
        assert stopped.wait(10)


def test_termination_grace_covers_prestop_and_the_server_drain():
    pre_stop = CONTAINER["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    drain_s = pod_config().grace_s + app._FLUSH_S  # in-flight calls, then the transport flush
    assert POD["spec"]["terminationGracePeriodSeconds"] >= float(pre_stop[1]) + drain_s
    liveness = CONTAINER["livenessProbe"]
    assert liveness["periodSeconds"] * liveness["failureThreshold"] >= pod_config().grace_s  # no restart mid-drain


def test_headless_service_pdb_and_hpa_select_the_deployment():
    labels = POD["metadata"]["labels"]
    service, pdb, hpa = MANIFESTS["Service"], MANIFESTS["PodDisruptionBudget"], MANIFESTS["HorizontalPodAutoscaler"]
    assert service["spec"]["clusterIP"] == "None"
    assert service["spec"]["selector"].items() <= labels.items()
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    grpc_port = next(p for p in service["spec"]["ports"] if p["name"] == "grpc")
    assert grpc_port["targetPort"] == "grpc" and grpc_port["port"] == ServiceConfig().port
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", MANIFESTS["Deployment"]["metadata"]["name"])
    (metric,) = hpa["spec"]["metrics"]
    assert metric["type"] == "Pods" and metric["pods"]["metric"]["name"] == HPA_METRIC
    assert hpa["spec"]["minReplicas"] >= 2  # with maxUnavailable 1 in the PDB, one replica always serves


def test_metrics_are_exposed_where_prometheus_is_told_to_scrape():
    config = pod_config()
    ports = {p["name"]: p["containerPort"] for p in CONTAINER["ports"]}
    assert config.metrics_port == ports["metrics"] == int(POD["metadata"]["annotations"]["prometheus.io/port"])


def test_the_autoscaler_metric_is_one_the_server_exports():
    from server.grpc.metrics import ServiceMetrics

    assert f"# TYPE {HPA_METRIC} gauge" in ServiceMetrics().text().decode()
