"""/readyz answers 200 with every server up and 503 naming the one that stopped.

Each case starts a private instance of one server, so stopping it does not disturb the
rest of the suite.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

import orjson
import pytest

from shared.settings import Settings
from tests.processes import free_port, start_gateway
from tests.servers import KINDS, private_server


def readyz(port: int) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as answer:
            return answer.status, orjson.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, orjson.loads(error.read())


@pytest.mark.slow
@pytest.mark.parametrize("server", sorted(KINDS))
def test_readyz_names_the_stopped_server(server: str, settings: Settings, tmp_path: Path) -> None:
    private = private_server(server, tmp_path)
    private.start()
    port = free_port()
    gateway = start_gateway(settings.model_copy(update={**private.overrides, "http_port": port}),
                            f"readyz-{server}-{port}")
    try:
        assert readyz(port) == (200, {"status": "ready"})
        private.stop()
        deadline = time.monotonic() + 30
        answer = readyz(port)
        while answer[0] == 200 and time.monotonic() < deadline:
            time.sleep(0.5)
            answer = readyz(port)
        assert answer == (503, {"status": "unavailable", "failed": [server]})
    finally:
        gateway.stop()
        private.stop()
