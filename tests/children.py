"""The test session's child processes: started to die with it, found by a tag they inherit, ended.

Every child `spawn` starts carries `TESTS_CHILD_TAG` in its environment, and so does everything
it starts (a worker's render processes and their resource tracker), even once reparented to
pid 1: the tag, not the parent or the process group (whose id may be reused), says whose it is.
At the session's end `leftovers` finds what still runs: tagged processes and any other new
descendant of pytest. The long-lived servers are started detached by scripts (setsid), so
they are neither tagged nor descendants, and are never counted.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from queue import SimpleQueue
from types import FrameType
from typing import Any

import psutil

TAG = "TESTS_CHILD_TAG"  # "<session>/<number>/<name>"
SESSION = uuid.uuid4().hex[:8]  # this test process's part of every tag it gives
GRACE_S = 5.0  # a process found at the end may be on its way out: it gets this long first
# multiprocessing's helpers of pytest itself: they end when pytest does, not before
HELPERS = ("multiprocessing.resource_tracker", "multiprocessing.forkserver")
# Run in the child before it becomes its command (the pid stays): Linux sends it SIGKILL when
# the thread that forked it ends. That thread is the spawner, which ends only with the test
# process, however it ends (a SIGKILL leaves no teardown, no atexit). The setting survives
# the exec; a parent that died before it was set is caught by the check after it. SIGINT is
# given back its default: a pytest started as a background job has it ignored, and passes that on.
ARM = ("import ctypes, os, signal, sys\n"
       "ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG\n"
       "if os.getppid() != int(sys.argv[1]):\n"
       "    os._exit(1)\n"
       "signal.signal(signal.SIGINT, signal.SIG_DFL)\n"
       "os.execvp(sys.argv[2], sys.argv[2:])\n")
_numbers = itertools.count()
_baseline: set[int] = set()  # descendants that were there before the first test
# A test process started by another (tests/test_children.py) tags its own children; what it
# starts by other means (a server that scripts/stack.sh leaves running) is not the other's.
os.environ.pop(TAG, None)


@dataclass(frozen=True)
class Child:
    """A process `spawn` started; `tag` marks it and all it starts."""

    name: str
    tag: str
    popen: subprocess.Popen[bytes]

    def family(self) -> list[psutil.Process]:
        """It and whatever it started that still runs, wherever that was reparented."""
        return tagged(lambda tag: tag == self.tag)


class _Spawner:
    """One daemon thread forks every child: it lives exactly as long as the test process
    (a thread of asyncio.to_thread ends earlier, and its children's signal would fire)."""

    def __init__(self) -> None:
        self._jobs: SimpleQueue[tuple[Callable[[], Child], Future[Child]]] = SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def run(self, start: Callable[[], Child]) -> Child:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="spawner", daemon=True)
                self._thread.start()
        done: Future[Child] = Future()
        self._jobs.put((start, done))
        return done.result()

    def _serve(self) -> None:
        while True:
            start, done = self._jobs.get()
            try:
                done.set_result(start())
            except BaseException as error:  # noqa: BLE001 - raised again in the caller's thread
                done.set_exception(error)


_SPAWNER = _Spawner()
_SPAWNED: list[Child] = []


def spawn(argv: list[str], name: str, env: dict[str, str] | None = None, **popen: Any) -> Child:
    """Start `argv` (`name` in reports), tagged, armed to die with the test process, and in a
    session of its own: a Ctrl-C or a signal to pytest's process group reaches pytest only,
    whose teardown then stops the child in order."""
    tag = f"{SESSION}/{next(_numbers)}/{name}"
    environment = {**(os.environ if env is None else env), TAG: tag}
    command = [sys.executable, "-c", ARM, str(os.getpid()), *argv]

    def start() -> Child:
        process = subprocess.Popen(command, env=environment, start_new_session=True, **popen)
        return Child(name, tag, process)

    child = _SPAWNER.run(start)
    _SPAWNED.append(child)
    return child


def running(process: psutil.Process) -> bool:
    """Alive and not a zombie (a zombie has ended; it only waits for its parent to read that)."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def tagged(match: Callable[[str], bool]) -> list[psutil.Process]:
    """Every running process whose tag `match`es."""
    found = []
    for process in psutil.process_iter():
        try:
            tag = process.environ().get(TAG)
        except psutil.Error:  # ended meanwhile, or not ours to read
            continue
        if tag is not None and match(tag) and running(process):
            found.append(process)
    return found


def wait_gone(processes: list[psutil.Process], timeout_s: float) -> list[psutil.Process]:
    """Those still running after up to `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while (alive := [p for p in processes if running(p)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def end(processes: list[psutil.Process], grace_s: float = 10) -> None:
    """SIGTERM, and SIGKILL to what still runs `grace_s` later."""
    for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
        for process in processes:
            with contextlib.suppress(psutil.Error):  # gone already (psutil sees a reused pid)
                process.send_signal(sig)
        processes = wait_gone(processes, wait_s)
        if not processes:
            return


def note_session_start() -> None:
    """Remember pytest's descendants before any test: they are not the tests' doing."""
    _baseline.update(p.pid for p in psutil.Process().children(recursive=True))


def _helper(process: psutil.Process) -> bool:
    try:
        command = " ".join(process.cmdline())
    except psutil.Error:
        return False
    return any(helper in command for helper in HELPERS)


def leftovers(grace_s: float = GRACE_S) -> list[psutil.Process]:
    """What this session started that still runs after `grace_s`: its tagged processes, and
    the other descendants of pytest that were not there at the start (helpers aside)."""
    found = {p.pid: p for p in tagged(lambda tag: tag.startswith(f"{SESSION}/"))}
    for process in psutil.Process().children(recursive=True):
        if process.pid not in _baseline and running(process) and not _helper(process):
            found.setdefault(process.pid, process)
    return wait_gone(list(found.values()), grace_s)


def describe(process: psutil.Process) -> str:
    """`name (pid N): command`, the name the one it was spawned with (else the program's)."""
    try:
        tag = (process.environ() or {}).get(TAG, "")
        command = " ".join(process.cmdline())
        name = tag.split("/", 2)[2] if tag.startswith(f"{SESSION}/") else process.name()
    except psutil.Error:
        return f"pid {process.pid} (ended meanwhile)"
    return f"{name} (pid {process.pid}): {command[:200]}"


def end_leftovers() -> list[str]:
    """Name, then end, what the session left running (see `leftovers`)."""
    left = leftovers()
    named = [describe(process) for process in left]
    end(left)
    for child in _SPAWNED:
        child.popen.poll()  # reads the exit of those that ended
    return named


def interrupt_on_termination() -> None:
    """SIGTERM and SIGHUP end the run as Ctrl-C does: pytest tears its fixtures down (which
    stop their processes) and the session's end ends the rest. A second one ends it at once.
    A signal the caller ignores (nohup) stays ignored."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) == signal.SIG_DFL:
            signal.signal(sig, _interrupt)


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    signal.signal(signum, signal.SIG_DFL)
    raise KeyboardInterrupt(f"{signal.Signals(signum).name} received")


# However the interpreter exits (a failure before the session's end), no tagged child outlives it.
atexit.register(lambda: end(tagged(lambda tag: tag.startswith(f"{SESSION}/"))))
