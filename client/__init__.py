"""A typed Python client for the bulkqr HTTP API (async, with a thin sync wrapper)."""

from client.aio import BulkQRClient
from client.config import ClientConfig
from client.errors import (
    ApiError,
    BadRequest,
    BulkQRClientError,
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    PayloadTooLarge,
    ProtocolError,
    ServerError,
    TooManyRequests,
    TransportError,
    Unauthorized,
    WaitTimeout,
)
from client.export import ExportSummary, export_archive
from client.models import BulkStatus, Page
from client.policy import Backoff, RetryPolicy
from client.sync import BulkQRSyncClient

__all__ = [
    "ApiError", "Backoff", "BadRequest", "BulkQRClient", "BulkQRClientError",
    "BulkQRSyncClient", "BulkStatus", "ClientConfig", "Conflict", "ExportSummary",
    "Forbidden", "Gone", "NotFound", "Page", "PayloadTooLarge", "ProtocolError",
    "RetryPolicy", "ServerError", "TooManyRequests", "TransportError", "Unauthorized",
    "WaitTimeout", "export_archive",
]
