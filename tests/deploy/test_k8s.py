"""deploy/k8s: kustomize builds it, Kubernetes' schemas accept it, and it agrees with Settings."""

from __future__ import annotations

import base64
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]  # ships no type information
import pytest

from shared.settings import Settings
from tests.deploy.support import (
    Manifest,
    by_kind,
    kustomize_build,
    one,
    settings_from,
    settings_variables,
)

# The oldest Kubernetes the manifests support (preStop `sleep` is on by default from 1.30),
# and the newest that kubernetes-validate knows.
K8S_VERSIONS = ["1.30", kubernetes_validate.latest_version()]


@pytest.fixture(scope="module")
def overlay() -> list[Manifest]:
    return kustomize_build("overlays/example")


def container(manifests: list[Manifest], deployment: str) -> dict[str, Any]:
    pod = by_kind(manifests, "Deployment")[deployment]["spec"]["template"]["spec"]
    assert len(pod["containers"]) == 1
    found: dict[str, Any] = pod["containers"][0]
    return found


def environment(manifests: list[Manifest], deployment: str) -> dict[str, str]:
    """What the container's environment holds: its ConfigMap, its Secret, then its env list."""
    values: dict[str, str] = {}
    for source in container(manifests, deployment)["envFrom"]:
        if "configMapRef" in source:
            values |= by_kind(manifests, "ConfigMap")[source["configMapRef"]["name"]]["data"]
        else:
            data = by_kind(manifests, "Secret")[source["secretRef"]["name"]]["data"]
            values |= {k: base64.b64decode(v).decode() for k, v in data.items()}
    for item in container(manifests, deployment).get("env", []):
        values[item["name"]] = item["value"]
    return values


def settings_of(manifests: list[Manifest], deployment: str) -> Settings:
    return settings_from(environment(manifests, deployment))


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("folder", ["base", "overlays/example"])
def test_k8s_core_kinds_pass_strict_validation(folder: str, version: str) -> None:
    manifests = kustomize_build(folder)
    core = [m for m in manifests if not m["apiVersion"].startswith("keda.sh/")]
    assert {m["kind"] for m in core} >= {"Deployment", "Service", "HorizontalPodAutoscaler",
                                         "PodDisruptionBudget", "ConfigMap"}
    for manifest in core:
        kubernetes_validate.validate(manifest, version, strict=True)


def test_k8s_base_holds_no_secret() -> None:
    assert not by_kind(kustomize_build("base"), "Secret")


def test_k8s_variables_are_settings_fields(overlay: list[Manifest]) -> None:
    known = set(settings_variables())
    # Generated with a content hash, so a settings change rolls the pods.
    assert one(overlay, "ConfigMap", "bulkqr-settings-")["metadata"]["name"] != "bulkqr-settings"
    for deployment in ("bulkqr-gateway", "bulkqr-worker"):
        bulkqr = {k for k in environment(overlay, deployment) if k.startswith("BULKQR_")}
        assert bulkqr - known == set(), f"{deployment}: unknown variables {bulkqr - known}"
        assert {"BULKQR_MONGO_URL", "BULKQR_AMQP_URL", "BULKQR_CODE_SECRET"} <= bulkqr
        assert settings_of(overlay, deployment).http_host == "0.0.0.0"


def test_k8s_example_secrets_are_placeholders(overlay: list[Manifest]) -> None:
    secrets = by_kind(overlay, "Secret")
    assert secrets
    for name, secret in secrets.items():
        values = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
        for key, value in values.items():
            if key.startswith("BULKQR_") or key == "password":
                assert "CHANGE-ME" in value, f"{name}/{key} looks like a real secret"


def test_k8s_gateway_ports_and_probes(overlay: list[Manifest]) -> None:
    gateway = container(overlay, "bulkqr-gateway")
    settings = settings_of(overlay, "bulkqr-gateway")
    assert gateway["args"] == ["gateway"]
    assert gateway["ports"] == [{"name": "http", "containerPort": settings.http_port}]
    assert gateway["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert gateway["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    service = by_kind(overlay, "Service")["bulkqr-gateway"]
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    template = by_kind(overlay, "Deployment")["bulkqr-gateway"]["spec"]["template"]
    assert service["spec"]["selector"].items() <= template["metadata"]["labels"].items()
    assert template["metadata"]["annotations"]["prometheus.io/port"] == str(settings.http_port)


def test_k8s_worker_metrics_port_is_its_liveness(overlay: list[Manifest]) -> None:
    worker = container(overlay, "bulkqr-worker")
    settings = settings_of(overlay, "bulkqr-worker")
    assert worker["args"] == ["worker"]
    assert worker["ports"] == [{"name": "metrics", "containerPort": settings.worker_metrics_port}]
    assert worker["livenessProbe"]["httpGet"] == {"path": "/metrics", "port": "metrics"}
    template = by_kind(overlay, "Deployment")["bulkqr-worker"]["spec"]["template"]
    assert template["metadata"]["annotations"]["prometheus.io/port"] == str(
        settings.worker_metrics_port)
    cpus = float(worker["resources"]["limits"]["cpu"])
    assert 1 <= settings.render_processes <= cpus, "one render process per CPU of the limit"


def test_k8s_grace_periods_outlast_the_drain(overlay: list[Manifest]) -> None:
    deployments = by_kind(overlay, "Deployment")
    worker_grace = deployments["bulkqr-worker"]["spec"]["template"]["spec"]
    drain_s = settings_of(overlay, "bulkqr-worker").drain_timeout_s
    assert worker_grace["terminationGracePeriodSeconds"] >= drain_s + 10
    gateway_pod = deployments["bulkqr-gateway"]["spec"]["template"]["spec"]
    sleep_s = container(overlay, "bulkqr-gateway")["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert gateway_pod["terminationGracePeriodSeconds"] >= sleep_s + drain_s + 5


def test_k8s_autoscalers_own_the_replicas(overlay: list[Manifest]) -> None:
    deployments = by_kind(overlay, "Deployment")
    assert all("replicas" not in d["spec"] for d in deployments.values())
    hpa = by_kind(overlay, "HorizontalPodAutoscaler")
    assert [h["spec"]["scaleTargetRef"]["name"] for h in hpa.values()] == ["bulkqr-gateway"]
    scaled = by_kind(overlay, "ScaledObject")
    assert [s["spec"]["scaleTargetRef"]["name"] for s in scaled.values()] == ["bulkqr-worker"]


def test_k8s_disruption_budgets_cover_both_roles(overlay: list[Manifest]) -> None:
    covered = set()
    for budget in by_kind(overlay, "PodDisruptionBudget").values():
        selector = budget["spec"]["selector"]["matchLabels"].items()
        for name, deployment in by_kind(overlay, "Deployment").items():
            if selector <= deployment["spec"]["template"]["metadata"]["labels"].items():
                covered.add(name)
    assert covered == {"bulkqr-gateway", "bulkqr-worker"}


def test_k8s_pods_run_unprivileged_from_the_tagged_image(overlay: list[Manifest]) -> None:
    for name in ("bulkqr-gateway", "bulkqr-worker"):
        pod = by_kind(overlay, "Deployment")[name]["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] >= 1000
        security = container(overlay, name)["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        image = container(overlay, name)["image"]
        assert image.startswith("bulkqr:") and image != "bulkqr:latest"
