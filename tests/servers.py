"""Where the test servers come from, decided in this one place.

`BULKQR_TEST_SERVERS=local` (the default without a Docker engine) uses the project's own
scripts: RabbitMQ from Debian, FerretDB and versitygw built from Go modules.
`BULKQR_TEST_SERVERS=containers` (the default when a Docker engine answers) starts real
MongoDB, RabbitMQ and versitygw containers with testcontainers, using the images that
deploy/images.env names for deploy/compose.yaml too. Either way the tests receive
settings, never a URL of their own.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import SecretStr

ROOT = Path(__file__).resolve().parent.parent
IMAGES_FILE = ROOT / "deploy" / "images.env"
MODES = ("local", "containers")
S3_KEYS = ("bulkqr-test", "bulkqr-test-secret")


class ServerSourceError(RuntimeError):
    """The servers cannot come from where the run asked."""


def docker_answers(timeout_s: float = 3.0) -> bool:
    """True when a Docker engine answers its /_ping (not merely when a client is installed).

    Asked over a plain socket: the Docker SDK leaks its socket when no engine is there.
    """
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        if host.startswith("unix://"):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout_s)
            with sock:
                sock.connect(host.removeprefix("unix://"))
                return _pinged(sock)
        address, _, port = host.removeprefix("tcp://").partition(":")
        with socket.create_connection((address, int(port or 2375)), timeout_s) as sock:
            return _pinged(sock)
    except (OSError, ValueError):
        return False


def _pinged(sock: socket.socket) -> bool:
    sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
    status_line = sock.recv(64).split(b"\r\n", 1)[0]
    return status_line.startswith(b"HTTP/1.") and status_line.split(b" ")[1:2] == [b"200"]


def choose_mode(env: dict[str, str], engine: Callable[[], bool] = docker_answers) -> str:
    """`BULKQR_TEST_SERVERS` if set, else containers when an engine answers, else local."""
    asked = env.get("BULKQR_TEST_SERVERS", "").strip().lower()
    if asked and asked not in MODES:
        raise ServerSourceError(f"BULKQR_TEST_SERVERS must be local or containers, not {asked!r}")
    mode = asked or ("containers" if engine() else "local")
    if mode == "containers" and not engine():
        raise ServerSourceError(
            "BULKQR_TEST_SERVERS=containers needs a Docker engine, and none answers here. "
            "Start Docker, or run the suite on the local servers with `make test`.")
    return mode


def images(path: Path = IMAGES_FILE) -> dict[str, str]:
    """The image of each server, as named once in deploy/images.env."""
    pairs = (line.split("=", 1) for line in path.read_text().splitlines()
             if "=" in line and not line.lstrip().startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def start_local_servers() -> dict[str, Any]:
    """Start (or find running) the local servers; the default settings point at them."""
    result = subprocess.run([ROOT / "scripts" / "stack.sh", "start"], capture_output=True,
                            text=True, timeout=900, check=False)
    if result.returncode != 0:
        raise ServerSourceError(f"local servers did not start:\n{result.stderr[-4000:]}")
    return {}


CONTAINERS = {  # kind: (image key in deploy/images.env, port, log line when ready)
    "mongodb": ("BULKQR_MONGO_IMAGE", 27017, "Waiting for connections"),
    "rabbitmq": ("BULKQR_RABBITMQ_IMAGE", 5672, "Server startup complete"),
    "s3": ("BULKQR_S3_IMAGE", 7070, ""),
}


RABBITMQ_METRICS_PORT = 15692  # RabbitMQ's Prometheus endpoint, as scripts/rabbitmq.sh


def rabbitmq_metrics_address() -> str:
    """Where this run's RabbitMQ exports its Prometheus metrics (host:port)."""
    default_port = os.environ.get("BULKQR_RABBITMQ_PROM_PORT", str(RABBITMQ_METRICS_PORT))
    return os.environ.get("BULKQR_RABBITMQ_PROM_ADDRESS") or f"127.0.0.1:{default_port}"


