"""A worker's render processes, and their resource tracker, end with it however it ends."""

from __future__ import annotations

import signal
import time

import psutil
import pytest

from tests.faults.conftest import MakeCluster
from tests.faults.helpers import Session, secured_rows, until
from tests.processes import Process

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
async def test_no_render_process_outlives_its_worker(make_cluster: MakeCluster,
                                                     sig: signal.Signals) -> None:
    cluster = make_cluster(f"orphans-{sig.name.lower()}", chunk_rows=200, render_processes=2)
    cluster.start_gateway()
    worker = cluster.start_worker()
    session = Session(cluster.settings, cluster.url)
    try:
        api = await session.open()
        await session.submit(api, secured_rows("orphan", 600))
        children = await _render_children(worker, at_least=2)
        worker.signal(sig)
        worker.wait(30)
        # a render process still importing when its worker dies exits at its first check
        # of the parent; on a loaded machine that import alone can take seconds
        alive = _still_alive(children, timeout_s=30)
        assert alive == [], f"left behind after {sig.name}: {alive}"
    finally:
        await session.close()


async def _render_children(worker: Process, at_least: int) -> list[psutil.Process]:
    """Every descendant of the worker once its pool is drawing: render processes, tracker."""
    parent = psutil.Process(worker.pid)

    async def pool_started() -> bool:
        return len(parent.children(recursive=True)) > at_least

    await until(pool_started, 60, "the render pool to start")
    return parent.children(recursive=True)


def _still_alive(processes: list[psutil.Process], timeout_s: float) -> list[str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        alive = [p for p in processes if _running(p)]
        if not alive:
            return []
        time.sleep(0.1)
    return [f"{p.pid} {' '.join(p.cmdline())[:120]}" for p in processes if _running(p)]


def _running(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
