"""The last build before shared/store/ (a6b4353), exported from git and run from its own tree."""

from __future__ import annotations

import subprocess
from pathlib import Path

import orjson

from shared.settings import Settings
from tests.api import Tenant
from tests.processes import BULKQR, ROOT, Process, settings_env, start_gateway, start_worker

OLD_COMMIT = "a6b4353"  # "today's code" of issue 32: one collection per tenant and month


def export_old_build(into: Path) -> Path:
    """The old build's files under `into`; fails loudly without the git history (CI clones
    with it)."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", OLD_COMMIT],
                             capture_output=True, check=False)
    if archive.returncode != 0:
        raise RuntimeError(f"git cannot export {OLD_COMMIT} (a clone with its history is "
                           f"needed): {archive.stderr.decode(errors='replace')}")
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    assert (into / "shared" / "mongo.py").is_file(), "the old build keeps its store in mongo.py"
    assert not (into / "shared" / "store").exists(), "the old build has no shared/store/"
    return into


class OldBuild:
    """Runs `.venv/bin/bulkqr` with the old tree first on PYTHONPATH, so it imports the old
    packages (the venv's editable finder comes after the path entries)."""

    def __init__(self, tree: Path, settings: Settings) -> None:
        self.tree = tree
        self.settings = settings.model_copy(update={"store_command_log": ""})  # unknown there
        self.env = {"PYTHONPATH": str(tree)}

    def create_subscription(self, qr_limit: int) -> Tenant:
        """`bulkqr admin create-subscription` of the old build (it also made quota_<client>)."""
        done = subprocess.run([str(BULKQR), "admin", "create-subscription", "--name", "upgrade",
                               "--qr-limit", str(qr_limit)],
                              env=settings_env(self.settings) | self.env, capture_output=True,
                              check=False, timeout=60)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        answer = orjson.loads(done.stdout.splitlines()[-1])
        return Tenant(answer["clientId"], answer["apiKey"])

    def has_old_admin_commands(self) -> bool:
        """Only the old CLI still has `admin split-scan-months` (the store work removed it)."""
        done = subprocess.run([str(BULKQR), "admin", "split-scan-months", "--help"],
                              env=settings_env(self.settings) | self.env, capture_output=True,
                              check=False, timeout=60)
        return done.returncode == 0

    def start(self, name: str) -> list[Process]:
        """The old gateway and one old worker, on a database no layout was made on."""
        gateway = start_gateway(self.settings, f"{name}-old-gateway", extra_env=self.env,
                                lay_out=False)
        try:
            worker = start_worker(self.settings, f"{name}-old-worker", extra_env=self.env,
                                  lay_out=False)
        except BaseException:
            gateway.stop()
            raise
        return [gateway, worker]
