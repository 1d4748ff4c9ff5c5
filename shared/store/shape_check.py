"""Checks recorded query shapes against the layout: an `_id` lookup or a declared index prefix.

A shape (shared/store/monitor.py) is fine when it is an `_id` lookup (equality or `$in` on
`_id`, whatever else it filters on: at most one document per value; or `_id` alone in a
range), or when an index of its family has a key prefix holding every equality field, then
the sort fields, then the range fields (MongoDB's equality-sort-range order). An empty
filter without a sort reads the whole collection: allowed only for the families in
FULL_READS.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import orjson

from shared.store.layout import RUNNING, Family, Index, asc, family_of
from shared.store.monitor import dedup_name

ID_INDEX = Index("_id_", asc("_id"))
# Families a whole read is fine for, and why.
FULL_READS: dict[str, str] = {
    RUNNING: "the fair scheduler reads the batches processing now; each leaves when it ends",
}
# Callers whose queries are not the service's: tests inspecting the store, and the
# one-off move of the legacy collections, which reads each of them whole.
EXEMPT_SITES = ("tests/", "shared/store/migrate.py", "shared/store/migrations/")


@dataclass(frozen=True)
class Shape:
    """What one query asks of its collection: fields compared for equality, by any other
    operator (range), and the sort, as [(field, 1|-1)]."""

    eq: frozenset[str] = frozenset()
    range: frozenset[str] = frozenset()
    sort: tuple[tuple[str, int], ...] = ()

    def describe(self) -> str:
        sort = ", ".join(f"{name} {direction:+d}" for name, direction in self.sort)
        return f"eq={sorted(self.eq)} range={sorted(self.range)} sort=[{sort}]"


def is_covered(shape: Shape, family: Family) -> bool:
    """An index of `family` (or `_id`) serves the shape, or it is an allowed whole read."""
    if not (shape.eq or shape.range or shape.sort):
        return family.stem in FULL_READS
    if "_id" in shape.eq:  # a unique key: one document per value, whatever else is asked
        return True
    return any(serves(index.keys, shape) for index in (ID_INDEX, *family.indexes))


def serves(keys: Sequence[tuple[str, int]], shape: Shape) -> bool:
    """The index's leading keys are the equality fields (any order), then the sort (in
    order, all directions as declared or all reversed), then the range fields."""
    sort = [(name, direction) for name, direction in shape.sort if name not in shape.eq]
    ranged = shape.range - {name for name, _ in sort}
    names = [name for name, _ in keys]
    equal_end = len(shape.eq)
    sort_end = equal_end + len(sort)
    if set(names[:equal_end]) != shape.eq or len(names) < sort_end + len(ranged):
        return False
    if [name for name, _ in sort] != names[equal_end:sort_end]:
        return False
    flips = {direction * declared for (_, direction), (_, declared)
             in zip(sort, keys[equal_end:sort_end], strict=True)}
    return len(flips) <= 1 and set(names[sort_end:sort_end + len(ranged)]) == ranged


def shape_of(line: dict[str, object]) -> Shape:
    """The Shape of one recorded JSON line."""
    sort = line.get("sort") or []
    assert isinstance(sort, list)
    return Shape(frozenset(_names(line.get("eq"))), frozenset(_names(line.get("range"))),
                 tuple((str(name), int(direction)) for name, direction in sort))


def _names(value: object) -> list[str]:
    return [str(name) for name in value] if isinstance(value, list) else []


def uncovered(lines: Iterable[bytes], link_shards: int) -> list[str]:
    """Every recorded shape of the service that no index serves, or whose collection is not
    in the layout, one sorted line each with the code that sent it."""
    found: dict[str, set[str]] = {}
    for raw in lines:
        if not raw.strip():
            continue
        line = orjson.loads(raw)
        site = str(line.get("site", "?"))
        if site.startswith(EXEMPT_SITES):
            continue
        problem = _problem(line, link_shards)
        if problem:
            found.setdefault(problem, set()).add(site)
    return [f"{problem} (from {', '.join(sorted(sites))})"
            for problem, sites in sorted(found.items())]


def _problem(line: dict[str, object], link_shards: int) -> str | None:
    collection = str(line.get("collection"))
    shape = shape_of(line)
    family = family_of(collection, link_shards)
    if family is None:
        return f"{dedup_name(collection)}: not in layout: {line.get('command')} {shape.describe()}"
    if is_covered(shape, family):
        return None
    return f"{family.stem}: no index: {line.get('command')} {shape.describe()}"
