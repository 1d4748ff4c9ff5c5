"""The Grafana dashboard, Prometheus' scrape config and alert rules name metrics that exist."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry

from gateway.metrics import GatewayMetrics
from shared.settings import Settings
from tests.deploy.support import ALERTS, DEPLOY, alert_rules, compose_file, settings_from
from tests.servers import rabbitmq_metrics_address
from worker.metrics import WorkerMetrics

SUFFIXES = {"counter": ["_total"], "gauge": [""], "histogram": ["_bucket", "_count", "_sum"]}
METRIC = re.compile(r"\b((?:bulkqr|rabbitmq)_[a-z0-9_]+)\b")
JOB = re.compile(r'job="([^"]+)"')
DASHBOARD = DEPLOY / "grafana" / "bulkqr.json"


def exported(registry: CollectorRegistry) -> set[str]:
    return {family.name + suffix for family in registry.collect()
            for suffix in SUFFIXES[family.type]}


def bulkqr_series() -> set[str]:
    return exported(GatewayMetrics().registry) | exported(WorkerMetrics().registry)


def dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def balanced(expr: str) -> bool:
    depth = {"(": 0, "{": 0, "[": 0}
    closing = {")": "(", "}": "{", "]": "["}
    for char in expr:
        if char in depth:
            depth[char] += 1
        elif char in closing:
            depth[closing[char]] -= 1
            if depth[closing[char]] < 0:
                return False
    return not any(depth.values())


def test_dashboard_covers_every_bulkqr_metric() -> None:
    used = {name for expr in dashboard_exprs() for name in METRIC.findall(expr)}
    families = {re.sub(r"_(total|bucket|count|sum)$", "", name) for name in bulkqr_series()}
    covered = {re.sub(r"_(total|bucket|count|sum)$", "", name) for name in used}
    assert families <= covered, f"metrics with no panel: {sorted(families - covered)}"
    assert {n for n in used if n.startswith("bulkqr_")} <= bulkqr_series()
    assert {"rabbitmq_queue_messages_ready", "rabbitmq_queue_messages_unacked"} <= used
    assert all(balanced(expr) for expr in dashboard_exprs())


def test_dashboard_is_provisioned_from_compose() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["title"]
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["query"] == "prometheus"
    assert variables["queue_prefix"]["query"] == Settings().queue_prefix
    mounts = compose_file()["services"]["grafana"]["volumes"]
    provider = yaml.safe_load((DEPLOY / "grafana/provisioning/dashboards/bulkqr.yaml").read_text())
    folder = provider["providers"][0]["options"]["path"]
    assert f"./grafana/bulkqr.json:{folder}/bulkqr.json:ro" in mounts


def test_alert_rules_parse_and_name_real_metrics() -> None:
    rules = alert_rules()
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names)) >= 8
    for rule in rules:
        assert set(rule) == {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert {"summary", "description", "runbook"} <= set(rule["annotations"])
        assert re.fullmatch(r"\d+[smh]", rule["for"]), rule["alert"]
        assert balanced(rule["expr"]), rule["alert"]
        bulkqr = {n for n in METRIC.findall(rule["expr"]) if n.startswith("bulkqr_")}
        assert bulkqr <= bulkqr_series(), f"{rule['alert']}: {bulkqr - bulkqr_series()}"


def test_prometheus_scrapes_what_alerts_and_dashboard_expect() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    wanted = {j for text in [ALERTS.read_text(), DASHBOARD.read_text()] for j in JOB.findall(text)}
    assert wanted <= set(jobs)
    environment = compose_file()["services"]["worker"]["environment"]
    settings = settings_from({k: str(v) for k, v in environment.items()})
    assert jobs["bulkqr-gateway"]["static_configs"][0]["targets"] == [
        f"gateway:{settings.http_port}"]
    assert jobs["bulkqr-worker"]["dns_sd_configs"][0]["port"] == settings.worker_metrics_port
    assert jobs["rabbitmq"]["metrics_path"] == "/metrics/per-object"
    mounted = compose_file()["services"]["prometheus"]["volumes"]
    assert any(m.startswith("./prometheus/alerts.yaml:") for m in mounted)
    assert any(m.endswith(f"{Path(config['rule_files'][0])}:ro") for m in mounted)


def test_dashboard_rabbitmq_series_exist_on_the_broker(settings: Settings) -> None:
    """The local RabbitMQ (started by the session fixtures) exports the series the panels use."""
    url = f"http://{rabbitmq_metrics_address()}/metrics/per-object"
    with urllib.request.urlopen(url, timeout=10) as answer:
        text = answer.read().decode()
    exported_names = set(re.findall(r"^(rabbitmq_[a-z0-9_]+)\{", text, re.MULTILINE))
    used = {n for e in dashboard_exprs() + [r["expr"] for r in alert_rules()]
            for n in METRIC.findall(e) if n.startswith("rabbitmq_")}
    assert used and used <= exported_names, sorted(used - exported_names)


@pytest.mark.parametrize("path", sorted((DEPLOY / "grafana" / "provisioning").rglob("*.yaml")))
def test_grafana_provisioning_parses(path: Path) -> None:
    loaded = yaml.safe_load(path.read_text())
    assert loaded["apiVersion"] == 1
    assert loaded.get("datasources") or loaded.get("providers")
