"""`python -m bench.ops_chart`: chart a real run's queue depth and rows rendered over time.

Starts a gateway and one worker on the local servers (a database, queues and bucket of
its own), submits one batch, adds a second worker once a quarter of the rows are done,
sends the first worker SIGTERM at three quarters, and samples every worker's /metrics and
RabbitMQ's Prometheus endpoint every 0.5 s. The chart goes to docs/operations-dashboard.png.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aio_pika
import aiohttp
import matplotlib
import orjson
from aio_pika.abc import AbstractQueue
from prometheus_client.parser import text_string_to_metric_families

from shared.amqp import Names
from shared.s3 import ObjectStore
from shared.settings import Settings
from shared.store import open_client
from shared.store.layout import drop_databases
from shared.subscriptions import create_subscription
from tests.processes import Process, free_port, start_gateway, start_worker, stop_all
from tests.servers import start_local_servers

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "docs" / "operations-dashboard.png"
SAMPLE_EVERY_S = 0.5


@dataclass
class Sample:
    t_s: float
    ready: float  # RabbitMQ's Prometheus endpoint (refreshed every stats interval)
    unacked: float
    ready_live: float  # the broker's answer to a passive queue declare, right now
    rows: dict[str, float]


@dataclass
class Run:
    """What one run saw: samples, and the moments something happened."""

    rows: int
    chunks: int
    started: float = field(default_factory=time.monotonic)
    samples: list[Sample] = field(default_factory=list)
    events: list[tuple[float, str]] = field(default_factory=list)

    def mark(self, label: str) -> None:
        self.events.append((time.monotonic() - self.started, label))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ops_chart")
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--chunk-rows", type=int, default=250)
    parser.add_argument("--rabbitmq-metrics", default="http://127.0.0.1:15692",
                        help="RabbitMQ's Prometheus endpoint (rabbitmq_prometheus plugin)")
    parser.add_argument("--out", type=Path, default=CHART)
    return parser.parse_args()


def run_settings(chunk_rows: int) -> Settings:
    tag, port = uuid.uuid4().hex[:6], free_port()
    return Settings(mongo_db=f"opschart_{tag}", queue_prefix=f"opschart-{tag}",
                    s3_bucket=f"opschart-{tag}", http_port=port,
                    public_url=f"http://127.0.0.1:{port}", chunk_rows=chunk_rows,
                    worker_metrics_port=0, render_processes=1)


def with_metrics_port(settings: Settings) -> Settings:
    return settings.model_copy(update={"worker_metrics_port": free_port()})


async def scrape(http: aiohttp.ClientSession, url: str) -> list[tuple[str, dict[str, str], float]]:
    async with http.get(url) as answer:
        text = await answer.text()
    return [(s.name, s.labels, s.value)
            for family in text_string_to_metric_families(text) for s in family.samples]


async def queue_depth(http: aiohttp.ClientSession, base: str, queue: str) -> tuple[float, float]:
    """Ready and unacked messages of one queue, from RabbitMQ's per-queue metrics."""
    url = f"{base}/metrics/detailed?family=queue_coarse_metrics"
    depth = {"ready": 0.0, "unacked": 0.0}
    for name, labels, value in await scrape(http, url):
        if labels.get("queue") == queue and name.endswith(("_ready", "_unacked")):
            depth[name.rpartition("_")[2]] = value
    return depth["ready"], depth["unacked"]


async def rows_rendered(http: aiohttp.ClientSession, port: int) -> float | None:
    """All rows a worker rendered, or None once it has stopped answering."""
    try:
        found = await scrape(http, f"http://127.0.0.1:{port}/metrics")
    except aiohttp.ClientError:
        return None
    return sum(v for name, _, v in found if name == "bulkqr_rows_rendered_total")


async def sample(http: aiohttp.ClientSession, run: Run, queue: AbstractQueue, rabbit: str,
                 workers: dict[str, int]) -> Sample:
    ready, unacked = await queue_depth(http, rabbit, queue.name)
    live = await queue.channel.declare_queue(queue.name, passive=True)
    last = run.samples[-1].rows if run.samples else {}
    rows = {}
    for name, port in workers.items():
        seen = await rows_rendered(http, port)
        rows[name] = seen if seen is not None else last.get(name, 0.0)
    ready_live = float(live.declaration_result.message_count or 0)
    return Sample(time.monotonic() - run.started, ready, unacked, ready_live, rows)


async def submit(http: aiohttp.ClientSession, headers: dict[str, str], rows: int) -> str:
    body = [{"uid": f"r{i}", "qrType": "dynamic" if i % 4 == 0 else "static",
             "data": f"https://example.com/item/{i}"} for i in range(rows)]
    async with http.post("/api/qr/bulk-generate", data=orjson.dumps(body),
                         headers={**headers, "Content-Type": "application/json"}) as answer:
        assert answer.status == 200, await answer.text()
        return str(await answer.json())


async def completed(http: aiohttp.ClientSession, headers: dict[str, str], bulk_id: str) -> bool:
    async with http.get(f"/api/qr/bulk-generate/{bulk_id}", headers=headers) as answer:
        return bool((await answer.json())["status"] == "completed")


