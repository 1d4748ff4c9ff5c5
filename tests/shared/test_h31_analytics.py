"""Issue 31 item 6: a day keeps a bounded number of values per trait, a merge touches only
its days, a month written by older builds still counts, and a gateway's batch stays bounded."""

from __future__ import annotations

from gateway.scans import ScanCounter
from shared.analytics.classify import Traits
from shared.analytics.months import day_cells, fields_of, hour_cells, merged
from shared.analytics.series import _capped
from shared.analytics.tally import Cell, TallyBatch, hour_of

JAN_1 = hour_of(1_767_225_600_000)  # 2026-01-01T00:00Z
DAY = JAN_1 // 24


def cell(hour: int, count: int = 1, **traits: str) -> Cell:
    base = {"source": "direct", "device": "mobile", "os": "iOS", "browser": "Safari",
            "country": "GB", "referrer": "direct"}
    return Cell(record="r", hour=hour, count=count, **(base | traits))


def referrers(doc: dict[str, object], day: int) -> dict[str, int]:
    return {v: n for d, t, v, n in day_cells(doc) if d == day and t == "referrer"}


def test_past_the_cap_new_values_count_as_other_and_known_ones_keep_counting() -> None:
    flood = [cell(JAN_1, referrer=f"h{n}.example") for n in range(150)]
    doc = merged(None, "r", "202601", flood, "ab12cd34", 1, cap=100)
    assert doc is not None
    first = referrers(doc, DAY)
    assert len(first) == 101 and first["other"] == 50 and sum(first.values()) == 150
    again = merged(doc, "r", "202601", [cell(JAN_1, 3, referrer="h0.example"),
                                        cell(JAN_1, 2, referrer="new.example")], "ab12cd34", 2)
    assert again is not None
    later = referrers(again, DAY)
    assert later["h0.example"] == 4 and later["other"] == 52 and "new.example" not in later
    next_day = merged(again, "r", "202601", [cell(JAN_1 + 24, referrer="new.example")],
                      "ab12cd34", 3)
    assert next_day is not None and referrers(next_day, DAY + 1) == {"new.example": 1}


def test_a_merge_reads_and_writes_only_the_days_it_touches() -> None:
    month = None
    for day in range(31):  # a month of history
        month = merged(month, "r", "202601", [cell(JAN_1 + 24 * day, 2)], "ab12cd34", day + 1)
    assert month is not None
    touched = [cell(JAN_1 + 24 * 9 + 5, 1, referrer="x.example")]
    assert fields_of(touched) == {"h10", "d10"}
    partial = {"_id": "r:202601", "seen": month["seen"]} | {f: month[f] for f in fields_of(touched)}
    after = merged(partial, "r", "202601", touched, "ab12cd34", 40)
    assert after is not None
    assert set(after) == {"_id", "code", "month", "seen", "h10", "d10"}
    whole = month | after
    assert sum(n for _, _, n in hour_cells(whole)) == 63
    assert referrers(whole, DAY + 9) == {"direct": 2, "x.example": 1}


def test_a_month_written_by_the_previous_build_is_read_with_the_new_days() -> None:
    old = {"_id": "r:202601", "code": "r", "month": "202601", "seen": {"ab12cd34": 4},
           "hours": f'{{"start":{JAN_1},"counts":{{"direct":[3]}}}}',
           "days": f'[[{DAY},"referrer","a.example",3]]'}
    assert merged(old, "r", "202601", [cell(JAN_1)], "ab12cd34", 4) is None  # seen before
    after = merged(old, "r", "202601", [cell(JAN_1, 2, referrer="a.example")], "ab12cd34", 5)
    assert after is not None and after["hours"] == old["hours"]  # left as it was
    assert hour_cells(after) == [[JAN_1, "direct", 5]]
    assert referrers(after, DAY) == {"a.example": 5}


def test_an_answer_holds_at_most_cap_values_and_the_rest_as_other() -> None:
    counts = {f"h{n}.example": n + 1 for n in range(300)} | {"other": 7}
    capped = _capped(counts, 100)
    assert len(capped) == 101 and "h299.example" in capped and "h199.example" not in capped
    assert sum(capped.values()) == sum(counts.values())
    assert _capped({"a": 1, "b": 2}, 100) == {"b": 2, "a": 1}


def test_a_gateway_batch_holds_a_bounded_number_of_cells_per_code() -> None:
    counter = ScanCounter(cells_max=100)
    at_ms = JAN_1 * 3_600_000
    for n in range(20_000):
        device = ("mobile", "desktop")[n % 2]
        counter.add("abc", at_ms, "rec", "direct", Traits(device, "iOS", "Safari", "GB",
                                                          f"h{n}.example"))
    counter.add("xyz", at_ms, "other-rec", "direct", Traits("mobile", "iOS", "Safari", "GB",
                                                            "fine.example"))
    taken = counter.take()
    assert taken is not None
    batch = TallyBatch.model_validate_json(taken.body)
    flooded = [c for c in batch.cells if c.record == "rec"]
    assert len(flooded) == 102 and sum(c.count for c in flooded) == 20_000
    folded = {c.device: c.count for c in flooded if c.referrer == "other"}
    assert folded == {"mobile": 9_950, "desktop": 9_950}
    assert [(c.referrer, c.count) for c in batch.cells if c.record == "other-rec"] == [
        ("fine.example", 1)]
    counter.add("abc", at_ms, "rec", "direct", Traits("bot", "x", "y", "z", "fresh.example"))
    second = counter.take()
    assert second is not None and b"fresh.example" in second.body  # a new batch, a new budget
