"""A real Prometheus scrapes a gateway, a worker and RabbitMQ while a batch runs: every Grafana
panel's query then returns data, and every alert rule loads and evaluates."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest

from shared.settings import Settings
from shared.store import Database
from tests.api import Api, new_tenant
from tests.deploy.support import ALERTS, DEPLOY, alert_rules
from tests.processes import (
    delete_topology,
    free_port,
    start_gateway,
    start_worker,
    stopped_at_end,
)
from tests.prometheus_server import SCRAPE_INTERVAL_S, Job, Prometheus
from tests.servers import rabbitmq_metrics_address

DASHBOARD = DEPLOY / "grafana" / "bulkqr.json"
ROWS, CHUNK_ROWS = 30, 5
# Grafana's $__rate_interval: max($__interval + scrape interval, 4 x scrape interval), with
# $__interval the step of the query (one scrape interval here).
RATE_INTERVAL_S = max(2 * SCRAPE_INTERVAL_S, 4 * SCRAPE_INTERVAL_S)
SETTLE_S = 20


@dataclass
class Observed:
    prometheus: Prometheus
    settings: Settings
    start_s: float


def panel_queries(queue_prefix: str) -> list[tuple[str, str]]:
    """(panel title, query) for every target, with the dashboard's variables filled in."""
    dashboard = json.loads(DASHBOARD.read_text())
    values = {"queue_prefix": queue_prefix, "__rate_interval": f"{RATE_INTERVAL_S}s",
              "__interval": f"{SCRAPE_INTERVAL_S}s", "__range": f"{SETTLE_S * 3}s"}
    queries = []
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            expr = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: values[m[1] or m[2]], target["expr"])
            queries.append((panel["title"], expr))
    return queries


def wait_scraped(prometheus: Prometheus, jobs: list[Job], timeout_s: float = 30) -> None:
    """Every target up, for a few scrapes: the counters have their value before the batch."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        up = {s["metric"]["job"]: s["value"][1] for s in prometheus.query("min_over_time(up[3s])")}
        if all(up.get(job.name) == "1" for job in jobs):
            return
        time.sleep(SCRAPE_INTERVAL_S)
    raise AssertionError(f"targets not all up after {timeout_s}s: {up}")


async def run_batch(settings: Settings, db: Database) -> None:
    """A static and dynamic batch in several chunks, its short link followed, its archive read."""
    rows = [{"uid": i, "data": f"https://example.com/{i}"} for i in range(ROWS - 1)]
    rows.append({"uid": ROWS, "qrType": "dynamic", "data": "https://example.com/dyn"})
    async with aiohttp.ClientSession(f"http://127.0.0.1:{settings.http_port}") as http:
        api = Api(http, await new_tenant(db))
        entries = await api.archive(await api.submit(rows))
        assert len(entries) == ROWS
        [link] = [entry["url"] for entry in entries if "url" in entry]
        async with http.get("/r/" + link.rsplit("/r/", 1)[1], allow_redirects=False) as answer:
            assert answer.status == 302
        async with http.get("/api/qr/bulk-generate/nope", headers=api.tenant.headers) as answer:
            assert answer.status == 404  # one 4xx, so requests by status has two series
    await asyncio.sleep(2 * SCRAPE_INTERVAL_S)


@pytest.fixture(scope="module")
async def observed(settings: Settings, db: Database,
                   tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Observed]:
    port = free_port()
    local = settings.model_copy(update={
        "queue_prefix": f"{settings.queue_prefix}-prom{uuid.uuid4().hex[:4]}",
        "http_port": port, "public_url": f"http://127.0.0.1:{port}",
        "worker_metrics_port": free_port(), "chunk_rows": CHUNK_ROWS})
    jobs = [Job("bulkqr-gateway", f"127.0.0.1:{port}"),
            Job("bulkqr-worker", f"127.0.0.1:{local.worker_metrics_port}"),
            Job("rabbitmq", rabbitmq_metrics_address(), "/metrics/per-object")]
    try:
        # Each started inside the try: one that fails to start (or a Ctrl-C meanwhile) still
        # has those before it stopped, and the queues removed.
        with stopped_at_end() as processes:
            processes.append(start_gateway(local, f"{local.queue_prefix}-gateway"))
            processes.append(start_worker(local, f"{local.queue_prefix}-worker"))
            prometheus = Prometheus(tmp_path_factory.mktemp("prometheus"), jobs, ALERTS)
            try:
                await asyncio.to_thread(wait_scraped, prometheus, jobs)
                start_s = time.time()
                await run_batch(local, db)
                yield Observed(prometheus, local, start_s)
            finally:
                prometheus.stop()
    finally:
        await delete_topology(local)


def panel_ids() -> list[str]:
    return [f"{title}: {expr}" for title, expr in panel_queries("bulkqr")]


@pytest.mark.parametrize("index", range(len(panel_ids())), ids=panel_ids())
async def test_every_panel_query_returns_data(observed: Observed, index: int) -> None:
    title, expr = panel_queries(observed.settings.queue_prefix)[index]
    deadline = time.monotonic() + SETTLE_S
    while not (points := observed.prometheus.finite_points(expr, observed.start_s, time.time())):
        assert time.monotonic() < deadline, f"panel {title!r}: no data for {expr}"
        await asyncio.sleep(SCRAPE_INTERVAL_S)
    assert points


def scalar(prometheus: Prometheus, expr: str) -> float:
    [series] = prometheus.query(expr)
    return float(series["value"][1])


async def test_the_batch_is_what_prometheus_counted(observed: Observed) -> None:
    prometheus = observed.prometheus
    assert scalar(prometheus, "sum(bulkqr_rows_rendered_total)") == ROWS
    assert scalar(prometheus, "sum(bulkqr_rows_accepted_total)") == ROWS
    assert scalar(prometheus, "sum(bulkqr_archives_total)") == 1
    # Every message handled is timed (the batch's chunks and the messages around them).
    acked = scalar(prometheus, 'sum(bulkqr_messages_total{queue="chunks", action="acked"})')
    assert acked >= ROWS / CHUNK_ROWS
    assert scalar(prometheus, "sum(bulkqr_chunk_duration_seconds_count)") >= acked


async def test_alert_rules_load_and_evaluate(observed: Observed) -> None:
    deadline = time.monotonic() + SETTLE_S
    while True:
        groups = observed.prometheus.api("rules")["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        if rules and all(rule["health"] == "ok" for rule in rules):
            break
        assert time.monotonic() < deadline, [(r["name"], r["health"], r.get("lastError"))
                                             for r in rules]
        await asyncio.sleep(SCRAPE_INTERVAL_S)
    assert sorted(rule["name"] for rule in rules) == sorted(r["alert"] for r in alert_rules())
    assert all(rule["type"] == "alerting" for rule in rules)
