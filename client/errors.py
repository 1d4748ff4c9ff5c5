"""The client's exception tree, and the mapping from an HTTP error answer to one of its types.

    BulkQRClientError
    ├── ApiError               the server answered with an error; `status`, `message`
    │   ├── BadRequest             400
    │   ├── Unauthorized           401
    │   ├── Forbidden              403
    │   ├── NotFound               404
    │   ├── Conflict               409
    │   ├── Gone                   410
    │   ├── PayloadTooLarge        413
    │   ├── TooManyRequests        429  (`retry_after_s` when the server sent one)
    │   └── ServerError            5xx  (retried on idempotent calls before it is raised)
    ├── TransportError         no complete answer: refused, reset, cut mid-body, timed out
    ├── ProtocolError          an answer that does not follow the API contract
    └── WaitTimeout            the batch was still processing when `wait` gave up
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:
    from client.models import BulkStatus


class BulkQRClientError(Exception):
    """Root of every error the client raises on purpose."""


class ApiError(BulkQRClientError):
    """An error answer; `message` is the server's own words."""

    def __init__(self, status: int, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(f"{message} (HTTP {status})")
        self.status = status
        self.message = message
        self.retry_after_s = retry_after_s


class BadRequest(ApiError):
    """400: the request (body, id, limit or cursor) is invalid."""


class Unauthorized(ApiError):
    """401: missing or unknown client-id / api-key."""


class Forbidden(ApiError):
    """403: the subscription is disabled or the key was revoked."""


class NotFound(ApiError):
    """404: no such bulk under this subscription."""


class Conflict(ApiError):
    """409: the Idempotency-Key was already used with another body (or its first use failed)."""


class Gone(ApiError):
    """410: the archive was already downloaded, or is not ready yet."""


class PayloadTooLarge(ApiError):
    """413: the body is over the server's size limit."""


class TooManyRequests(ApiError):
    """429: quota used up, or calls too frequent."""


class ServerError(ApiError):
    """5xx: the server could not do it now; safe calls are retried before this is raised."""


class TransportError(BulkQRClientError):
    """The connection failed, was cut, or timed out before a complete answer arrived."""


class ProtocolError(BulkQRClientError):
    """The server's answer does not have the shape the API contract promises."""


class WaitTimeout(BulkQRClientError):
    """`wait` ran out of time; `last` is the last status seen."""

    def __init__(self, last: BulkStatus, timeout_s: float) -> None:
        super().__init__(f"{last.bulk_id} is still {last.status} after {timeout_s:g} s")
        self.last = last


BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict,
    410: Gone, 413: PayloadTooLarge, 429: TooManyRequests,
}
MAX_MESSAGE_CHARS = 500


def error_for(status: int, body: bytes, retry_after: str | None = None) -> ApiError:
    """The typed error for an error answer, carrying the server's message."""
    kind = ServerError if status >= 500 else BY_STATUS.get(status, ApiError)
    return kind(status, server_message(status, body), _seconds(retry_after))


def server_message(status: int, body: bytes) -> str:
    """`error` from the JSON error body, else the body's text, else a generic phrase."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("error"), str) and data["error"]:
        return str(data["error"])[:MAX_MESSAGE_CHARS]
    text = body.decode("utf-8", "replace").strip()
    return text[:MAX_MESSAGE_CHARS] if text else f"the server answered HTTP {status}"


def _seconds(header: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is rare for APIs and is ignored)."""
    if header is None:
        return None
    try:
        value = float(header)
    except ValueError:
        return None
    return value if value >= 0 else None
