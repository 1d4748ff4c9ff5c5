"""shared/ has no import cycle: its import graph, read with ast from every import statement, walked.

An import inside a function counts as much as one at the top of a module: deferring it
only hides the cycle until the function runs. Importing `a.b.c` also runs the packages
`a.b` and `a`, so those are edges too, except a package the importer itself is inside
(it is already being imported when its submodule runs).
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
Graph = Mapping[str, Collection[str]]


def find_cycle(graph: Graph) -> list[str] | None:
    """One cycle of `graph` as the path that closes it (`[a, b, a]`), or None if there is
    none. Edges to names that are not keys of `graph` are ignored."""
    done: set[str] = set()
    for start in sorted(graph):
        if start not in done:
            cycle = _cycle_from(graph, start, done)
            if cycle is not None:
                return cycle
    return None


def _cycle_from(graph: Graph, start: str, done: set[str]) -> list[str] | None:
    """Depth first from `start` without recursion; every node finished goes into `done`."""
    path, pending = [start], [iter(sorted(graph[start]))]
    while pending:
        following = next(pending[-1], None)
        if following is None:
            done.add(path.pop())
            pending.pop()
        elif following in path:
            return [*path[path.index(following):], following]
        elif following in graph and following not in done:
            path.append(following)
            pending.append(iter(sorted(graph[following])))
    return None


def modules_of(root: Path, package: str) -> dict[str, Path]:
    """Each module's dotted name under `root/package`, a package named by its folder."""
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported_modules(tree: ast.AST, module: str, is_package: bool,
                     modules: Collection[str]) -> set[str]:
    """Every module an import anywhere in `tree` names, absolute (a relative import is
    resolved against `module`): `from a import b` names the module `a.b` if there is one,
    else `a`, where the name b is defined."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, is_package)
            names |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                      for alias in node.names}
    return names


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    anchor = module.split(".") if is_package else module.split(".")[:-1]
    anchor = anchor[:len(anchor) - (node.level - 1)]
    return ".".join([*anchor, node.module] if node.module else anchor)


def _with_packages(name: str, importer: str) -> Iterator[str]:
    """`name` and the packages above it that importing it runs, but the importer's own."""
    parts = name.split(".")
    for end in range(1, len(parts) + 1):
        prefix = ".".join(parts[:end])
        if end == len(parts) or not (importer == prefix or importer.startswith(prefix + ".")):
            yield prefix


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Each module of `package` -> the modules of `package` that importing it may run."""
    modules = modules_of(root, package)
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        named = imported_modules(tree, name, path.name == "__init__.py", modules.keys())
        loaded = {prefix for imported in named for prefix in _with_packages(imported, name)}
        graph[name] = (loaded & modules.keys()) - {name}
    return graph


def test_shared_has_no_import_cycle() -> None:
    graph = import_graph(ROOT, "shared")
    assert "shared.errors" in graph and "shared.store.errors" in graph
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_a_cycle_is_found_and_named_as_the_path_that_closes_it() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"x": {"a"}, "a": {"b"}, "b": {"a", "z"}}) == ["a", "b", "a"]
    assert find_cycle({"a": {"a"}}) == ["a", "a"]


def test_a_graph_without_a_cycle_has_none() -> None:
    assert find_cycle({}) is None
    assert find_cycle({"a": {"b", "c"}, "b": {"d"}, "c": {"d"}, "d": set()}) is None
    assert find_cycle({"a": {"outside"}, "b": {"a", "elsewhere"}}) is None


def write_package(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_an_import_deferred_into_a_function_still_makes_a_cycle(tmp_path: Path) -> None:
    write_package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/errors.py": "def judge():\n    from pkg.drivers import translate\n",
        "pkg/drivers.py": "from pkg.errors import judge\n",
        "pkg/leaf.py": "import json\nfrom pkg import errors\n",
    })
    graph = import_graph(tmp_path, "pkg")
    assert graph == {"pkg": set(), "pkg.errors": {"pkg.drivers"},
                     "pkg.drivers": {"pkg.errors"}, "pkg.leaf": {"pkg.errors"}}
    assert find_cycle(graph) == ["pkg.drivers", "pkg.errors", "pkg.drivers"]


def test_relative_imports_and_the_packages_an_import_runs_are_edges(tmp_path: Path) -> None:
    write_package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from .sub import b\n",
        "pkg/sub/__init__.py": "from . import b\nfrom ..c import thing\n",
        "pkg/sub/b.py": "from .. import c\n",
        "pkg/c.py": "import pkg.sub.b\n",
    })
    graph = import_graph(tmp_path, "pkg")
    assert graph["pkg.a"] == {"pkg.sub", "pkg.sub.b"}
    assert graph["pkg.sub"] == {"pkg.sub.b", "pkg.c"}
    assert graph["pkg.sub.b"] == {"pkg.c"}
    assert graph["pkg.c"] == {"pkg.sub", "pkg.sub.b"}
    assert find_cycle(graph) == ["pkg.sub", "pkg.c", "pkg.sub"]
