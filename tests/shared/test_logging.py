"""Every line shared.logging writes is one JSON object: ours, the libraries', and the
tracebacks Python would otherwise print bare (uncaught, in a thread, unraisable)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import orjson

PROGRAM = textwrap.dedent("""
    import logging, threading, warnings
    from shared.logging import configure_logging, get_logger

    class Broken:
        def __del__(self):
            raise ValueError("in __del__")

    configure_logging("info", json_lines=True)
    get_logger("gateway.app").info("ours", port=8080)
    logging.getLogger("aio_pika.robust_connection").warning("library %s", "line")
    logging.getLogger("aio_pika.robust_connection").info("library chatter, filtered")
    warnings.warn("a warning")
    thread = threading.Thread(target=lambda: 1 / 0, name="t1")
    thread.start(); thread.join()
    Broken()
    raise RuntimeError("at the top")
""")


def run_program() -> list[dict[str, object]]:
    done = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.splitlines()
    records = [orjson.loads(line) for line in lines]
    assert all(isinstance(record, dict) for record in records), lines
    return records


def test_every_line_is_json_with_level_logger_event() -> None:
    records = run_program()
    assert [(r["logger"], r["level"]) for r in records] == [
        ("gateway.app", "info"), ("aio_pika.robust_connection", "warning"),
        ("py.warnings", "warning"), ("bulkqr.uncaught", "critical"),
        ("bulkqr.uncaught", "error"), ("bulkqr.uncaught", "critical")]
    assert all(isinstance(r["event"], str) and r["timestamp"] for r in records)
    assert records[0]["port"] == 8080 and records[1]["event"] == "library line"


def test_tracebacks_are_structured_fields() -> None:
    thread, unraisable, top = run_program()[3:]
    for record, kind in [(thread, "ZeroDivisionError"), (unraisable, "ValueError"),
                         (top, "RuntimeError")]:
        errors = record["exception"]
        assert isinstance(errors, list) and len(errors) == 1, record
        error = errors[0]
        assert error["exc_type"] == kind and error["frames"], record
    assert "t1" in str(thread["event"])
