"""How much of the machine a batch uses: `make run`'s configuration against twice the limit.

One worker with a render process per core (the default), 100,000 dynamic rows: rows/s end
to end, the ratio to twice the in-process limit of one core measured in the same run (the
issue's target is 0.6), and the µs of CPU each process spent per row.
"""

from __future__ import annotations

import os
from typing import Any

from bench import render_limit
from bench.cpu_share import measured_batch
from bench.e2e import deploy
from shared.settings import Settings


async def measure(base: Settings, rows: int = 100_000) -> dict[str, Any]:
    limit = render_limit.measure(5000)
    deployment = await deploy(base, workers=1, render_processes=0)
    try:
        await measured_batch(deployment, min(rows, 2_000))  # warm: pools, caches, shards
        figures, cpu_us = await measured_batch(deployment, rows)
    finally:
        deployment.stop()
        limit_after = render_limit.measure(5000)
    limit_rows_per_s = 1e6 / min(limit.reference_us, limit_after.reference_us)
    cores = os.cpu_count() or 1
    result = {
        "rows": rows, "cores": cores, "rows_per_s": round(figures.rows_per_s),
        "limit_rows_per_s_one_core": round(limit_rows_per_s),
        "limit_us_before_after": [round(limit.reference_us), round(limit_after.reference_us)],
        "ratio_to_cores_x_limit": round(figures.rows_per_s / (cores * limit_rows_per_s), 3),
        # The project's own renderer in one process, now faster than the reference path:
        # the stricter yardstick.
        "renderer_us_before_after": [round(limit.project_us), round(limit_after.project_us)],
        "ratio_to_cores_x_renderer": round(
            figures.rows_per_s * min(limit.project_us, limit_after.project_us) / 1e6 / cores, 3),
        "cpu_us_per_row": cpu_us, "cpu_us_per_row_total": round(sum(cpu_us.values())),
    }
    print(f"machine use: {result}", flush=True)
    return result


if __name__ == "__main__":
    import asyncio
    import sys

    from tests.servers import start_local_servers

    start_local_servers()
    asyncio.run(measure(Settings(), int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
