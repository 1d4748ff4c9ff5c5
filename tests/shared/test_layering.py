"""The dependency rule: gateway → shared ← worker; shared imports neither, they not each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "shared": {"gateway", "worker", "cli", "client", "aiohttp.web"},
    "gateway": {"worker", "cli"},
    "worker": {"gateway", "cli"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def violations(package: str) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in imported_modules(path):
            for banned in FORBIDDEN[package]:
                if name == banned or name.startswith(banned + "."):
                    found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_respects_dependency_rule(package: str) -> None:
    assert (ROOT / package / "__init__.py").exists()
    assert violations(package) == []


def test_checker_catches_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from gateway.app import create_app\nimport worker.main\n")
    assert {"gateway.app", "worker.main"} <= imported_modules(bad)


def test_every_module_opens_with_a_docstring() -> None:
    missing = [
        str(path.relative_to(ROOT))
        for package in ("shared", "gateway", "worker", "cli", "client")
        for path in (ROOT / package).rglob("*.py")
        if ast.get_docstring(ast.parse(path.read_text())) is None
    ]
    assert missing == []


DRIVER = ("pymongo", "bson")


def driver_importers() -> set[str]:
    found = set()
    for package in ("shared", "gateway", "worker", "cli", "client", "bench"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative.parts[:2] == ("shared", "store"):
                continue
            if any(name == d or name.startswith(d + ".")
                   for name in imported_modules(path) for d in DRIVER):
                found.add(str(relative))
    return found


def test_only_the_store_imports_the_database_driver() -> None:
    assert driver_importers() == set()


def test_the_driver_check_sees_an_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from pymongo import ReturnDocument\nimport bson\n")
    names = imported_modules(bad)
    assert any(n == "pymongo" or n.startswith("pymongo.") for n in names)
    assert "bson" in names
