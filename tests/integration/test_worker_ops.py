"""Worker operations: its metrics port reports a batch, and SIGTERM mid-batch drains cleanly.

The module runs a gateway of its own, and each test its own workers, on queues of their own
(a private queue prefix): the session's workers take none of these chunks, and every figure
a test reads is its workers' alone.
"""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from shared.settings import Settings
from shared.store import Database
from tests.api import Api, decode_data_uri, new_tenant
from tests.processes import (
    Process,
    delete_topology,
    free_port,
    start_gateway,
    start_worker,
    stop_all,
)

Sample = tuple[str, frozenset[tuple[str, str]]]


def static_rows(count: int, tag: str, size_px: int = 300) -> list[dict[str, Any]]:
    return [{"uid": f"{tag}-{i}", "data": f"https://example.com/{tag}/{i}",
             "styling": {"size": size_px}} for i in range(count)]


def sample(name: str, **labels: str) -> Sample:
    return name, frozenset(labels.items())


def delta(before: dict[Sample, float], after: dict[Sample, float], key: Sample) -> float:
    return after.get(key, 0.0) - before.get(key, 0.0)


async def scrape(http: aiohttp.ClientSession, port: int) -> dict[Sample, float]:
    """Every sample a worker's metrics port serves, keyed by name and labels."""
    async with http.get(f"http://127.0.0.1:{port}/metrics") as answer:
        assert answer.status == 200
        text = await answer.text()
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def events(process: Process) -> Iterator[dict[str, Any]]:
    """The JSON log lines of a process, in order."""
    for line in process.log_text().splitlines():
        if line.startswith("{"):
            yield orjson.loads(line)


def rendered_rows(process: Process, bulk_id: str) -> int:
    return sum(e["rows"] for e in events(process)
               if e.get("event") == "chunk rendered" and e.get("bulkId") == bulk_id)


@pytest.fixture(scope="module")
async def ops(settings: Settings) -> AsyncIterator[Settings]:
    """A gateway on the session's servers and database, with a queue prefix of its own.

    Its batches publish every chunk at once (a window bigger than any of them), so each
    worker holds a full prefetch of chunks when it is stopped: these tests are about what a
    stopping worker does with the chunks in its hands, not about fair scheduling."""
    port, tag = free_port(), uuid.uuid4().hex[:8]
    private = settings.model_copy(update={
        "queue_prefix": f"ops-{tag}", "http_port": port,
        "public_url": f"http://127.0.0.1:{port}", "chunk_rows": 50, "window_chunks": 100})
    gateway = await asyncio.to_thread(start_gateway, private, f"ops-{tag}-gateway")
    yield private
    await asyncio.to_thread(stop_all, [gateway])
    await delete_topology(private)


@asynccontextmanager
async def running(workers: list[Settings], name: str) -> AsyncIterator[list[Process]]:
    """Workers started side by side for one test, stopped (SIGTERM) when it ends."""
    results = await asyncio.gather(*(
        asyncio.to_thread(start_worker, settings, f"{name}-worker-{number}")
        for number, settings in enumerate(workers)), return_exceptions=True)
    started = [result for result in results if isinstance(result, Process)]
    try:
        for result in results:
            if isinstance(result, BaseException):
                raise result
        yield started
    finally:
        await asyncio.to_thread(stop_all, started)


def with_metrics(settings: Settings, **changes: Any) -> Settings:
    return settings.model_copy(update={"worker_metrics_port": free_port(), **changes})


async def settled(http: aiohttp.ClientSession, port: int, before: dict[Sample, float],
                  acks: int, timeout_s: float = 15) -> dict[Sample, float]:
    """Metrics once `acks` more messages were acked and none is in flight."""
    acked = sample("bulkqr_messages_total", queue="chunks", action="acked")
    deadline = time.monotonic() + timeout_s
    while True:
        after = await scrape(http, port)
        idle = after[sample("bulkqr_chunks_in_flight")] == 0
        if (idle and delta(before, after, acked) >= acks) or time.monotonic() > deadline:
            return after
        await asyncio.sleep(0.1)


async def until_chunks_rendered(http: aiohttp.ClientSession, port: int, rows: int) -> None:
    """Wait until the worker on `port` has rendered at least `rows` rows."""
    key = sample("bulkqr_rows_rendered_total", outcome="static")
    deadline = time.monotonic() + 60
    while (await scrape(http, port)).get(key, 0.0) < rows:
        assert time.monotonic() < deadline, "the worker rendered nothing in 60 s"
        await asyncio.sleep(0.02)


