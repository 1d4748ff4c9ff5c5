"""structlog configured once, for every log line: JSON lines off a TTY, readable lines on one.

Our own lines and the libraries' stdlib records (aiohttp, aio-pika, aiormq, PyMongo,
botocore) go through one `structlog.stdlib.ProcessorFormatter`, so each line is one JSON
object with `level`, `logger`, `event` and `timestamp`, and an exception is a structured
`exception` field rather than text between the lines (structlog's "Standard Library
Logging" recipe).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

import structlog

# The libraries chatter at INFO and DEBUG; their warnings are what an operator needs,
# unless the whole service runs at debug level.
LIBRARIES = ("aiohttp", "aio_pika", "aiormq", "pymongo", "botocore", "aiobotocore", "asyncio")

# Locals stay out of tracebacks: they hold rows, passwords and tokens.
TRACEBACKS = structlog.processors.ExceptionRenderer(
    structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
)
SHARED: list[structlog.typing.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_logging(level: str = "info", json_lines: bool | None = None) -> None:
    """Route structlog and stdlib logging to stderr in one format."""
    if json_lines is None:
        json_lines = not sys.stderr.isatty()
    level_no = logging.getLevelNamesMapping()[level.upper()]
    structlog.configure(
        processors=[*SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.make_filtering_bound_logger(level_no),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(json_lines))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level_no)
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(
            level_no if level_no <= logging.DEBUG else max(level_no, logging.WARNING)
        )
    logging.captureWarnings(True)
    _route_uncaught()


def formatter(json_lines: bool) -> structlog.stdlib.ProcessorFormatter:
    """The one formatter every record passes, structlog's or a library's."""
    final: list[structlog.typing.Processor] = (
        [TRACEBACKS, structlog.processors.JSONRenderer()]
        if json_lines else [structlog.dev.ConsoleRenderer()]
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=SHARED,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *final],
    )


def _route_uncaught() -> None:
    """Uncaught and unraisable exceptions, which Python would print as bare tracebacks,
    become lines of the same stream with the traceback as their `exception` field."""
    log = logging.getLogger("bulkqr.uncaught")

    def uncaught(kind: type[BaseException], exc: BaseException,
                 tb: TracebackType | None) -> None:
        log.critical("uncaught exception", exc_info=(kind, exc, tb))

    def unraisable(info: sys.UnraisableHookArgs) -> None:
        exc = info.exc_value or info.exc_type()
        log.error(f"{info.err_msg or 'exception ignored'}: {info.object!r}",
                  exc_info=(info.exc_type, exc, info.exc_traceback))

    def in_thread(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is not SystemExit:
            exc = args.exc_value or args.exc_type()
            log.critical(f"uncaught exception in thread {args.thread and args.thread.name}",
                         exc_info=(args.exc_type, exc, args.exc_traceback))

    sys.excepthook, sys.unraisablehook, threading.excepthook = uncaught, unraisable, in_thread


def get_logger(name: str) -> structlog.typing.FilteringBoundLogger:
    """A logger bound to its module's name (the `logger` field of each line)."""
    return structlog.get_logger(name)  # type: ignore[no-any-return]


@contextmanager
def timed(field: str) -> Iterator[None]:
    """Bind how long the block took, in ms, as `field` of the lines logged after it (such
    as a request's canonical line)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        structlog.contextvars.bind_contextvars(**{field: elapsed_ms})
