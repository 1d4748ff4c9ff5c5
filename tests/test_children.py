"""No process outlives the test session: a test that leaks one fails the run, which names it,
and the process fixtures end theirs when a test fails, on Ctrl-C, on SIGTERM and, by the
parent-death signal, when pytest itself is killed. Each run is a pytest of its own on a small
generated test file, with this suite's conftest as its plugin."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil
import pytest

from shared.settings import Settings
from shared.store import open_client
from shared.store.layout import drop_databases
from tests.children import Child, describe, end, running, spawn, tagged
from tests.processes import (
    ROOT,
    delete_topology,
    free_port,
    start_gateway,
    start_worker,
    stopped_at_end,
)

PYTEST = ROOT / ".venv" / "bin" / "pytest"
RUN_TIMEOUT_S = 240  # an inner run that starts a stack on a loaded 2-core machine
SUMMARY = "processes the tests left running"

LEAKS = '''
import subprocess

KEPT = []  # the leaked child's handle: nothing reads its end


def test_runs_a_child_and_waits_for_it():
    assert subprocess.run(["true"], check=False).returncode == 0


def test_leaks_a_child():
    KEPT.append(subprocess.Popen(["sleep", "600"]))
'''

WITH_THE_STACK = '''
import json, os, time

import psutil


def test_with_the_stack_running(stack, db, broker_cleanup):
    pids = {}
    for process in [stack.gateway, *stack.workers]:
        leader = psutil.Process(process.pid)
        for each in [leader, *leader.children(recursive=True)]:  # render processes too
            pids[each.pid] = each.create_time()
    report = os.environ["INNER_REPORT"]
    with open(report + ".part", "w") as out:
        json.dump({"pids": pids, "mongo_db": stack.settings.mongo_db,
                   "queue_prefix": stack.settings.queue_prefix}, out)
    os.rename(report + ".part", report)
    if os.environ["INNER_THEN"] == "fail":
        raise AssertionError("this test fails with the stack running")
    time.sleep(600)  # until the run is signalled
'''


@contextmanager
def inner_pytest(tmp_path: Path, source: str, **env: str) -> Iterator[tuple[Child, Path]]:
    """A pytest run of `source` with this suite's conftest; its output file. Whatever of it
    still runs when the block ends is ended."""
    test_file = tmp_path / "test_inner.py"
    test_file.write_text(source)
    output = tmp_path / "output.txt"
    command = [str(PYTEST), "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
               "-p", "tests.conftest", "-c", str(ROOT / "pyproject.toml"),
               "--rootdir", str(tmp_path), str(test_file)]
    with output.open("wb") as out:
        child = spawn(command, f"inner-pytest-{tmp_path.name}",
                      {**os.environ, "PYTHONPATH": str(ROOT), "PY_COLORS": "0", **env},
                      stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        yield child, output
    finally:
        end(child.family())
        child.popen.poll()


def test_a_leaked_child_fails_the_run_which_names_it_and_ends_it(tmp_path: Path) -> None:
    with inner_pytest(tmp_path, LEAKS) as (child, output):
        code = child.popen.wait(RUN_TIMEOUT_S)
        text = output.read_text()
        assert code == pytest.ExitCode.TESTS_FAILED, text
        assert "2 passed" in text, text  # both tests passed: the leak alone fails the run
        assert SUMMARY in text, text
        leaked = re.search(r"^sleep \(pid (\d+)\): sleep 600$", text, re.MULTILINE)
        assert leaked, text
        assert len(re.findall(r"\(pid \d+\): ", text)) == 1, text  # the waited-for one is none
        pid = int(leaked[1])
    assert not runs(pid, ["sleep", "600"])  # the run ended it after naming it


def runs(pid: int, command: list[str]) -> bool:
    try:
        process = psutil.Process(pid)
        return running(process) and process.cmdline() == command
    except psutil.Error:
        return False


def test_a_child_of_a_child_is_found_by_its_tag_once_its_parent_is_gone() -> None:
    child = spawn(["sh", "-c", "sleep 600 >/dev/null 2>&1 & echo $!"], "orphaner",
                  stdout=subprocess.PIPE)
    out, _ = child.popen.communicate(timeout=30)
    orphan = psutil.Process(int(out))
    try:
        deadline = time.monotonic() + 10
        while orphan.cmdline() != ["sleep", "600"] and time.monotonic() < deadline:
            time.sleep(0.05)  # the shell's fork may not have become `sleep` yet
        assert child.popen.returncode == 0
        assert [process.pid for process in child.family()] == [orphan.pid]
        assert describe(orphan) == f"orphaner (pid {orphan.pid}): sleep 600"
    finally:
        end(child.family())
    assert not running(orphan)


def test_a_start_that_fails_is_ended_and_so_is_what_was_started_before_it(
        settings: Settings) -> None:
    run = uuid.uuid4().hex[:6]
    own = settings.model_copy(update={"http_port": free_port()})
    with pytest.raises(RuntimeError, match="worker not consuming in 0s"), \
            stopped_at_end() as processes:
        processes.append(start_gateway(own, f"first-{run}"))
        processes.append(start_worker(own, f"late-{run}", timeout_s=0))
    assert [process.role for process in processes] == ["gateway"]
    assert processes[0].popen.returncode is not None
    assert tagged(lambda tag: tag.endswith(f"-{run}")) == []  # both, and their children


def still_running(pids: dict[str, float], timeout_s: float = 15) -> list[str]:
    """Those of `pids` (pid: start time) that still run after up to `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        alive = []
        for pid, started_s in pids.items():
            try:
                process = psutil.Process(int(pid))
                if abs(process.create_time() - started_s) < 0.01 and running(process):
                    alive.append(f"{pid} {' '.join(process.cmdline())[:120]}")
            except psutil.Error:
                continue
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)


async def remove_data(settings: Settings, started: dict[str, Any]) -> None:
    """The inner run's database and queues (a killed run could not remove them itself)."""
    own = settings.model_copy(update={"mongo_db": started["mongo_db"],
                                      "queue_prefix": started["queue_prefix"]})
    client = open_client(own)
    try:
        await drop_databases(client[own.mongo_db])
    finally:
        await client.close()
    await delete_topology(own)


def reported(report: Path, child: Child, output: Path) -> dict[str, Any]:
    """What the inner test wrote once its stack runs (an error with its output if it ended)."""
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while not report.exists():
        assert child.popen.poll() is None, output.read_text()
        assert time.monotonic() < deadline, output.read_text()
        time.sleep(0.2)
    started: dict[str, Any] = json.loads(report.read_text())
    return started


def ended(child: Child, sig: signal.Signals | None, output: Path) -> tuple[int, str]:
    """The inner run's exit code and output, once `sig` (if any) has ended it."""
    if sig is not None:
        os.kill(child.popen.pid, sig)
    return child.popen.wait(RUN_TIMEOUT_S), output.read_text()


# how the inner run ends: the signal sent to its pytest, and pytest's exit code then
ENDINGS: dict[str, tuple[signal.Signals | None, int]] = {
    "a-failing-test": (None, pytest.ExitCode.TESTS_FAILED),
    "ctrl-c": (signal.SIGINT, pytest.ExitCode.INTERRUPTED),
    "sigterm": (signal.SIGTERM, pytest.ExitCode.INTERRUPTED),
    "sigkill": (signal.SIGKILL, -signal.SIGKILL),
}


@pytest.mark.slow
@pytest.mark.parametrize("ending", list(ENDINGS))
async def test_the_stack_leaves_nothing_running_when_its_run_ends_by(
        ending: str, tmp_path: Path, settings: Settings) -> None:
    sig, expected_code = ENDINGS[ending]
    report = tmp_path / "report.json"
    with inner_pytest(tmp_path, WITH_THE_STACK, INNER_REPORT=str(report),
                      INNER_THEN="fail" if sig is None else "wait") as (child, output):
        started = await asyncio.to_thread(reported, report, child, output)
        try:
            code, text = await asyncio.to_thread(ended, child, sig, output)
            assert code == expected_code, text
            assert SUMMARY not in text, text  # the fixtures ended theirs: none was left over
            assert len(started["pids"]) >= 3  # a gateway, two workers (and render processes)
            assert await asyncio.to_thread(still_running, started["pids"]) == []
        finally:
            await remove_data(settings, started)
