"""Start and stop real gateway and worker processes for tests, with a test's settings."""

from __future__ import annotations

import asyncio
import atexit
import os
import signal
import socket
import subprocess
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO

import aio_pika
import orjson

from shared.amqp import Names
from shared.settings import Settings
from shared.store import ensure_layout, open_client
from shared.webhooks.queues import delay_queue, webhooks_queue

ROOT = Path(__file__).resolve().parent.parent
BULKQR = ROOT / ".venv" / "bin" / "bulkqr"
LOGS = ROOT / ".state" / "logs" / "tests"
STARTED: list[Process] = []  # every child of this test session, checked at its end
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
        self._log: IO[bytes] = self.log_path.open("ab")
        env = settings_env(settings) | (extra_env or {})  # e.g. PYTHONPATH of an older build
        self.popen = subprocess.Popen([str(BULKQR), role], env=env,
                                      stdout=self._log, stderr=subprocess.STDOUT)
        STARTED.append(self)

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
        try:
            return self.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            return self.wait(timeout_s)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


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

    with ThreadPoolExecutor(1) as thread:  # its own event loop: callers may be inside one
        thread.submit(asyncio.run, lay_out()).result()
    LAID_OUT.add(settings.mongo_db)


def start_gateway(settings: Settings, name: str, timeout_s: float = 30,
                  extra_env: dict[str, str] | None = None, lay_out: bool = True) -> Process:
    """A gateway answering /healthz, or an error with its log. `lay_out=False` leaves the
    database as it is (an older build, which knows no layout, is about to run on it)."""
    if lay_out:
        lay_out_store(settings)
    process = Process("gateway", settings, name, extra_env)
    url = f"http://127.0.0.1:{settings.http_port}/healthz"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"gateway exited:\n{process.log_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(0.1)
    process.stop()
    raise RuntimeError(f"gateway not up in {timeout_s}s:\n{process.log_text()[-3000:]}")


def start_worker(settings: Settings, name: str, timeout_s: float = 30,
                 extra_env: dict[str, str] | None = None, lay_out: bool = True) -> Process:
    """A worker that has logged that it is consuming (`lay_out` as for start_gateway)."""
    if lay_out:
        lay_out_store(settings)
    process = Process("worker", settings, name, extra_env)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"worker exited:\n{process.log_text()[-3000:]}")
        if "worker consuming" in process.log_text():
            return process
        time.sleep(0.1)
    process.stop()
    raise RuntimeError(f"worker not consuming in {timeout_s}s:\n{process.log_text()[-3000:]}")


def left_running() -> list[Process]:
    """The children this session started that still run, each stopped before it returns."""
    left = [process for process in STARTED if process.popen.poll() is None]
    stop_all(left)
    return left


atexit.register(left_running)  # however pytest exits, no gateway or worker outlives it


def stop_all(processes: list[Process]) -> None:
    for process in processes:
        process.signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.popen.kill()


async def delete_topology(settings: Settings) -> None:
    """Remove every queue and exchange of `settings`' prefix (a test run's own namespace)."""
    names = Names(settings.queue_prefix)
    connection = await aio_pika.connect(settings.amqp_url.get_secret_value())
    async with connection:
        channel = await connection.channel()
        webhooks = [webhooks_queue(settings.queue_prefix),
                    *(delay_queue(settings.queue_prefix, delay_s)
                      for delay_s in set(settings.webhook_retry_delays_s))]
        for queue in (names.chunks, names.dead_chunks, names.scans, *webhooks):
            await channel.queue_delete(queue, if_unused=False, if_empty=False)
        for exchange in (names.work_exchange, names.dead_exchange, names.links_exchange):
            await channel.exchange_delete(exchange)
