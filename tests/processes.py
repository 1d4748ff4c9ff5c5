"""Start and stop real gateway and worker processes for tests, with a test's settings."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import aio_pika
import orjson

from shared.amqp import Names
from shared.settings import Settings
from shared.store import ensure_layout, open_client
from shared.store.layout import drop_databases
from shared.webhooks.queues import delay_queue, webhooks_queue
from tests.children import end, spawn

ROOT = Path(__file__).resolve().parent.parent
BULKQR = ROOT / ".venv" / "bin" / "bulkqr"
LOGS = ROOT / ".state" / "logs" / "tests"
LAID_OUT: set[str] = set()  # databases whose layout this session has created


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settings_env(settings: Settings) -> dict[str, str]:
    """The BULKQR_* environment that reproduces `settings` in a child process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BULKQR_")}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        text = value.get_secret_value() if hasattr(value, "get_secret_value") else value
        if isinstance(text, list):
            text = orjson.dumps(text).decode()
        env[f"BULKQR_{name.upper()}"] = str(text).lower() if isinstance(text, bool) else str(text)
    env["BULKQR_LOG_JSON"] = "true"
    return env


class Process:
    """One `bulkqr gateway|worker` child, its output in a log file."""

    def __init__(self, role: str, settings: Settings, name: str,
                 extra_env: dict[str, str] | None = None) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        self.role, self.settings = role, settings
        self.log_path = LOGS / f"{name}.log"
        self._log: IO[bytes] = self.log_path.open("ab")  # a name's earlier runs stay above
        self._log_from = self._log.tell()  # where this run's output starts
        env = settings_env(settings) | (extra_env or {})  # e.g. PYTHONPATH of an older build
        try:
            self.child = spawn([str(BULKQR), role], name, env,
                               stdout=self._log, stderr=subprocess.STDOUT)
        except BaseException:
            self._log.close()
            raise
        self.popen = self.child.popen

    @property
    def pid(self) -> int:
        return self.popen.pid

    def signal(self, sig: signal.Signals) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)

    def wait(self, timeout_s: float) -> int:
        code = self.popen.wait(timeout_s)
        self._log.close()
        return code

    def stop(self, timeout_s: float = 30) -> int:
        self.signal(signal.SIGTERM)
        return self.finish(timeout_s)

    def finish(self, timeout_s: float) -> int:
        """Its exit code once it has ended (SIGKILL after `timeout_s`); whatever it started
        that still runs (a worker's render processes) is ended too, however this ends."""
        try:
            try:
                return self.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                return self.wait(timeout_s)
        finally:
            end(self.child.family())
            self._log.close()

    def log_text(self) -> str:
        """What this run wrote (not an earlier process's of the same name: its "worker
        consuming" must not make this one look ready)."""
        with self.log_path.open("rb") as log:
            log.seek(self._log_from)
            return log.read().decode(errors="replace")


def stop_all(processes: list[Process]) -> None:
    """SIGTERM to all at once (they drain side by side), then each finished; one that fails
    to finish does not keep the others running (its error is raised after)."""
    for process in processes:
        process.signal(signal.SIGTERM)
    errors: list[BaseException] = []
    for process in processes:
        try:
            process.finish(30)
        except BaseException as error:  # noqa: BLE001 - raised below, once all are stopped
            errors.append(error)
    if errors:
        raise errors[0]


@contextmanager
def stopped_at_end() -> Iterator[list[Process]]:
    """A list for the processes a fixture or test starts: every one is stopped when the
    block ends, however it ends (a start that failed, a failed test, an interrupt)."""
    processes: list[Process] = []
    try:
        yield processes
    finally:
        stop_all(processes)


@contextmanager
def removed_at_end(settings: Settings, *, databases: bool) -> Iterator[list[Process]]:
    """`stopped_at_end` for a stack of its own: once its processes are stopped, however the
    block ends, the queues and exchanges of `settings`' prefix are deleted and, with
    `databases` (a stack whose database is its own, not the session's), its databases."""
    try:
        with stopped_at_end() as processes:
            yield processes
    finally:
        run_apart(remove_namespace(settings, databases=databases))


