"""PyMongo's exceptions, translated into the project's error tree at the store's boundary."""

from __future__ import annotations

import contextlib

from pymongo.errors import (
    BulkWriteError,
    ConnectionFailure,
    DuplicateKeyError,
    ExecutionTimeout,
    OperationFailure,
)

from shared.errors import AlreadyExists, BulkQRError, StoreUnavailable, map_exceptions

DUPLICATE_KEY = 11000
NOT_IMPLEMENTED = 238  # FerretDB's answer to an option it lacks (e.g. TTL indexes)
NAMESPACE_EXISTS = 48
SHUTDOWN_CODES = frozenset({91, 189, 11600, 11602})  # shutting down, stepping down


def store_error(exc: BaseException) -> BulkQRError | None:
    """The project's name for a PyMongo exception, or None for one that is a bug."""
    if is_duplicate_key(exc):
        return AlreadyExists(str(exc))
    if isinstance(exc, ConnectionFailure | ExecutionTimeout) or (
        isinstance(exc, OperationFailure) and exc.code in SHUTDOWN_CODES
    ):
        return StoreUnavailable(f"MongoDB: {exc}")
    return None


def store_errors() -> contextlib.AbstractContextManager[None]:
    """Translate PyMongo's exceptions raised inside the block into the project's tree."""
    return map_exceptions(store_error)


def is_duplicate_key(exc: BaseException) -> bool:
    """A lost unique insert: one duplicate, or a bulk insert whose only errors are those."""
    if isinstance(exc, DuplicateKeyError):
        return True
    errors = exc.details.get("writeErrors", []) if isinstance(exc, BulkWriteError) else []
    return bool(errors) and all(e.get("code") == DUPLICATE_KEY for e in errors)


def failed_indexes(exc: BaseException) -> set[int]:
    """The positions a bulk write refused (empty for any other exception)."""
    errors = exc.details.get("writeErrors", []) if isinstance(exc, BulkWriteError) else []
    return {e["index"] for e in errors}


def error_code(exc: BaseException) -> int | None:
    """The server's numeric code for a refused command, None for anything else."""
    return exc.code if isinstance(exc, OperationFailure) else None
