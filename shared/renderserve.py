"""What runs inside a render process (shared/renderpool.py): it lives and dies with its
parent, loads the parent's format modules, warms up, then answers batches of items in
groups, each item's progress written where the parent reads it."""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import structlog

from shared import formatplugins
from shared.logging import configure_logging

log = structlog.get_logger(__name__)
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
GROUP_ITEMS, GROUP_S = 64, 0.02  # a process sends its answers this many or this late


@dataclass(frozen=True)
class Raised:
    """What an item that raised gives: its exception, carried back by the pipe."""

    error: BaseException


def serve(conn: Connection, progress: Any, parent_pid: int, format_modules: tuple[str, ...],
          warm_up: Callable[[], object] | None, log_level: str, log_json: bool | None
          ) -> None:
    """A render process: arm the parent-death signal, load the parent's format modules,
    warm up, then answer batches forever.

    `warm_up` imports and runs once what the tasks will run, so a first task's budget is
    not spent importing or paging in cold code (0.5 s on a loaded 2-core machine)."""
    _serve_parent(parent_pid, log_level, log_json)
    formatplugins.load(format_modules)
    if warm_up is not None:
        warm_up()
    conn.send("ready")
    while True:
        try:
            fn, items, args = conn.recv()
        except EOFError:
            return
        _answer_all(conn, progress, fn, items, args)


def _answer_all(conn: Connection, progress: Any, fn: Callable[..., Any], items: list[Any],
                args: tuple[Any, ...]) -> None:
    """Each item's answer, sent in groups; `progress` says which item is being drawn and
    since when (the start first: a reader that sees the new index sees its start)."""
    group: list[Any] = []
    sent_at = time.monotonic()
    for index, item in enumerate(items):
        progress[1] = time.monotonic()
        progress[0] = float(index)
        group.append(_answer(fn, item, args))
        if len(group) >= GROUP_ITEMS or time.monotonic() - sent_at >= GROUP_S:
            conn.send(group)
            group, sent_at = [], time.monotonic()
    if group:
        conn.send(group)


def _answer(fn: Callable[..., Any], item: Any, args: tuple[Any, ...]) -> Any:
    try:
        return fn(item, *args)
    except Exception as exc:  # carried to the caller; a row's renderer converts its own
        log.exception("render task raised", error=repr(exc))
        return Raised(exc if _pickles(exc) else RuntimeError(repr(exc)))


def _pickles(exc: BaseException) -> bool:
    try:
        pickle.loads(pickle.dumps(exc))
    except (pickle.PickleError, TypeError, AttributeError, ValueError):
        return False
    return True


def _serve_parent(parent_pid: int, log_level: str, log_json: bool | None) -> None:
    """Run first in each render process: it lives and stops with its parent.

    Ctrl-C reaches the whole process group, but only the parent decides to stop; and if
    the parent dies, however it dies, the kernel kills this process too (Linux's
    parent-death signal), so no render process outlives it holding ~70 MB. A parent that
    died before the signal was armed is caught by the parent check that follows it.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure_logging(log_level, log_json)  # a warning from a render process is JSON too
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent_pid:
        os._exit(1)
