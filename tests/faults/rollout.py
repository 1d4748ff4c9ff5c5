"""The cluster's rollout scenarios' tools: pids, killing the busy gateway, restarts, clients."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import aiohttp
import psutil

from client import BulkQRClient, ClientConfig
from client.policy import Backoff
from tests.api import Tenant, parse_archive
from tests.faults.rabbitcluster import RabbitCluster
from tests.processes import ROOT

POLL = Backoff(first_s=0.2, max_s=1.0)  # the docs let tests inject a short poll schedule
HEALTH_CHECK_S = 2.5  # HAProxy checks every second and needs one success (rise 1)


def client_for(cluster: RabbitCluster, tenant: Tenant) -> BulkQRClient:
    """A client of the cluster's public URL with the documented retries (only polls faster)."""
    return BulkQRClient(ClientConfig(tenant.client_id, tenant.api_key, base_url=cluster.url,
                                     poll=POLL))


async def pids_of(cluster: RabbitCluster, kind: str) -> list[int]:
    """The pids of the cluster's `gateways` or `workers`, in their order."""
    _, status = await cluster.astatus()
    pids = [piece["pid"] for piece in status[kind]]
    assert None not in pids, status
    return [int(pid) for pid in pids]


def cpu_s(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


async def kill_busiest(pids: list[int], since: dict[int, float], min_cpu_s: float,
                       timeout_s: float) -> int:
    """SIGKILL the first of `pids` to have used `min_cpu_s` of CPU since `since`: the one
    serving the scenario's request (the others only answer health checks)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for pid in pids:
            if cpu_s(pid) - since[pid] >= min_cpu_s:
                os.kill(pid, signal.SIGKILL)
                return pid
        await asyncio.sleep(0.005)
    raise AssertionError(f"no gateway used {min_cpu_s} s of CPU within {timeout_s} s")


async def wait_exited(pid: int, timeout_s: float) -> None:
    with contextlib.suppress(psutil.NoSuchProcess):
        await asyncio.to_thread(psutil.Process(pid).wait, timeout_s)


async def wait_gateway_ready(port: int, timeout_s: float) -> None:
    """Its own /readyz answers 200, then HAProxy's health check has had time to see it."""
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        while True:
            try:
                async with http.get(f"http://127.0.0.1:{port}/readyz") as answer:
                    if answer.status == 200:
                        break
            except (aiohttp.ClientError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"gateway :{port} not ready after {timeout_s} s")
            await asyncio.sleep(0.2)
    await asyncio.sleep(HEALTH_CHECK_S)


async def stop_piece(cluster: RabbitCluster, kind: str, index: int) -> float:
    """SIGTERM one gateway or worker and wait for its exit; returns the seconds it took."""
    _, status = await cluster.astatus()
    pid = int(status[kind][index]["pid"])
    started = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    await wait_exited(pid, 60)
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    return time.monotonic() - started


async def roll(cluster: RabbitCluster, kind: str, index: int) -> float:
    """One step of a rolling restart: stop the piece, start it again (cluster.sh start
    starts what is down), and for a gateway wait until it serves again. Returns the
    seconds its drain took."""
    drained_s = await stop_piece(cluster, kind, index)
    await cluster.astart()
    _, status = await cluster.astatus()
    piece = status[kind][index]
    if kind == "gateways":
        await wait_gateway_ready(int(piece["port"]), 60)
    return drained_s


def archive_entries(path: Path) -> list[Any]:
    """The entries of a JSON archive the client saved."""
    return parse_archive(path.read_bytes())


def export_tree(commit: str, into: Path) -> Path:
    """The files of `commit`, exported from git under `into` (CI clones with the history)."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit],
                             capture_output=True, check=False)
    assert archive.returncode == 0, archive.stderr.decode(errors="replace")
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into
