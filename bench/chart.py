"""Draw the benchmarks' charts: throughput and memory (`make bench`), completion times (soak)."""

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


def draw_soak(soak: dict[str, Any], path: Path) -> None:
    """Each batch's completion time against its size (log-log), with each band's idle time,
    its target (2 x idle + 2 s) and its p95 under load."""
    figure, axis = plt.subplots(figsize=(8, 5.5))
    done = [b for b in soak["batches"] if b["completion_s"] is not None]
    cut = [b for b in soak["batches"] if b.get("waited_s") is not None]
    axis.scatter([b["size"] for b in done], [b["completion_s"] for b in done], s=12,
                 alpha=0.35, label=f"a batch under load ({len(done)})")
    if cut:
        axis.scatter([b["size"] for b in cut], [b["waited_s"] for b in cut], marker="x",
                     color="r", label=f"unfinished at the drain limit ({len(cut)})")
    bands = [band for band in soak["bands"] if band["p95_s"] is not None]
    rows = [band["rows"] for band in soak["bands"]]
    axis.plot(rows, [band["idle_s"] for band in soak["bands"]], "k-o", label="idle (alone, median)")
    axis.plot(rows, [band["target_s"] for band in soak["bands"]], "r--",
              label="target: 2 x idle + 2 s")
    axis.plot([band["rows"] for band in bands], [band["p95_s"] for band in bands], "D",
              color="tab:orange", markerfacecolor="none", markersize=10, label="p95 under load")
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("rows in the batch")
    axis.set_ylabel("submit → completed (s)")
    axis.set_title(f"Soak: {soak['options']['tenants']} tenants, "
                   f"{soak['options']['minutes']:g} min, offered {soak['offered_share']:.0%} "
                   f"of {soak['capacity_rows_per_s']:,} rows/s")
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
