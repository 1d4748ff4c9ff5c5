"""Records the shape of every query a process sends (filter fields, sort) as JSON lines.

Tests only (`settings.store_command_log`): the suite checks each shape against the declared
indexes (shared/store/shape_check.py). The listener runs inside the gateway and workers, so
it never raises; a process without the setting does not attach it and pays nothing.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType
from typing import Any

import orjson
from pymongo.monitoring import (
    CommandFailedEvent,
    CommandListener,
    CommandStartedEvent,
    CommandSucceededEvent,
)

ROOT = Path(__file__).resolve().parents[2]
OWN_FILES = (__file__,)
VENV = str(ROOT / ".venv")
# Where each command keeps its collection, its filter(s) and its sort.
FILTER_KEYS = {"find": "filter", "findAndModify": "query", "count": "query",
               "distinct": "query"}
EQUALITY_OPS = frozenset({"$eq", "$in"})
LOGICAL_OPS = frozenset({"$and", "$or", "$nor"})
IGNORED_TOP = frozenset({"$comment"})
# Shard numbers and ids folded for deduplication only (the checker reads the real name).
SHARD_PART = re.compile(r"(?<=_)t?\d+(?=_|$)")
ID_SUFFIX = re.compile(r"_[^_]*\d[^_]*$")
DIGIT = re.compile(r"\d")
TASK_STEP = "/asyncio/events.py"  # where a task's step starts: its creator is not above


REGEX_OPS = frozenset({"$regex", "$options"})


def field_paths(query: Any) -> tuple[list[str], list[str]]:
    """The equality fields and the range (any other operator) fields of a filter, top level
    with `$and`/`$or`/`$nor` flattened, sorted, operators stripped."""
    equal: set[str] = set()
    ranged: set[str] = set()
    for name, value in _conditions(query):
        if _is_residual(value):
            continue  # a regex search is tested on the documents the index range found
        if _is_equality(value):
            equal.add(name)
        else:
            ranged.add(name)
    return sorted(equal), sorted(ranged - equal)


def _conditions(query: Any) -> Iterator[tuple[str, Any]]:
    if not isinstance(query, dict):
        return
    for name, value in query.items():
        if name in LOGICAL_OPS and isinstance(value, list):
            for branch in value:
                yield from _conditions(branch)
        elif name not in IGNORED_TOP:
            yield str(name), value


def _is_residual(value: Any) -> bool:
    """A case-insensitive or unanchored regex: no index bound can serve it, so it needs none."""
    if isinstance(value, re.Pattern):
        return True
    return isinstance(value, dict) and bool(value) and set(value) <= REGEX_OPS


def _is_equality(value: Any) -> bool:
    if not isinstance(value, dict) or not value:
        return True
    ops = [key for key in value if str(key).startswith("$")]
    return not ops or bool(EQUALITY_OPS.intersection(ops))


def sort_fields(sort: Any) -> list[list[Any]]:
    """A sort document as [[field, 1|-1], ...] in order."""
    if not isinstance(sort, dict):
        return []
    return [[str(name), -1 if direction == -1 else 1] for name, direction in sort.items()]


def query_shapes(command_name: str, command: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One shape per filter the command carries ([] for commands that filter nothing)."""
    if command_name in FILTER_KEYS:
        return [_shape(command.get(FILTER_KEYS[command_name]), command.get("sort"))]
    if command_name == "update":
        return [_shape(item.get("q"), None) for item in command.get("updates", [])]
    if command_name == "delete":
        return [_shape(item.get("q"), None) for item in command.get("deletes", [])]
    if command_name == "aggregate":
        return [_aggregate_shape(command.get("pipeline", []))]
    return []


def _aggregate_shape(pipeline: list[Any]) -> dict[str, Any]:
    """A pipeline reads by its leading `$match` and the `$sort` right after it."""
    stages = [stage for stage in pipeline if isinstance(stage, dict)]
    query = stages[0].get("$match") if stages else None
    rest = stages[1:] if query is not None else stages
    sort = rest[0].get("$sort") if rest else None
    return _shape(query, sort)


def _shape(query: Any, sort: Any) -> dict[str, Any]:
    equal, ranged = field_paths(query)
    return {"eq": equal, "range": ranged, "sort": sort_fields(sort)}


def call_site(frame: FrameType | None) -> str:
    """The innermost frame of the project's own code (not this module, not the driver) in
    the current task; "?" for a query the driver's coroutine sends as a task of its own
    (`asyncio.gather` of `find_one` calls, say)."""
    while frame is not None:
        path = frame.f_code.co_filename
        if path.endswith(TASK_STEP):
            break
        if path.startswith(str(ROOT)) and not path.startswith(VENV) and path not in OWN_FILES:
            return f"{Path(path).relative_to(ROOT)}:{frame.f_lineno} {frame.f_code.co_name}"
        frame = frame.f_back
    return "?"


def dedup_name(collection: str) -> str:
    """The collection name with a shard number or an id folded, so the shape of a family
    is written once per process, not once per shard or tenant."""
    folded = SHARD_PART.sub(lambda part: DIGIT.sub("#", part.group(0)), collection)
    return ID_SUFFIX.sub("_*", folded)


class ShapeRecorder(CommandListener):
    """Appends each query shape not yet seen by this process to `path`, one JSON line."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.seen: set[bytes] = set()

    def started(self, event: CommandStartedEvent) -> None:
        try:
            self._record(event.command_name, event.command)
        except Exception:  # noqa: BLE001 - a test aid must never break the process it watches
            return

    def succeeded(self, event: CommandSucceededEvent) -> None:
        return

    def failed(self, event: CommandFailedEvent) -> None:
        return

    def _record(self, command_name: str, command: Mapping[str, Any]) -> None:
        collection = command.get(command_name)
        if not isinstance(collection, str):
            return
        shapes = query_shapes(command_name, command)
        if not shapes:
            return
        site = call_site(sys._getframe(2))
        for shape in shapes:
            key = orjson.dumps([dedup_name(collection), command_name, shape, site])
            if key not in self.seen:
                self.seen.add(key)
                self._append({"collection": collection, "command": command_name,
                              **shape, "site": site})

    def _append(self, line: dict[str, Any]) -> None:
        """One write per line on an O_APPEND file: the gateway and workers share it."""
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, orjson.dumps(line) + b"\n")
        finally:
            os.close(fd)
