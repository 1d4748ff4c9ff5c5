"""KEDA's ScaledObject and TriggerAuthentication: our schema, Kubernetes' HPA rules, the queue."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import kubernetes_validate  # type: ignore[import-untyped]  # ships no type information
import pytest

from shared.amqp import Names
from tests.deploy.support import Manifest, by_kind, kustomize_build, one, settings_from

SCHEMA = json.loads(Path(__file__).with_name("keda.schema.json").read_text())


@pytest.fixture(scope="module")
def overlay() -> list[Manifest]:
    return kustomize_build("overlays/example")


def schema_errors(manifest: Manifest) -> list[str]:
    schema = {"$ref": f"#/$defs/{manifest['kind']}", "$defs": SCHEMA["$defs"]}
    return [error.message for error in jsonschema_rs.iter_errors(schema, manifest, offline=True)]


def scaled_object(manifests: list[Manifest]) -> dict[str, Any]:
    found = list(by_kind(manifests, "ScaledObject").values())
    assert len(found) == 1
    return found[0]


def trigger(spec: dict[str, Any], kind: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [t for t in spec["triggers"] if t["type"] == kind]
    (only,) = found
    return only


def test_keda_resources_match_our_schema(overlay: list[Manifest]) -> None:
    keda = [m for m in overlay if m["apiVersion"] == "keda.sh/v1alpha1"]
    assert {m["kind"] for m in keda} == {"ScaledObject", "TriggerAuthentication"}
    for manifest in keda:
        assert schema_errors(manifest) == [], manifest["metadata"]["name"]


@pytest.mark.parametrize(("field", "value"), [
    ("value", 8),                     # trigger metadata is a map of strings
    ("queueLenght", "8"),             # a misspelt option
    ("protocol", "https"),            # not a protocol the scaler knows
    ("excludeUnacknowledged", "1"),   # not a boolean string
])
def test_keda_schema_rejects_bad_trigger_metadata(overlay: list[Manifest], field: str,
                                                  value: object) -> None:
    broken = copy.deepcopy(scaled_object(overlay))
    trigger(broken["spec"], "rabbitmq")["metadata"][field] = value
    assert schema_errors(broken)


def test_keda_schema_requires_http_for_rate_modes(overlay: list[Manifest]) -> None:
    broken = copy.deepcopy(scaled_object(overlay))
    trigger(broken["spec"], "rabbitmq")["metadata"] |= {"mode": "MessageRate",
                                                         "protocol": "amqp"}
    assert schema_errors(broken)


@pytest.mark.parametrize(("field", "value"), [
    ("threshold", "many"),            # not a number
    ("serverAdress", "http://p"),     # a misspelt option
    ("ignoreNullValues", "no"),       # not a boolean string
])
def test_keda_schema_rejects_bad_prometheus_metadata(overlay: list[Manifest], field: str,
                                                     value: str) -> None:
    broken = copy.deepcopy(scaled_object(overlay))
    trigger(broken["spec"], "prometheus")["metadata"][field] = value
    assert schema_errors(broken)


def test_keda_scales_the_worker_on_the_rows_pending(overlay: list[Manifest]) -> None:
    """The queue holds only each batch's window: the real backlog is bulkqr_rows_pending,
    which every worker reports in full, so the query takes the max over them."""
    pending = trigger(scaled_object(overlay)["spec"], "prometheus")
    assert pending["metricType"] == "AverageValue"
    assert pending["metadata"]["query"].startswith("max(bulkqr_rows_pending{")
    assert pending["metadata"]["ignoreNullValues"] == "false"  # a lost target is an error
    assert float(pending["metadata"]["threshold"]) > 0


def test_keda_scales_the_worker_on_the_chunk_queue(overlay: list[Manifest]) -> None:
    spec = scaled_object(overlay)["spec"]
    prefix = settings_from(one(overlay, "ConfigMap", "bulkqr-settings-")["data"]).queue_prefix
    queue = trigger(spec, "rabbitmq")
    # http reads the management API, which counts unacked messages too: a queue whose chunks
    # are all being rendered still keeps its workers.
    assert queue["metadata"]["protocol"] == "http"
    assert queue["metadata"]["mode"] == "QueueLength"
    assert queue["metadata"]["queueName"] == Names(prefix).chunks
    assert "excludeUnacknowledged" not in queue["metadata"]
    assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
    assert spec["scaleTargetRef"]["name"] in by_kind(overlay, "Deployment")


def test_keda_authentication_points_at_generated_secret(overlay: list[Manifest]) -> None:
    queue = trigger(scaled_object(overlay)["spec"], "rabbitmq")
    auth = by_kind(overlay, "TriggerAuthentication")[queue["authenticationRef"]["name"]]
    secrets = by_kind(overlay, "Secret")
    refs = auth["spec"]["secretTargetRef"]
    assert {ref["parameter"] for ref in refs} == {"host", "username", "password"}
    for ref in refs:
        assert ref["key"] in secrets[ref["name"]]["data"], ref


def test_keda_hpa_behavior_is_valid_kubernetes(overlay: list[Manifest]) -> None:
    """KEDA copies `behavior` into the HPA it creates: validate it as that HPA."""
    spec = scaled_object(overlay)["spec"]
    behavior = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    hpa = {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "keda-hpa-bulkqr-worker"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                    "name": spec["scaleTargetRef"]["name"]},
                 "minReplicas": spec["minReplicaCount"], "maxReplicas": spec["maxReplicaCount"],
                 "behavior": behavior},
    }
    kubernetes_validate.validate(hpa, kubernetes_validate.latest_version(), strict=True)
    assert behavior["scaleDown"]["stabilizationWindowSeconds"] >= 60