async def remove_namespace(settings: Settings, *, databases: bool) -> None:
    """Delete what processes of `settings` made on the servers: its queues and exchanges
    and, with `databases`, its databases (left behind, they slow every later run)."""
    await delete_topology(settings)
    if databases:
        client = open_client(settings)
        try:
            await drop_databases(client[settings.mongo_db])
        finally:
            await client.close()
        LAID_OUT.discard(settings.mongo_db)


def run_apart(work: Coroutine[Any, Any, None]) -> None:
    """Run `work` to its end on an event loop of its own: callers may be inside one."""
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, work).result()


def lay_out_store(settings: Settings) -> None:
    """Create the store's collections and indexes before the first process of a database
    starts: on FerretDB that takes seconds, which a gateway's start-up (and its 30 s window
    here) should not spend on a loaded machine. The processes then find it done."""
    if settings.mongo_db in LAID_OUT:
        return

    async def lay_out() -> None:
        client = open_client(settings)
        try:
            await ensure_layout(client[settings.mongo_db], settings)
        finally:
            await client.close()

    run_apart(lay_out())
    LAID_OUT.add(settings.mongo_db)


def ready_or_stopped(process: Process, ready: Callable[[], bool], what: str,
                     timeout_s: float) -> Process:
    """`process` once `ready()`. If it exits first, or is not `what` in `timeout_s`, or
    anything is raised meanwhile (a Ctrl-C), it is stopped, and the error raised."""
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise RuntimeError(f"{process.role} exited:\n{process.log_text()[-3000:]}")
            if ready():
                return process
            time.sleep(0.1)
        raise RuntimeError(f"{process.role} not {what} in {timeout_s}s:\n"
                           f"{process.log_text()[-3000:]}")
    except BaseException:
        process.stop()
        raise


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def start_gateway(settings: Settings, name: str, timeout_s: float = 30,
                  extra_env: dict[str, str] | None = None, lay_out: bool = True) -> Process:
    """A gateway answering /healthz, or an error with its log. `lay_out=False` leaves the
    database as it is (an older build, which knows no layout, is about to run on it)."""
    if lay_out:
        lay_out_store(settings)
    process = Process("gateway", settings, name, extra_env)
    url = f"http://127.0.0.1:{settings.http_port}/healthz"
    return ready_or_stopped(process, lambda: answers(url), "up", timeout_s)


def start_worker(settings: Settings, name: str, timeout_s: float = 30,
                 extra_env: dict[str, str] | None = None, lay_out: bool = True) -> Process:
    """A worker that has logged that it is consuming (`lay_out` as for start_gateway)."""
    if lay_out:
        lay_out_store(settings)
    process = Process("worker", settings, name, extra_env)
    return ready_or_stopped(process, lambda: "worker consuming" in process.log_text(),
                            "consuming", timeout_s)


def topology_names(settings: Settings) -> tuple[list[str], list[str]]:
    """The queues and the exchanges that processes of `settings` declare, by name."""
    names, prefix = Names(settings.queue_prefix), settings.queue_prefix
    delays = [delay_queue(prefix, s) for s in sorted(set(settings.webhook_retry_delays_s))]
    return ([names.chunks, names.dead_chunks, names.scans, webhooks_queue(prefix), *delays],
            [names.work_exchange, names.dead_exchange, names.links_exchange])


async def delete_topology(settings: Settings) -> None:
    """Remove every queue and exchange of `settings`' prefix (a test run's own namespace)."""
    queues, exchanges = topology_names(settings)
    connection = await aio_pika.connect(settings.amqp_url.get_secret_value())
    async with connection:
        channel = await connection.channel()
        for queue in queues:
            await channel.queue_delete(queue, if_unused=False, if_empty=False)
        for exchange in exchanges:
            await channel.exchange_delete(exchange)