def run_container(kind: str) -> tuple[Any, dict[str, Any]]:  # pragma: no cover - needs Docker
    """Start one server container; returns it and the settings that reach it."""
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs

    image_key, port, ready = CONTAINERS[kind]
    container = DockerContainer(images()[image_key]).with_exposed_ports(port)
    if kind == "rabbitmq":
        container.with_exposed_ports(RABBITMQ_METRICS_PORT)
    if kind == "s3":
        container.with_env("ROOT_ACCESS_KEY", S3_KEYS[0]).with_env("ROOT_SECRET_KEY", S3_KEYS[1])
        container.with_command("--port :7070 posix --sidecar /tmp /tmp")
    container.start()
    if ready:
        wait_for_logs(container, ready, timeout=120)
    host = container.get_container_host_ip()
    address = f"{host}:{container.get_exposed_port(port)}"
    if kind == "rabbitmq":  # the image enables the Prometheus plugin; tests scrape it here
        mapped = container.get_exposed_port(RABBITMQ_METRICS_PORT)
        os.environ["BULKQR_RABBITMQ_PROM_ADDRESS"] = f"{host}:{mapped}"
    by_kind: dict[str, dict[str, Any]] = {
        "mongodb": {"mongo_url": SecretStr(f"mongodb://{address}/")},
        "rabbitmq": {"amqp_url": SecretStr(f"amqp://guest:guest@{address}/")},
        "s3": {"s3_endpoint_url": f"http://{address}", "s3_access_key": SecretStr(S3_KEYS[0]),
               "s3_secret_key": SecretStr(S3_KEYS[1])},
    }
    return container, by_kind[kind]


def start_containers() -> dict[str, Any]:  # pragma: no cover - needs a Docker engine
    """Start MongoDB, RabbitMQ and versitygw containers; returns settings that reach them.
    testcontainers' reaper stops them when the test run ends."""
    overrides: dict[str, Any] = {}
    for kind in CONTAINERS:
        overrides |= run_container(kind)[1]
    return overrides


def start_servers() -> tuple[str, dict[str, Any]]:
    """The mode of this run and the settings overrides that reach its servers."""
    mode = choose_mode(dict(os.environ))
    return mode, start_containers() if mode == "containers" else start_local_servers()


KINDS = {"mongodb": "ferretdb.sh", "rabbitmq": "rabbitmq.sh", "s3": "versitygw.sh"}


class ScriptServer:
    """A private local server (own state folder and ports), started by the project's script."""

    def __init__(self, kind: str, state: Path) -> None:
        from tests.processes import free_port

        port = free_port()
        self.script = KINDS[kind]
        self.env = {**os.environ, "BULKQR_STATE_DIR": str(state),
                    "BULKQR_BIN_DIR": str(ROOT / ".state" / "bin")}
        if kind == "mongodb":
            self.env["BULKQR_FERRETDB_PORT"] = str(port)
            self.overrides: dict[str, Any] = {
                "mongo_url": SecretStr(f"mongodb://127.0.0.1:{port}/")}
        elif kind == "s3":
            self.env["BULKQR_S3_PORT"] = str(port)
            self.overrides = {"s3_endpoint_url": f"http://127.0.0.1:{port}"}
        else:
            self.env |= {"BULKQR_AMQP_PORT": str(port),
                         "BULKQR_RABBITMQ_NODENAME": f"private{port}@localhost",
                         "BULKQR_RABBITMQ_MGMT_PORT": str(free_port()),
                         "BULKQR_RABBITMQ_PROM_PORT": str(free_port()),
                         "BULKQR_RABBITMQ_DIST_PORT": str(free_port())}
            self.overrides = {"amqp_url": SecretStr(f"amqp://guest:guest@127.0.0.1:{port}/")}

    def _run(self, action: str) -> None:
        result = subprocess.run([ROOT / "scripts" / self.script, action], env=self.env,
                                capture_output=True, text=True, timeout=300, check=False)
        if result.returncode != 0:
            raise ServerSourceError(f"{self.script} {action} failed:\n{result.stderr[-3000:]}")

    def start(self) -> None:
        self._run("start")

    def stop(self) -> None:
        self._run("stop")


class ContainerServer:  # pragma: no cover - needs a Docker engine
    """A private server in a container; `stop` pauses it (its port stays mapped), so a
    later `start` brings the same server and data back."""

    def __init__(self, kind: str) -> None:
        self.container, self.overrides = run_container(kind)
        self._paused = False

    def start(self) -> None:
        if self._paused:
            self.container.get_wrapped_container().unpause()
            self._paused = False

    def stop(self) -> None:
        if not self._paused:
            self.container.get_wrapped_container().pause()
            self._paused = True


def private_server(kind: str, state: Path) -> ScriptServer | ContainerServer:
    """A server of `kind` that one test may stop and start without disturbing the others."""
    if choose_mode(dict(os.environ)) == "containers":
        return ContainerServer(kind)
    return ScriptServer(kind, state)


def main() -> int:
    """`python -m tests.servers`: say which servers a run would use, or why it cannot."""
    import sys

    try:
        print(f"test servers: {choose_mode(dict(os.environ))}")
    except ServerSourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
