"""Draw the benchmark's chart: throughput per worker against the limit, and peak memory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def draw(results: dict[str, Any], path: Path) -> None:
    batches = results["batches"]
    sizes = sorted({b["rows"] for b in batches})
    figure, (speed, memory) = plt.subplots(1, 2, figsize=(12, 4.5))
    width = 0.38
    for offset, workers in ((-width / 2, 1), (width / 2, 2)):
        mine = {b["rows"]: b for b in batches if b["workers"] == workers}
        xs = [i + offset for i, size in enumerate(sizes) if size in mine]
        speed.bar(xs, [mine[s]["rows_per_s_per_worker"] for s in sizes if s in mine], width,
                  label=f"{workers} worker{'s' if workers > 1 else ''}")
        memory.bar(xs, [max(v for k, v in mine[s]["peak_rss_mb"].items() if k != "gateway")
                        for s in sizes if s in mine], width, label=f"{workers} w: worker")
    limit = results["render"]["reference_rows_per_s"]
    speed.axhline(limit, color="k", linestyle="--", label="in-process limit (1 core)")
    speed.axhline(limit / 2, color="grey", linestyle=":", label="target: 50 % of limit")
    for axis, title, unit in ((speed, "End-to-end rows/s per worker", "rows/s"),
                              (memory, "Peak RSS of a worker (with its render process)",
                               "MB")):
        axis.set_xticks(range(len(sizes)), [f"{s:,}" for s in sizes])
        axis.set_xlabel("rows in the batch")
        axis.set_ylabel(unit)
        axis.set_title(title)
        axis.legend(fontsize=8)
    memory.axhline(300, color="r", linestyle="--", label="target 300 MB")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
