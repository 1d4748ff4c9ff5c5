"""Loading the image-format modules a deployment names (BULKQR_FORMAT_MODULES) at start.

Each module registers its format when imported (shared/formats/registry.py `register`).
The gateway and the worker load them before they serve; a render pool's processes load
those their parent loaded (shared/renderpool.py). A module that fails to import, or
registers a format clashing with one already there, stops the start with FormatModuleError.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from shared.formats.registry import FormatClash

_loaded: list[str] = []


class FormatModuleError(RuntimeError):
    """A format module that could not be loaded: the process must not start without it."""


def load(module_names: Iterable[str]) -> None:
    """Import each module (once); FormatModuleError naming the one that failed and why."""
    for name in module_names:
        if name in _loaded:
            continue
        try:
            importlib.import_module(name)
        except FormatClash as exc:
            raise FormatModuleError(
                f"format module {name!r} (BULKQR_FORMAT_MODULES) clashes: {exc}") from exc
        except Exception as exc:  # any failure of a deployment's module stops the start
            raise FormatModuleError(
                f"format module {name!r} (BULKQR_FORMAT_MODULES) failed to load: {exc!r}"
            ) from exc
        _loaded.append(name)


def loaded() -> tuple[str, ...]:
    """The modules loaded so far in this process, for the processes it starts."""
    return tuple(_loaded)
