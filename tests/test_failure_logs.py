"""A failed test's report gets the error lines the processes logged while it ran."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

from tests.failure_logs import logged_errors


def line(level: str, event: str, at_s: float) -> str:
    stamp = datetime.fromtimestamp(at_s, UTC).isoformat().replace("+00:00", "Z")
    return orjson.dumps({"event": event, "level": level, "timestamp": stamp}).decode()


def test_only_error_lines_written_since_the_start_are_kept_oldest_first(tmp_path: Path) -> None:
    started_s = time.time()
    (tmp_path / "run-gateway.log").write_text("\n".join([
        line("error", "before the test", started_s - 60),
        line("info", "request", started_s + 1),
        "Traceback (most recent call last): not JSON",
        line("error", "unexpected failure", started_s + 2),
    ]))
    (tmp_path / "run-worker-0.log").write_text(line("critical", "worker lost", started_s + 1))
    errors = logged_errors(started_s, tmp_path)
    assert len(errors) == 2
    assert errors[0].startswith("run-worker-0: ") and "worker lost" in errors[0]
    assert errors[1].startswith("run-gateway: ") and "unexpected failure" in errors[1]


def test_a_missing_log_directory_gives_no_lines(tmp_path: Path) -> None:
    assert logged_errors(time.time(), tmp_path / "absent") == []
