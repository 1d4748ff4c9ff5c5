"""Where the servers come from: the selection rule, the images file, and the clear error."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.servers import ROOT, ServerSourceError, choose_mode, images, rabbitmq_metrics_address


@pytest.mark.parametrize(("env", "present", "mode"), [
    ({}, False, "local"),
    ({}, True, "containers"),
    ({"BULKQR_TEST_SERVERS": "local"}, True, "local"),
    ({"BULKQR_TEST_SERVERS": "Containers"}, True, "containers"),
    ({"BULKQR_TEST_SERVERS": " local "}, False, "local"),
])
def test_mode_follows_the_variable_then_the_engine(env: dict[str, str], present: bool,
                                                   mode: str) -> None:
    assert choose_mode(env, lambda: present) == mode


def test_containers_without_an_engine_is_a_clear_error() -> None:
    with pytest.raises(ServerSourceError, match="needs a Docker engine, and none answers"):
        choose_mode({"BULKQR_TEST_SERVERS": "containers"}, lambda: False)
    with pytest.raises(ServerSourceError, match="must be local or containers"):
        choose_mode({"BULKQR_TEST_SERVERS": "kubernetes"}, lambda: True)


def test_images_are_named_once_for_compose_and_tests(tmp_path: Path) -> None:
    named = images()
    assert {"BULKQR_MONGO_IMAGE", "BULKQR_RABBITMQ_IMAGE", "BULKQR_S3_IMAGE"} <= set(named)
    compose = (ROOT / "deploy" / "compose.yaml").read_text()
    for key in ("BULKQR_MONGO_IMAGE", "BULKQR_RABBITMQ_IMAGE", "BULKQR_S3_IMAGE"):
        assert f"${{{key}" in compose  # compose reads the same variable
        assert named[key] not in compose  # and does not name the image a second time
    sample = tmp_path / "images.env"
    sample.write_text("# comment\nA=x:1\n\nB = y:2\n")
    assert images(sample) == {"A": "x:1", "B": "y:2"}


def test_make_test_containers_stops_at_once_without_an_engine() -> None:
    # Point the Docker client at a socket that does not exist: no engine, on any host.
    env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    result = subprocess.run(["make", "-s", "test-containers"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False, env=env)
    assert result.returncode != 0
    assert "needs a Docker engine" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr + result.stdout


def test_rabbitmq_metrics_are_found_where_the_run_put_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """Local scripts choose the port; a container maps 15692 to a host and port of its own."""
    monkeypatch.delenv("BULKQR_RABBITMQ_PROM_ADDRESS", raising=False)
    monkeypatch.delenv("BULKQR_RABBITMQ_PROM_PORT", raising=False)
    assert rabbitmq_metrics_address() == "127.0.0.1:15692"
    monkeypatch.setenv("BULKQR_RABBITMQ_PROM_PORT", "25692")
    assert rabbitmq_metrics_address() == "127.0.0.1:25692"
    monkeypatch.setenv("BULKQR_RABBITMQ_PROM_ADDRESS", "docker-host:49153")
    assert rabbitmq_metrics_address() == "docker-host:49153"
