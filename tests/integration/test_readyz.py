"""/readyz answers 200 with every server up and 503 naming the one that stopped.

Each case starts a private instance of one server (its own state folder and ports), so
stopping it does not disturb the rest of the suite.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import orjson
import pytest
from pydantic import SecretStr

from shared.settings import Settings
from tests.processes import ROOT, free_port, start_gateway

SCRIPTS = {"mongodb": "ferretdb.sh", "rabbitmq": "rabbitmq.sh", "s3": "versitygw.sh"}


def private_server(server: str, state: Path) -> tuple[dict[str, str], dict[str, object]]:
    """Environment for the server's script, and the settings that point at it."""
    port = free_port()
    env = {**os.environ, "BULKQR_STATE_DIR": str(state),
           "BULKQR_BIN_DIR": str(ROOT / ".state" / "bin")}
    if server == "mongodb":
        env["BULKQR_FERRETDB_PORT"] = str(port)
        return env, {"mongo_url": SecretStr(f"mongodb://127.0.0.1:{port}/")}
    if server == "s3":
        env["BULKQR_S3_PORT"] = str(port)
        return env, {"s3_endpoint_url": f"http://127.0.0.1:{port}"}
    env |= {"BULKQR_AMQP_PORT": str(port), "BULKQR_RABBITMQ_NODENAME": f"ready{port}@localhost",
            "BULKQR_RABBITMQ_MGMT_PORT": str(free_port()),
            "BULKQR_RABBITMQ_PROM_PORT": str(free_port()),
            "BULKQR_RABBITMQ_DIST_PORT": str(free_port())}
    return env, {"amqp_url": SecretStr(f"amqp://guest:guest@127.0.0.1:{port}/")}


def readyz(port: int) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as answer:
            return answer.status, orjson.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, orjson.loads(error.read())


def script(name: str, action: str, env: dict[str, str]) -> None:
    subprocess.run([ROOT / "scripts" / name, action], env=env, check=True, timeout=300,
                   capture_output=True)


@pytest.mark.slow
@pytest.mark.parametrize("server", sorted(SCRIPTS))
def test_readyz_names_the_stopped_server(server: str, settings: Settings, tmp_path: Path) -> None:
    env, overrides = private_server(server, tmp_path)
    script(SCRIPTS[server], "start", env)
    port = free_port()
    private = settings.model_copy(update={**overrides, "http_port": port})
    gateway = start_gateway(private, f"readyz-{server}-{port}")
    try:
        assert readyz(port) == (200, {"status": "ready"})
        script(SCRIPTS[server], "stop", env)
        deadline = time.monotonic() + 30
        answer = readyz(port)
        while answer[0] == 200 and time.monotonic() < deadline:
            time.sleep(0.5)
            answer = readyz(port)
        assert answer == (503, {"status": "unavailable", "failed": [server]})
    finally:
        gateway.stop()
        script(SCRIPTS[server], "stop", env)