class Operator:
    """Adds a second worker at a quarter of the rows and stops the first at three quarters."""

    def __init__(self, settings: Settings, first: Process, run: Run,
                 workers: dict[str, int]) -> None:
        self.settings, self.first, self.run, self.workers = settings, first, run, workers
        self.added: asyncio.Task[Process] | None = None
        self.stopped = False

    def act(self, done: float) -> None:
        if self.added is None and done >= 0.25:
            self.added = asyncio.create_task(self._add_worker())
        if not self.stopped and done >= 0.75:
            self.first.signal(signal.SIGTERM)
            self.run.mark("worker 1: SIGTERM")
            self.stopped = True

    async def _add_worker(self) -> Process:
        second = with_metrics_port(self.settings)
        self.run.mark("worker 2 starting")
        name = f"{self.settings.queue_prefix}-worker-2"
        process = await asyncio.to_thread(start_worker, second, name)
        self.workers["worker 2"] = second.worker_metrics_port
        return process

    async def close(self) -> None:
        if self.added is not None:
            await asyncio.to_thread(stop_all, [await self.added])


async def observe(settings: Settings, args: argparse.Namespace, headers: dict[str, str],
                  first: tuple[Process, int]) -> Run:
    """Submit, then sample every 0.5 s until the batch completes, and once more after."""
    run, workers = Run(args.rows, -(-args.rows // args.chunk_rows)), {"worker 1": first[1]}
    operator = Operator(settings, first[0], run, workers)
    url = f"http://127.0.0.1:{settings.http_port}"
    async with aiohttp.ClientSession(url) as http, \
            await aio_pika.connect(settings.amqp_url.get_secret_value()) as connection:
        queue = await (await connection.channel()).declare_queue(
            Names(settings.queue_prefix).chunks, passive=True)
        run.started = time.monotonic()
        bulk_id = await submit(http, headers, args.rows)
        run.mark("batch accepted")
        while not await completed(http, headers, bulk_id):
            run.samples.append(await sample(http, run, queue, args.rabbitmq_metrics, workers))
            operator.act(sum(run.samples[-1].rows.values()) / args.rows)
            await asyncio.sleep(SAMPLE_EVERY_S - (time.monotonic() - run.started) % SAMPLE_EVERY_S)
        run.mark("batch completed")
        run.samples.append(await sample(http, run, queue, args.rabbitmq_metrics, workers))
    await operator.close()
    return run


def draw(run: Run, path: Path) -> None:
    t = [s.t_s for s in run.samples]
    figure, (queue, rows) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True)
    queue.plot(t, [s.ready_live for s in run.samples], color="C0",
               label="ready, live (passive queue declare)")
    queue.plot(t, [s.ready for s in run.samples], "--", color="C0", drawstyle="steps-post",
               label="rabbitmq_queue_messages_ready")
    queue.plot(t, [s.unacked for s in run.samples], color="C1", drawstyle="steps-post",
               label="rabbitmq_queue_messages_unacked")
    queue.set_ylabel("chunk messages")
    queue.set_title(f"Chunk queue depth: {run.rows:,} rows in {run.chunks} chunks")
    names = sorted({name for s in run.samples for name in s.rows})
    for name in names:
        rows.plot(t, [s.rows.get(name, 0.0) for s in run.samples], label=f"{name} (cumulative)")
    rows.plot(t, [sum(s.rows.values()) for s in run.samples], "k--", label="all workers")
    rows.set_ylabel("rows rendered")
    rows.set_xlabel("seconds since the batch was submitted")
    rows.set_title("bulkqr_rows_rendered_total per worker")
    for axis in (queue, rows):
        for at, label in run.events:
            axis.axvline(at, color="grey", linestyle=":", linewidth=1)
            if axis is queue:
                axis.annotate(label, (at, 1), xycoords=("data", "axes fraction"), rotation=90,
                              va="top", ha="right", fontsize=8, color="dimgrey")
        axis.legend(loc="center left" if axis is queue else "upper left", fontsize=8)
        axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


async def clean_up(settings: Settings) -> None:
    """Remove the run's database, queues, exchanges and objects."""
    client = open_client(settings)
    await drop_databases(client[settings.mongo_db])
    await client.close()
    async with ObjectStore(settings) as store:
        await store.delete_prefix("")
    names = Names(settings.queue_prefix)
    async with await aio_pika.connect(settings.amqp_url.get_secret_value()) as connection:
        channel = await connection.channel()
        for queue in (names.chunks, names.dead_chunks, names.scans):
            await channel.queue_delete(queue)
        for exchange in (names.work_exchange, names.dead_exchange, names.links_exchange):
            await channel.exchange_delete(exchange)


async def main(args: argparse.Namespace) -> Run:
    start_local_servers()
    settings = run_settings(args.chunk_rows)
    first = with_metrics_port(settings)
    processes: list[Process] = []
    try:
        processes.append(start_gateway(settings, f"{settings.queue_prefix}-gateway"))
        processes.append(start_worker(first, f"{settings.queue_prefix}-worker-1"))
        client = open_client(settings)
        client_id, api_key = await create_subscription(client[settings.mongo_db], "ops", 10**6)
        await client.close()
        headers = {"client-id": client_id, "api-key": api_key}
        return await observe(settings, args, headers, (processes[1], first.worker_metrics_port))
    finally:
        stop_all(processes)
        await clean_up(settings)


def summary(run: Run) -> dict[str, Any]:
    return {"rows": run.rows, "chunks": run.chunks, "samples": len(run.samples),
            "peak_ready": max(s.ready for s in run.samples),
            "events_s": {label: round(at, 1) for at, label in run.events},
            "rows_by_worker": run.samples[-1].rows}


if __name__ == "__main__":
    arguments = parse_args()
    result = asyncio.run(main(arguments))
    draw(result, arguments.out)
    print(orjson.dumps(summary(result), option=orjson.OPT_INDENT_2).decode())
    print(f"chart: {arguments.out}")
