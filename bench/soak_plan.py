"""The soak's arithmetic: size bands, the arrival schedule for an offered load, band figures."""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# Rows a batch of each band has, and how often a batch is of that band. The 100,000 band is
# 3 % of the batches but about two thirds of the rows: the load is mostly big batches, while
# most batches, as for real tenants, are small.
BANDS: tuple[int, ...] = (10, 100, 1_000, 10_000, 100_000)
BAND_WEIGHTS: tuple[float, ...] = (0.35, 0.30, 0.20, 0.12, 0.03)


@dataclass(frozen=True)
class Arrival:
    """One batch of the plan: when it is submitted (s after the soak starts), by whom."""

    at_s: float
    tenant: int
    rows: int


def mean_rows(bands: Sequence[int], weights: Sequence[float]) -> float:
    """The expected rows of one batch."""
    return sum(b * w for b, w in zip(bands, weights, strict=True)) / sum(weights)


def arrivals_per_s(load_share: float, capacity_rows_per_s: float, bands: Sequence[int],
                   weights: Sequence[float]) -> float:
    """Batches a second, all tenants together, that offer `load_share` of the capacity."""
    return load_share * capacity_rows_per_s / mean_rows(bands, weights)


def band_counts(duration_s: float, rate_per_s: float, bands: Sequence[int] = BANDS,
                weights: Sequence[float] = BAND_WEIGHTS) -> dict[int, int]:
    """Batches of each band over `duration_s`: their expected numbers, rounded. Drawn
    instead, the rare big band would make a short soak's load a lottery (none in 2 minutes,
    or three)."""
    total = sum(weights)
    return {b: round(rate_per_s * duration_s * w / total) for b, w in zip(bands, weights,
                                                                          strict=True)}


def schedule(duration_s: float, tenants: int, rate_per_s: float, rng: random.Random,
             bands: Sequence[int] = BANDS, weights: Sequence[float] = BAND_WEIGHTS
             ) -> list[Arrival]:
    """Each band's `band_counts` batches at uniform random moments of `duration_s` (a
    Poisson stream given its count), each from a tenant drawn at random; in time order."""
    plan = [Arrival(rng.uniform(0, duration_s), rng.randrange(tenants), rows)
            for rows, count in band_counts(duration_s, rate_per_s, bands, weights).items()
            for _ in range(count)]
    return sorted(plan, key=lambda arrival: arrival.at_s)


def offered_share(plan: Sequence[Arrival], duration_s: float,
                  capacity_rows_per_s: float) -> float:
    """The rows the plan actually submits a second, as a share of the capacity."""
    return sum(a.rows for a in plan) / duration_s / capacity_rows_per_s


def nearest_rank(values: Sequence[float], share: float) -> float:
    """The `share` percentile by nearest rank: a value that was measured (p95 of 20 or
    fewer is their maximum), never one interpolated between two."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def target_s(idle_s: float) -> float:
    """The promise: under load, at most twice the batch's idle time plus 2 s."""
    return 2 * idle_s + 2


def band_figures(rows: int, idle_runs_s: Sequence[float],
                 batches: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One band's line: idle median, p50/p95 under load and whether p95 meets the target.
    A batch unfinished at the drain limit counts with the time it had waited (a lower
    bound of its completion; the drain limit exceeds every target, so it is a miss)."""
    mine = [b for b in batches if b["band"] == rows and "error" not in b]
    waited = [b["completion_s"] if b["completion_s"] is not None else b["waited_s"]
              for b in mine]
    idle_s = statistics.median(idle_runs_s)
    figures: dict[str, Any] = {
        "rows": rows, "idle_s": round(idle_s, 3), "idle_runs_s": [round(s, 3) for s in idle_runs_s],
        "count": len(mine), "unfinished": sum(b["completion_s"] is None for b in mine),
        "failed": sum(b["band"] == rows and "error" in b for b in batches),
        "target_s": round(target_s(idle_s), 3), "p50_s": None, "p95_s": None, "meets": None,
    }
    if waited:
        p95 = nearest_rank(waited, 0.95)
        figures |= {"p50_s": round(nearest_rank(waited, 0.5), 3), "p95_s": round(p95, 3),
                    "meets": p95 <= target_s(idle_s) and figures["failed"] == 0}
    return figures
