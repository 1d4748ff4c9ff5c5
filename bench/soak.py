"""The soak: many tenants submit batches of mixed sizes for minutes; each batch's completion
time is set against the same size's idle time (DESIGN.md §12, `make bench ARGS=soak`).

One deployment (gateway and 2 workers of one render process). First each band's batch runs
alone, 3 times (median: its idle time); the 100,000-row band's idle rate is the capacity.
Then `tenants` subscriptions submit batches at random moments, offering `load_share` of
that capacity (bench/soak_plan.py) for `minutes`, each batch waited for on its own; the
soak then waits at most `drain_s` for the last ones, stops the deployment and removes its
queues, databases and stored objects. Needs the local servers, running.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from dataclasses import asdict, dataclass
from typing import Any

import aiohttp
import orjson
import psutil

from bench.e2e import Deployment, deploy, dynamic_rows, subscribe
from bench.soak_plan import (
    BAND_WEIGHTS,
    BANDS,
    Arrival,
    arrivals_per_s,
    band_figures,
    offered_share,
    schedule,
    target_s,
)
from shared.s3 import ObjectStore
from shared.settings import Settings

VERDICTS = {True: "met", False: "MISSED", None: "no batch of this size"}
POLL_MIN_S, POLL_MAX_S = 0.05, 1.0  # status polls: every 5 % of the time waited so far


@dataclass(frozen=True)
class SoakOptions:
    minutes: float = 10.0
    tenants: int = 12
    load_share: float = 0.4
    drain_s: float = 180.0
    seed: int = 34
    idle_runs: int = 3


class Refused(RuntimeError):
    """The gateway answered a POST with neither 200 nor a retry-later status."""


async def submit(http: aiohttp.ClientSession, headers: dict[str, str], body: bytes) -> str:
    """The new batch's id; a 429 or 503 is retried after its Retry-After, as clients do."""
    while True:
        async with http.post("/api/qr/bulk-generate", data=body,
                             headers={**headers, "Content-Type": "application/json"}) as answer:
            if answer.status == 200:
                return str(await answer.json())
            if answer.status not in (429, 503):
                raise Refused(f"{answer.status}: {(await answer.text())[:300]}")
            retry_s = float(answer.headers.get("Retry-After", "1"))
        await asyncio.sleep(retry_s)


async def completed_after(http: aiohttp.ClientSession, headers: dict[str, str], bulk_id: str,
                          started: float) -> float:
    """Seconds from `started` until the batch reads `completed`; polls spaced by 5 % of the
    wait so far (50 ms to 1 s), so twenty batches in flight cost the gateway little."""
    while True:
        async with http.get(f"/api/qr/bulk-generate/{bulk_id}", headers=headers) as answer:
            if (await answer.json())["status"] != "processing":
                return time.perf_counter() - started
        waited_s = time.perf_counter() - started
        await asyncio.sleep(min(POLL_MAX_S, max(POLL_MIN_S, waited_s / 20)))


async def timed_batch(http: aiohttp.ClientSession, headers: dict[str, str], body: bytes) -> float:
    started = time.perf_counter()
    return await completed_after(http, headers, await submit(http, headers, body), started)


async def idle_times(http: aiohttp.ClientSession, headers: dict[str, str],
                     bodies: dict[int, bytes], runs: int) -> dict[int, list[float]]:
    """Each band's batch alone on the deployment, `runs` times, after one warm-up batch."""
    await timed_batch(http, headers, bodies[1_000])  # render processes and caches start
    idle: dict[int, list[float]] = {}
    for rows, body in bodies.items():
        idle[rows] = [await timed_batch(http, headers, body) for _ in range(runs)]
        print(f"soak: {rows:,} rows alone {[round(s, 2) for s in idle[rows]]} s", flush=True)
    return idle


async def one_batch(http: aiohttp.ClientSession, headers: dict[str, str], body: bytes,
                    record: dict[str, Any], started: float) -> None:
    """Submit at the planned moment and fill `record` as the batch goes."""
    await asyncio.sleep(max(0.0, started + record["planned_at_s"] - time.perf_counter()))
    submitted = time.perf_counter()
    record["started_at"] = round(submitted - started, 3)
    record["submitted"] = submitted
    try:
        record["completion_s"] = round(await timed_batch(http, headers, body), 3)
    except (aiohttp.ClientError, TimeoutError, Refused) as error:
        record["error"] = repr(error)[:300]


