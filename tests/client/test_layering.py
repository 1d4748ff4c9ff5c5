"""The client is for API callers: it imports only aiohttp, orjson, rich, the stdlib and the
delivery formats it shares with the servers (shared/formats, itself stdlib and orjson)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CLIENT = Path(__file__).resolve().parents[2] / "client"
ALLOWED = {"aiohttp", "orjson", "rich", "client"} | set(sys.stdlib_module_names)
SHARED_LEAF = "shared.formats"
SERVER_ONLY = {"gateway", "worker", "pydantic", "pymongo", "aio_pika", "segno", "ijson"}


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def _outside(names: set[str]) -> set[str]:
    return {name for name in names if name.split(".")[0] not in ALLOWED
            and name != SHARED_LEAF and not name.startswith(SHARED_LEAF + ".")}


def test_client_modules_import_only_what_callers_have() -> None:
    modules = sorted(CLIENT.glob("*.py"))
    assert len(modules) > 5
    for path in modules:
        assert _outside(_imported(path)) == set(), path.name


def test_the_check_refuses_the_rest_of_shared() -> None:
    assert _outside({"shared.formats.names", "shared.formats", "zlib", "client.aio"}) == set()
    assert _outside({"shared", "shared.rows.plan", "shared.formatsx"}) == {
        "shared", "shared.rows.plan", "shared.formatsx"}


def test_importing_the_client_loads_no_server_code() -> None:
    probe = ("import sys, client; print(' '.join(sorted(m for m in sys.modules "
             "if m.split('.')[0] in {'shared', " + ", ".join(map(repr, SERVER_ONLY)) + "})))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True, timeout=60, cwd=CLIENT.parent).stdout.split()
    assert "shared.formats.archive" in loaded  # what the folder export reads archives with
    assert [name for name in loaded if name not in ("shared", SHARED_LEAF)
            and not name.startswith(SHARED_LEAF + ".")] == []
