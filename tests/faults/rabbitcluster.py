"""A test's own scale-out cluster (scripts/cluster.sh): started, inspected, faulted, stopped.

It runs beside a developer's cluster: its own port block, state folder, node names, database,
bucket and queues. Every process it starts carries the test session's tag, and a guard
(tests/faults/clusterguard.py) stops it if the test process dies without doing so.
"""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from pydantic import SecretStr

from shared.settings import Settings
from tests.children import Child, spawn
from tests.processes import ROOT, settings_env

SCRIPT = ROOT / "scripts" / "cluster.sh"
PORT_BASE = 30300  # a developer's cluster uses 30100-30150 (scripts/cluster-env.sh)
MGMT_OFFSET = 10  # a node's management port is its AMQP port + 10 (scripts/cluster-env.sh)
START_TIMEOUT_S = 420.0
ADMIN = {"Authorization": "Basic " + base64.b64encode(b"guest:guest").decode()}


class ClusterError(RuntimeError):
    """scripts/cluster.sh failed; the message holds the end of its output."""


class RabbitCluster:
    """The cluster of one test module, on settings derived from the session's."""

    def __init__(self, base: Settings, state: Path, port_base: int = PORT_BASE) -> None:
        tag = uuid.uuid4().hex[:6]
        self.http_port = port_base + 50
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.settings = base.model_copy(update={
            "mongo_db": f"cluster_{tag}", "s3_bucket": f"cluster-{tag}",
            "queue_prefix": f"cluster-{tag}", "public_url": self.url, "http_port": self.http_port,
            "amqp_url": SecretStr(f"amqp://guest:guest@127.0.0.1:{port_base + 40}/"),
        })
        self.state, self.log_path = state, state / "cluster-sh.log"
        state.mkdir(parents=True, exist_ok=True)
        self.env = settings_env(self.settings) | {
            "BULKQR_CLUSTER_PORT_BASE": str(port_base),
            "BULKQR_CLUSTER_STATE_DIR": str(state),
            "BULKQR_CLUSTER_HTTP_PORT": str(self.http_port),
            "BULKQR_CLUSTER_NODE_PREFIX": "bulkqr-t",
            "BULKQR_CLUSTER_MONGO_DB": self.settings.mongo_db,
            "BULKQR_CLUSTER_S3_BUCKET": self.settings.s3_bucket,
        }
        self.guard: Child | None = None

    def _run(self, action: str, timeout_s: float) -> subprocess.CompletedProcess[bytes]:
        """scripts/cluster.sh ACTION as a tagged child; its output appended to the log."""
        with self.log_path.open("ab") as log:
            child = spawn([str(SCRIPT), action], f"cluster.sh-{action}", self.env,
                          stdout=subprocess.PIPE, stderr=log)
            try:
                out, _ = child.popen.communicate(timeout=timeout_s)
            except BaseException:
                child.popen.kill()
                child.popen.wait()
                raise
        return subprocess.CompletedProcess(child.popen.args, child.popen.returncode, out)

    def _check(self, action: str, timeout_s: float) -> None:
        result = self._run(action, timeout_s)
        if result.returncode != 0:
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise ClusterError(f"cluster.sh {action} exited {result.returncode}:\n{tail}")

    def start(self) -> None:
        """Start whatever is not running (the guard first, so a death mid-start is covered)."""
        if self.guard is None or self.guard.popen.poll() is not None:
            self.guard = spawn([sys.executable, "-m", "tests.faults.clusterguard",
                                str(os.getpid())],
                               "cluster-guard", self.env, cwd=ROOT)
        self._check("start", START_TIMEOUT_S)

    def stop(self) -> None:
        """Stop all of it; the guard then ends without doing anything."""
        self._check("stop", 120)
        if self.guard is not None and self.guard.popen.poll() is None:
            self.guard.popen.send_signal(signal.SIGUSR1)
            self.guard.popen.wait(10)

    def status(self) -> tuple[int, dict[str, Any]]:
        """cluster.sh status: its exit code (0 when every piece runs) and its JSON."""
        result = self._run("status", 30)
        return result.returncode, orjson.loads(result.stdout)

    async def astart(self) -> None:
        await asyncio.to_thread(self.start)

    async def astatus(self) -> tuple[int, dict[str, Any]]:
        return await asyncio.to_thread(self.status)

    async def management(self, path: str) -> Any:
        """GET /api/PATH from the first node whose management API answers."""
        _, status = await self.astatus()
        errors = []
        async with aiohttp.ClientSession(headers=ADMIN,
                                         timeout=aiohttp.ClientTimeout(total=10)) as http:
            for node in status["rabbitmq"]:
                url = f"http://127.0.0.1:{node['amqpPort'] + MGMT_OFFSET}/api/{path}"
                try:
                    async with http.get(url) as answer:
                        if answer.status == 200:
                            return await answer.json()
                        errors.append(f"{url}: {answer.status}")
                except (aiohttp.ClientError, TimeoutError) as error:
                    errors.append(f"{url}: {error!r}")
        raise ClusterError(f"no management API answered: {errors}")

    async def leader(self, queue: str) -> str:
        """The node that leads the quorum queue `queue` (on the default vhost)."""
        doc = await self.management(f"queues/%2F/{queue}")
        return str(doc["leader"])

    async def running_nodes(self) -> list[str]:
        return sorted(node["name"] for node in await self.management("nodes")
                      if node.get("running"))

    async def pid_of(self, node: str) -> int:
        _, status = await self.astatus()
        return next(int(n["pid"]) for n in status["rabbitmq"] if n["node"] == node)
