"""Reading deploy/ for the tests: settings names, images.env, compose interpolation, kustomize."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KUSTOMIZE = ROOT / "scripts" / "kustomize.sh"
ALERTS = DEPLOY / "prometheus" / "alerts.yaml"
ENV_LINE = re.compile(r"^([A-Z][A-Z0-9_]*)=(\S+)$")
COMPOSE_VAR = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?::\?[^}]*)?\}")

Manifest = dict[str, Any]


def settings_variables() -> dict[str, str]:
    """Every BULKQR_* variable that Settings reads, mapped to its field name."""
    return {f"BULKQR_{name.upper()}": name for name in Settings.model_fields}


def settings_from(variables: dict[str, str]) -> Settings:
    """Validate BULKQR_* values as Settings would read them (types, ranges), ignoring the rest."""
    fields = settings_variables()
    return Settings.model_validate({fields[key]: value for key, value in variables.items()
                                    if key in fields})


def read_env_file(path: Path) -> dict[str, str]:
    """A plain KEY=VALUE file: every non-empty line must be one assignment, nothing else."""
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line:
            continue
        match = ENV_LINE.match(line)
        assert match, f"{path.name}:{number} is not a plain KEY=VALUE line: {line!r}"
        assert match[1] not in values, f"{path.name}:{number} sets {match[1]} twice"
        values[match[1]] = match[2]
    return values


def images() -> dict[str, str]:
    return read_env_file(DEPLOY / "images.env")


def interpolate(text: str, variables: dict[str, str]) -> str:
    """Compose's ${VAR} and ${VAR:?message}, failing on a name the variables do not define."""

    def value(match: re.Match[str]) -> str:
        assert match[1] in variables, f"compose.yaml uses ${{{match[1]}}}, not in images.env"
        return variables[match[1]]

    replaced = COMPOSE_VAR.sub(value, text)
    assert "${" not in replaced, "compose.yaml has a ${...} form that is not ${VAR} or ${VAR:?msg}"
    return replaced


def compose_file() -> dict[str, Any]:
    loaded = yaml.safe_load(interpolate((DEPLOY / "compose.yaml").read_text(), images()))
    assert isinstance(loaded, dict)
    return loaded


def kustomize_build(folder: str) -> list[Manifest]:
    """`kustomize build` through the project's script, which builds kustomize when missing."""
    result = subprocess.run([str(KUSTOMIZE), "build", str(DEPLOY / "k8s" / folder)],
                            capture_output=True, text=True, timeout=280, check=False)
    assert result.returncode == 0, f"kustomize build {folder} failed:\n{result.stderr[-3000:]}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def by_kind(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


def one(manifests: list[Manifest], kind: str, prefix: str) -> Manifest:
    """The one manifest of `kind` whose name starts with `prefix` (generated names get a hash)."""
    found = [m for name, m in by_kind(manifests, kind).items() if name.startswith(prefix)]
    assert len(found) == 1, f"expected one {kind} named {prefix}*, found {len(found)}"
    return found[0]


def alert_rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]
