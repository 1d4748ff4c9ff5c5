"""The errors the service's processes logged while a test ran, for the report of a failure."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson

from tests.processes import LOGS

ERROR_LEVELS = frozenset({"error", "critical", "exception"})
MAX_LINES = 40
# A file's mtime comes from the kernel's coarse clock, which can trail time.time() by a
# tick: a log written just after `since_s` may carry an mtime just before it. The lines'
# own timestamps decide exactly; the mtime only skips files untouched for longer.
MTIME_SLACK_S = 1.0


def logged_errors(since_s: float, logs: Path = LOGS) -> list[str]:
    """Error lines (with their tracebacks) of every process log written since `since_s`
    (a Unix time), oldest first, the last MAX_LINES of them, each prefixed by its log."""
    found: list[tuple[str, str]] = []
    for path in sorted(logs.glob("*.log")) if logs.is_dir() else ():
        if path.stat().st_mtime < since_s - MTIME_SLACK_S:
            continue
        for line in path.read_text(errors="replace").splitlines():
            stamp = _error_stamp(line)
            if stamp is not None and stamp >= since_s:
                found.append((f"{stamp:.3f}", f"{path.stem}: {line}"))
    return [line for _, line in sorted(found)[-MAX_LINES:]]


def _error_stamp(line: str) -> float | None:
    """The Unix time of a JSON log line at an error level; None for any other line."""
    try:
        entry = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(entry, dict) or entry.get("level") not in ERROR_LEVELS:
        return None
    try:
        stamp = datetime.fromisoformat(str(entry.get("timestamp")))
    except ValueError:
        return None
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).timestamp()
