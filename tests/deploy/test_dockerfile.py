"""deploy/Dockerfile: multi-stage, hash-checked install, non-root, exec-form entrypoint."""

from __future__ import annotations

import json
import re

from tests.deploy.support import DEPLOY, ROOT, images, settings_variables

DOCKERFILE = (DEPLOY / "Dockerfile").read_text()


def instructions(name: str) -> list[str]:
    """Arguments of every `name` instruction, with continuation lines joined."""
    joined = re.sub(r"\s*\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in joined.splitlines()
            if line.upper().startswith(name + " ")]


def test_dockerfile_is_multi_stage_from_the_pinned_base() -> None:
    stages = instructions("FROM")
    assert stages == ["${BULKQR_PYTHON_IMAGE} AS build", "${BULKQR_PYTHON_IMAGE} AS runtime"]
    assert instructions("ARG")[0] == "BULKQR_PYTHON_IMAGE"
    assert "BULKQR_PYTHON_IMAGE" in images()
    assert "COPY --from=build /opt/bulkqr /opt/bulkqr" in DOCKERFILE


def test_dockerfile_installs_locked_hashes_then_the_project_without_deps() -> None:
    runs = " ".join(instructions("RUN"))
    assert "--require-hashes --constraint requirements.lock -r pyproject.toml" in runs
    assert "--no-deps ." in runs
    install_sh = (ROOT / "scripts" / "install.sh").read_text()
    uv_version = re.search(r"^UV_VERSION=(\S+)$", install_sh, re.MULTILINE)
    assert uv_version and f"ARG UV_VERSION={uv_version[1]}" in DOCKERFILE


def test_dockerfile_copies_every_package_it_installs() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    include = re.search(r'^include = \[(.*)\]$', pyproject, re.MULTILINE)
    assert include
    packages = {name.strip().strip('"').rstrip("*") for name in include[1].split(",")}
    copied = {args.split()[0].rstrip("/") for args in instructions("COPY")}
    assert packages <= copied, f"packages not copied into the image: {packages - copied}"
    ignore = [line for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
              if line and not line.startswith("#")]
    assert ignore[0] == "*", "the build context should start from nothing"
    assert {f"!{name}/" for name in packages} | {"!requirements.lock", "!pyproject.toml"} <= set(
        ignore)


def test_dockerfile_runs_unprivileged_with_exec_form_entrypoint() -> None:
    user = instructions("USER")
    assert user and user[-1].split(":")[0].isdigit() and int(user[-1].split(":")[0]) >= 1000
    entrypoint = json.loads(instructions("ENTRYPOINT")[-1])
    assert entrypoint == ["/opt/bulkqr/bin/bulkqr"]
    assert json.loads(instructions("CMD")[-1]) in (["gateway"], ["worker"])
    env = re.findall(r"\b(BULKQR_[A-Z0-9_]+)=", " ".join(instructions("ENV")))
    assert env and set(env) <= set(settings_variables())
