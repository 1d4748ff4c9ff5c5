"""Where the CPU of one batch goes: seconds of CPU per row, by process, from /proc."""

from __future__ import annotations

import psutil

from bench.e2e import BatchFigures, Deployment, run_batch

ROLES = (("ferretdb", "FerretDB"), ("beam.smp", "RabbitMQ"), ("versitygw", "versitygw"))


def _role(process: psutil.Process, deployment: Deployment) -> str | None:
    workers = {w.pid for w in deployment.workers}
    if process.pid == deployment.gateway.pid:
        return "gateway"
    if process.pid in workers:
        return "worker (main)"
    if process.ppid() in workers:
        return "worker (render)"
    name = process.name()
    return next((role for needle, role in ROLES if needle in name), None)


def cpu_seconds(deployment: Deployment) -> dict[str, float]:
    totals: dict[str, float] = {}
    for process in psutil.process_iter():
        try:
            role = _role(process, deployment)
            if role is not None:
                times = process.cpu_times()
                totals[role] = totals.get(role, 0.0) + times.user + times.system
        except psutil.Error:
            continue
    return totals


async def cpu_per_row_us(deployment: Deployment, rows: int) -> dict[str, float]:
    """Run one batch and return µs of CPU per row spent by each process."""
    return (await measured_batch(deployment, rows))[1]


async def measured_batch(deployment: Deployment, rows: int
                         ) -> tuple[BatchFigures, dict[str, float]]:
    """One batch's figures and the µs of CPU per row each process spent on it."""
    before = cpu_seconds(deployment)
    figures, _ = await run_batch(deployment, rows)
    after = cpu_seconds(deployment)
    return figures, {role: round((after[role] - before.get(role, 0.0)) / rows * 1e6, 1)
                     for role in sorted(after)}
