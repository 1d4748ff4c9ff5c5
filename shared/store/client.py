"""The MongoDB client (PyMongo's async API) and the types the repositories share."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.monitoring import CommandListener

from shared.settings import Settings
from shared.store.monitor import ShapeRecorder

Doc = dict[str, Any]
Database = AsyncDatabase[Doc]
Collection = AsyncCollection[Doc]
Client = AsyncMongoClient[Doc]

SELECTION_TIMEOUT_MS = 5000
CONNECT_TIMEOUT_MS = 5000


def open_client(settings: Settings, listeners: list[CommandListener] | None = None) -> Client:
    """A client with the deployment's retry and concern settings (docs/operations.md);
    with `settings.store_command_log` set (tests), every query's shape is recorded there."""
    watchers = list(listeners or [])
    if settings.store_command_log:
        watchers.append(ShapeRecorder(settings.store_command_log))
    options: dict[str, Any] = {
        "retryWrites": settings.mongo_retry_writes,
        "w": "majority" if settings.mongo_write_concern == "majority" else 1,
        "readConcernLevel": settings.mongo_read_concern,
    }
    return AsyncMongoClient(
        settings.mongo_url.get_secret_value(),
        serverSelectionTimeoutMS=SELECTION_TIMEOUT_MS,
        connectTimeoutMS=CONNECT_TIMEOUT_MS,
        tz_aware=True,
        event_listeners=watchers,
        **options,
    )