async def test_worker_metrics_change_after_a_batch(ops: Settings, db: Database) -> None:
    worker = with_metrics(ops)
    port = worker.worker_metrics_port
    tag = uuid.uuid4().hex[:6]
    rows = static_rows(90, tag) + [{"uid": f"{tag}-bad-{i}", "data": "not a url"}
                                   for i in range(10)]
    async with running([worker], f"ops-metrics-{tag}"), aiohttp.ClientSession(
            f"http://127.0.0.1:{ops.http_port}") as http:
        before = await scrape(http, port)
        api = Api(http, await new_tenant(db))
        bulk_id = await api.submit(rows)
        assert (await api.wait_completed(bulk_id))["status"] == "completed"
        after = await settled(http, port, before, acks=3)
    # 100 rows in chunks of 50: one split message, then two chunk messages.
    assert delta(before, after, sample("bulkqr_rows_rendered_total", outcome="static")) == 90
    assert delta(before, after, sample("bulkqr_rows_rendered_total", outcome="failed_400")) == 10
    assert delta(before, after, sample("bulkqr_messages_total", queue="chunks",
                                       action="acked")) == 3
    assert delta(before, after, sample("bulkqr_chunk_duration_seconds_count")) == 3
    assert delta(before, after, sample("bulkqr_archives_total")) == 1
    assert delta(before, after, sample("bulkqr_redeliveries_total")) == 0
    assert after[sample("bulkqr_chunks_in_flight")] == 0


async def test_sigterm_mid_batch_drains_and_the_batch_completes(ops: Settings,
                                                                 db: Database) -> None:
    leaving, tag = with_metrics(ops), uuid.uuid4().hex[:6]
    async with running([leaving, ops], f"ops-drain-{tag}") as (worker, other), \
            aiohttp.ClientSession(f"http://127.0.0.1:{ops.http_port}") as http:
        api = Api(http, await new_tenant(db))
        bulk_id = await api.submit(static_rows(1000, tag))
        await until_chunks_rendered(http, leaving.worker_metrics_port, ops.chunk_rows)
        assert (await api.status(bulk_id))["status"] == "processing"
        signalled = time.monotonic()
        worker.signal(signal.SIGTERM)
        code = await asyncio.to_thread(worker.wait, ops.drain_timeout_s + 15)
        drain_s = time.monotonic() - signalled
        entries = await api.archive(bulk_id)
    print(f"clean drain: worker exited {code} after {drain_s:.2f} s")
    assert code == 0
    assert drain_s < ops.drain_timeout_s
    log = list(events(worker))
    draining = next(i for i, e in enumerate(log) if e["event"] == "worker draining")
    handled_after = [e for e in log[draining:] if e["event"] == "message handled"]
    assert len(handled_after) <= ops.prefetch_chunks, "took new messages while draining"
    assert all(e["action"] == "acked" for e in handled_after)
    assert log[-1]["event"] == "worker stopped"
    stopped_at = log[-1]["timestamp"]
    later = [e for e in events(other) if e.get("bulkId") == bulk_id
             and e["event"] == "chunk rendered" and e["timestamp"] > stopped_at]
    assert later, "the other worker rendered nothing after the first one stopped"
    assert rendered_rows(worker, bulk_id) + rendered_rows(other, bulk_id) == 1000
    assert len(entries) == 1000
    assert decode_data_uri(entries[0]) == f"https://example.com/{tag}/0"
    assert decode_data_uri(entries[-1]) == f"https://example.com/{tag}/999"


async def test_sigterm_past_the_drain_timeout_requeues_held_chunks(ops: Settings,
                                                                   db: Database) -> None:
    # Large images make a chunk take far longer than this worker's drain timeout, so the
    # worker must give the chunks it holds back to the queue.
    leaving, tag = with_metrics(ops, drain_timeout_s=0.05), uuid.uuid4().hex[:6]
    async with running([leaving, ops], f"ops-requeue-{tag}") as (worker, other), \
            aiohttp.ClientSession(f"http://127.0.0.1:{ops.http_port}") as http:
        api = Api(http, await new_tenant(db))
        bulk_id = await api.submit(static_rows(600, tag, size_px=2000))
        await until_chunks_rendered(http, leaving.worker_metrics_port, ops.chunk_rows)
        signalled = time.monotonic()
        worker.signal(signal.SIGTERM)
        code = await asyncio.to_thread(worker.wait, ops.drain_timeout_s + 15)
        drain_s = time.monotonic() - signalled
        entries = await api.archive(bulk_id)
    print(f"timed-out drain: worker exited {code} after {drain_s:.2f} s")
    assert code == 0
    # The drain gives up after 0.05 s; closing then waits for the image being drawn.
    assert drain_s < ops.drain_timeout_s
    assert any(e["event"].startswith("drain timed out") for e in events(worker))
    redelivered = [e for e in events(other) if e.get("bulkId") == bulk_id
                   and e["event"] == "message handled" and e.get("redelivered")]
    assert redelivered, "no chunk the first worker held came back to the other one"
    assert rendered_rows(worker, bulk_id) + rendered_rows(other, bulk_id) == 600
    assert len(entries) == 600 and all(isinstance(e, str) for e in entries)
