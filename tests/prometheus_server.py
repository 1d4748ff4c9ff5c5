"""A real Prometheus for tests: the binary scripts/prometheus.sh installs, on a free loopback
port, with a temporary configuration and data directory, scraping the targets it is given."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.children import end, spawn
from tests.processes import LOGS, free_port

SCRAPE_INTERVAL_S = 1


@dataclass(frozen=True)
class Job:
    name: str
    target: str  # host:port
    metrics_path: str = "/metrics"


def binary() -> str:
    """The prometheus binary, or a failure that says how to install it (never a skip)."""
    found = shutil.which("prometheus")
    if found is None:
        raise AssertionError("prometheus is not installed: run scripts/prometheus.sh install "
                             "(make test-servers does)")
    return found


def write_config(directory: Path, jobs: list[Job], rules: Path) -> Path:
    shutil.copy(rules, directory / "alerts.yaml")
    config = {
        "global": {"scrape_interval": f"{SCRAPE_INTERVAL_S}s",
                   "scrape_timeout": f"{SCRAPE_INTERVAL_S}s",
                   "evaluation_interval": f"{SCRAPE_INTERVAL_S}s"},
        "rule_files": ["alerts.yaml"],
        "scrape_configs": [{"job_name": job.name, "metrics_path": job.metrics_path,
                            "static_configs": [{"targets": [job.target]}]} for job in jobs],
    }
    path = directory / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    return path


class Prometheus:
    """One Prometheus child process and a small client for its HTTP API."""

    def __init__(self, directory: Path, jobs: list[Job], rules: Path) -> None:
        self.port = free_port()
        config = write_config(directory, jobs, rules)
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log_path = LOGS / f"prometheus-{self.port}.log"
        with self.log_path.open("ab") as log:
            self.child = spawn(
                [binary(), f"--config.file={config}", f"--storage.tsdb.path={directory / 'data'}",
                 f"--web.listen-address=127.0.0.1:{self.port}"],
                f"prometheus-{self.port}", stdout=log, stderr=subprocess.STDOUT)
        self.popen = self.child.popen
        try:
            self._wait_ready(timeout_s=30)
        except BaseException:  # not ready, exited, or a Ctrl-C meanwhile: it is stopped
            self.stop()
            raise

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"prometheus exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"prometheus not ready in {timeout_s}s:\n{self.log_path.read_text()}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self, path: str, **params: str | float) -> Any:
        query = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{self.url}/api/v1/{path}?{query}", timeout=10) as answer:
            body = json.loads(answer.read())
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.api("query", query=expr)["result"]
        return result

    def finite_points(self, expr: str, start_s: float, end_s: float) -> list[float]:
        """Every finite value of `expr` over [start_s, end_s], as a Grafana panel draws it."""
        data = self.api("query_range", query=expr, start=start_s, end=end_s,
                        step=SCRAPE_INTERVAL_S)
        values = [float(v) for series in data["result"] for _, v in series["values"]]
        return [v for v in values if math.isfinite(v)]

    def stop(self) -> None:
        """SIGTERM, SIGKILL 30 s later if it still runs; its exit is read."""
        end(self.child.family(), grace_s=30)
        self.popen.wait(30)
