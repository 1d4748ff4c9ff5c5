"""The dependency rule: gateway → shared ← worker; shared imports neither, they neither each
other nor the client SDK; shared/formats, which the client imports too, is a leaf."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "shared": {"gateway", "worker", "cli", "client", "aiohttp.web"},
    "gateway": {"worker", "cli", "client"},
    "worker": {"gateway", "cli", "client"},
}
LEAF = "shared.formats"
# What the leaf may import besides itself: what the client SDK's callers have anyway.
LEAF_MAY_IMPORT = frozenset(sys.stdlib_module_names) | {"orjson"}


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


def leaf_violations(path: Path) -> list[str]:
    """What a module of shared/formats imports from outside it, the stdlib and orjson (a
    relative import counts: it could climb out)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = [f"line {node.lineno}: a relative import" for node in ast.walk(tree)
             if isinstance(node, ast.ImportFrom) and node.level > 0]
    for name in sorted(imported_modules(path)):
        if name.split(".")[0] not in LEAF_MAY_IMPORT and not _in_leaf(name):
            found.append(f"imports {name}")
    return found


def _in_leaf(name: str) -> bool:
    return name == LEAF or name.startswith(LEAF + ".")


def leaf_modules() -> list[Path]:
    return sorted((ROOT / "shared" / "formats").rglob("*.py"))


def test_the_formats_leaf_imports_only_itself_the_stdlib_and_orjson() -> None:
    assert len(leaf_modules()) >= 8
    found = {str(path.relative_to(ROOT)): leaf_violations(path) for path in leaf_modules()}
    assert {path: names for path, names in found.items() if names} == {}


def test_the_leaf_check_catches_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import ijson\nfrom shared.rows.plan import uid_of\nfrom .. import keys\n"
                   "import zlib\nimport orjson\nfrom shared.formats.names import safe_stem\n")
    assert leaf_violations(bad) == ["line 3: a relative import", "imports ijson",
                                    "imports shared.rows.plan", "imports shared.rows.plan.uid_of"]


def test_importing_the_leaf_loads_nothing_else_of_ours_nor_third_party_but_orjson() -> None:
    """What the imports above cannot see: a package's __init__ that imports more."""
    modules = [".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
               for path in leaf_modules()]
    probe = (f"import sys; before = set(sys.modules); import {', '.join(modules)}; "
             "print('\\n'.join(sorted(set(sys.modules) - before)))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True, timeout=60, cwd=ROOT).stdout.split()
    assert f"{LEAF}.ziprows" in loaded
    outside = [name for name in loaded if not _in_leaf(name) and name != "shared"
               and name.split(".")[0] not in LEAF_MAY_IMPORT]
    assert outside == []


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
