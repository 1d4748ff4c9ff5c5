"""The soak's arithmetic: offered load, the arrival schedule, percentiles and band figures."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from bench.__main__ import parse_args
from bench.chart import draw_soak
from bench.soak_plan import (
    BAND_WEIGHTS,
    BANDS,
    arrivals_per_s,
    band_counts,
    band_figures,
    mean_rows,
    nearest_rank,
    offered_share,
    schedule,
    target_s,
)


def test_the_rate_offers_the_asked_share_of_capacity() -> None:
    rate = arrivals_per_s(0.4, 3_000, BANDS, BAND_WEIGHTS)
    assert rate * mean_rows(BANDS, BAND_WEIGHTS) == pytest.approx(1_200)
    assert mean_rows((10, 1_000), (1, 1)) == 505


def test_the_biggest_band_is_rare_in_batches_but_most_of_the_rows() -> None:
    weights = dict(zip(BANDS, BAND_WEIGHTS, strict=True))
    assert weights[100_000] <= 0.05
    assert 100_000 * weights[100_000] / mean_rows(BANDS, BAND_WEIGHTS) > 0.5


def test_a_schedule_offers_its_rate_and_mixes_bands_and_tenants() -> None:
    rate, duration_s = arrivals_per_s(0.4, 3_000, BANDS, BAND_WEIGHTS), 600.0
    plan = schedule(duration_s, 12, rate, random.Random(1))
    assert [a.at_s for a in plan] == sorted(a.at_s for a in plan)
    assert all(0 <= a.at_s < duration_s for a in plan)
    counts = band_counts(duration_s, rate)
    assert counts == {10: 57, 100: 49, 1_000: 32, 10_000: 19, 100_000: 5}
    assert {rows: sum(a.rows == rows for a in plan) for rows in BANDS} == counts
    assert {a.tenant for a in plan} == set(range(12))
    assert offered_share(plan, duration_s, 3_000) == pytest.approx(0.4, rel=0.03)


def test_a_short_schedule_still_has_its_rare_band() -> None:
    rate = arrivals_per_s(0.4, 1_500, BANDS, BAND_WEIGHTS)
    assert band_counts(120, rate)[100_000] == 0  # 0.49 expected: rounded away
    assert band_counts(120, arrivals_per_s(0.8, 1_500, BANDS, BAND_WEIGHTS))[100_000] == 1


def test_a_schedule_is_the_same_for_the_same_seed() -> None:
    first = schedule(600, 8, 0.3, random.Random(34))
    assert first == schedule(600, 8, 0.3, random.Random(34))
    assert first != schedule(600, 8, 0.3, random.Random(35))


def test_nearest_rank_returns_a_measured_value() -> None:
    values = [float(v) for v in range(1, 101)]
    assert nearest_rank(values, 0.95) == 95
    assert nearest_rank(values, 0.5) == 50
    assert nearest_rank([3.0, 1.0, 2.0], 0.95) == 3  # 20 or fewer: the maximum
    assert nearest_rank([7.0], 0.5) == 7


def batch(band: int, completion_s: float | None, **extra: Any) -> dict[str, Any]:
    return {"size": band, "band": band, "tenant": 0, "completion_s": completion_s} | extra


def test_a_band_meets_its_target_at_p95() -> None:
    batches = [batch(100, 1.0 + i / 100) for i in range(20)] + [batch(10, 9.0)]
    figures = band_figures(100, [0.5, 0.7, 0.6], batches)
    assert figures["idle_s"] == 0.6
    assert figures["target_s"] == target_s(0.6) == pytest.approx(3.2)
    assert (figures["count"], figures["unfinished"], figures["failed"]) == (20, 0, 0)
    assert figures["p50_s"] == 1.09
    assert figures["p95_s"] == 1.18
    assert figures["meets"] is True


def test_an_unfinished_or_failed_batch_is_a_miss() -> None:
    unfinished = [batch(100, 1.0) for _ in range(5)] + [batch(100, None, waited_s=180.0)]
    figures = band_figures(100, [1.0] * 3, unfinished)
    assert figures["unfinished"] == 1
    assert figures["p95_s"] == 180.0
    assert figures["meets"] is False
    failed = [batch(100, 1.0), batch(100, None, error="Refused('400')")]
    figures = band_figures(100, [1.0] * 3, failed)
    assert (figures["count"], figures["failed"], figures["meets"]) == (1, 1, False)


def test_a_band_without_batches_has_no_verdict() -> None:
    figures = band_figures(100_000, [30.0] * 3, [batch(10, 1.0)])
    assert (figures["count"], figures["p95_s"], figures["meets"]) == (0, None, None)


def test_soak_is_a_section_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.argv", ["bench", "soak", "--soak-minutes", "2"])
    args = parse_args()
    assert (args.only, args.soak_minutes, args.soak_tenants) == ("soak", 2.0, 12)
    monkeypatch.setattr("sys.argv", ["bench", "--only", "soak"])
    assert parse_args().only == "soak"


def test_the_soak_chart_is_drawn(tmp_path: Path) -> None:
    bands = [band_figures(rows, [rows / 3_000 + 0.3] * 3,
                          [batch(rows, rows / 2_000 + 0.5), batch(rows, rows / 1_500 + 0.6)])
             for rows in BANDS]
    soak = {"options": {"tenants": 12, "minutes": 2.0}, "offered_share": 0.41,
            "capacity_rows_per_s": 3_000, "bands": bands,
            "batches": [batch(10, 0.4), batch(100_000, None, waited_s=180.0)]}
    path = tmp_path / "soak.png"
    draw_soak(soak, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 10_000