async def run_plan(http: aiohttp.ClientSession, tenants: list[dict[str, str]],
                   bodies: dict[int, bytes], plan: list[Arrival], drain_s: float
                   ) -> list[dict[str, Any]]:
    """Every planned batch in its own task; at the end of the plan's last arrival plus
    `drain_s`, those still waiting are cancelled and recorded with the time they waited."""
    records: list[dict[str, Any]] = [
        {"size": a.rows, "band": a.rows, "tenant": a.tenant, "planned_at_s": a.at_s,
         "completion_s": None} for a in plan]
    started = time.perf_counter()
    tasks = [asyncio.create_task(one_batch(http, tenants[r["tenant"]], bodies[r["band"]], r,
                                           started)) for r in records]
    last_s = plan[-1].at_s if plan else 0.0
    _, pending = await asyncio.wait(tasks, timeout=last_s + drain_s) if tasks else (set(), set())
    cut = time.perf_counter()
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task, record in zip(tasks, records, strict=True):
        if task not in pending and task.exception() is not None:  # a failure nobody foresaw
            record["error"] = repr(task.exception())[:300]
        submitted = record.pop("submitted", cut)
        record["planned_at_s"] = round(record["planned_at_s"], 3)
        if record["completion_s"] is None and "error" not in record:
            record["waited_s"] = round(cut - submitted, 3)
    return records


async def tenant_headers(deployment: Deployment, count: int) -> list[dict[str, str]]:
    return [deployment.headers, *[await subscribe(deployment.settings) for _ in range(count - 1)]]


async def soak_on(deployment: Deployment, options: SoakOptions) -> dict[str, Any]:
    bodies = {rows: orjson.dumps(dynamic_rows(rows)) for rows in BANDS}
    tenants = await tenant_headers(deployment, options.tenants)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=30)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(deployment.url, timeout=timeout, connector=connector) as http:
        idle = await idle_times(http, tenants[0], bodies, options.idle_runs)
        figures = planned(idle, options)
        psutil.cpu_percent()
        batches = await run_plan(http, tenants, bodies, figures.pop("plan"), figures["drain_s"])
        figures["machine_busy_share"] = round(psutil.cpu_percent() / 100, 3)
    bands = [band_figures(rows, idle[rows], batches) for rows in BANDS]
    return figures | {"bands": bands, "batches": batches}


def planned(idle: dict[int, list[float]], options: SoakOptions) -> dict[str, Any]:
    """The plan for the measured capacity (the biggest band's idle rate), with its figures;
    the drain limit is raised to the largest target, so an unfinished batch is a miss."""
    capacity = max(BANDS) / statistics.median(idle[max(BANDS)])
    rate = arrivals_per_s(options.load_share, capacity, BANDS, BAND_WEIGHTS)
    duration_s = options.minutes * 60
    plan = schedule(duration_s, options.tenants, rate, random.Random(options.seed))
    offered = offered_share(plan, duration_s, capacity)
    print(f"soak: capacity {capacity:,.0f} rows/s, {len(plan)} batches planned over "
          f"{duration_s:.0f} s, offering {offered:.2f} of it", flush=True)
    drain_s = max(options.drain_s, *(target_s(statistics.median(s)) for s in idle.values()))
    return {"options": asdict(options), "bands_rows": list(BANDS),
            "band_weights": list(BAND_WEIGHTS), "capacity_rows_per_s": round(capacity),
            "arrivals_per_s": round(rate, 4), "offered_share": round(offered, 3),
            "drain_s": round(drain_s, 1), "plan": plan}


async def empty_bucket(settings: Settings) -> int:
    """Delete the deployment's stored objects (a 10-minute soak stores about a gigabyte)."""
    async with ObjectStore(settings) as store:
        return await store.delete_prefix("")


async def measure(base: Settings, options: SoakOptions) -> dict[str, Any]:
    deployment = await deploy(base, 2)
    try:
        figures = await soak_on(deployment, options)
    finally:
        deployment.stop()
        await empty_bucket(deployment.settings)
    for band in figures["bands"]:
        print(f"soak: {band['rows']:>7,} rows: idle {band['idle_s']} s, p50 {band['p50_s']} s, "
              f"p95 {band['p95_s']} s of {band['count']} ({band['unfinished']} unfinished, "
              f"{band['failed']} failed), target {band['target_s']} s: "
              f"{VERDICTS[band['meets']]}", flush=True)
    return figures
