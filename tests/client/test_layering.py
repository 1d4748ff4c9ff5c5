"""The client is for API callers: it imports only aiohttp, orjson, rich and the stdlib."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CLIENT = Path(__file__).resolve().parents[2] / "client"
ALLOWED = {"aiohttp", "orjson", "rich", "client"} | set(sys.stdlib_module_names)


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_client_modules_import_only_what_callers_have() -> None:
    modules = sorted(CLIENT.glob("*.py"))
    assert len(modules) > 5
    for path in modules:
        assert _imported(path) <= ALLOWED, f"{path.name}: {_imported(path) - ALLOWED}"


def test_importing_the_client_loads_no_server_code() -> None:
    probe = ("import sys, client; print(sorted({m.split('.')[0] for m in sys.modules} & "
             "{'shared', 'gateway', 'worker', 'pydantic', 'pymongo', 'aio_pika', 'segno'}))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True, timeout=60)
    assert loaded.stdout.strip() == "[]"
