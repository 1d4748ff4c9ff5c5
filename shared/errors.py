"""The one exception tree of bulkqr; gateway and worker map it to HTTP and to broker actions.

    BulkQRError
    ├── ClientError            (HTTP 4xx, or 503 when busy; never retried)
    │   ├── BadRequest             400
    │   ├── Unauthorized           401
    │   ├── Forbidden              403
    │   ├── NotFound               404
    │   ├── RequestTimeout         408
    │   ├── Conflict               409
    │   ├── Gone                   410
    │   ├── PayloadTooLarge        413
    │   ├── UnsupportedMediaType   415
    │   ├── TooManyRequests        429
    │   └── Busy                   503 with Retry-After: the gateway is at capacity
    ├── RowInvalid             (also a ValueError: a row refused; it fails with 400)
    ├── NotScannable           (a rendered code did not read back; the row fails with 500)
    ├── IllegalTransition      (a status change the state machine forbids)
    ├── Superseded             (another delivery already finished this work; drop it)
    ├── MessageInvalid         (a body that is not a message of its queue; dead-lettered)
    ├── AlreadyExists          (a unique insert lost: that `_id` was created first elsewhere)
    ├── ObjectMissing          (the object store has no object under that key)
    └── ServerUnavailable      (a backing server failed; retried, then HTTP 503)
        ├── StoreUnavailable       MongoDB
        ├── BrokerUnavailable      RabbitMQ
        │   └── PublishFailed          the broker did not confirm a publish (HTTP 500)
        └── ObjectStoreUnavailable S3

Outside the tree on purpose: shared/renderpool.py's RenderCrashed is a
concurrent.futures.BrokenExecutor (a render process died: the chunk is retried, as for any
broken pool), and its RenderTimedOut becomes the row's RowInvalid where it is caught;
shared/formats/archive.py's UnknownImageFormat is a ValueError (shared/formats is a leaf that
imports nothing of the project), dead-lettered by the consume table as a MessageInvalid is.

Nothing outside the tree crosses an adapter: shared/store/errors.py, shared/amqp.py and
shared/s3.py translate their driver's exceptions where they call it (httpx's
`map_exceptions` is the model). shared/drivers.py holds their tables as one: `translated()`
applies them at the edge of a request or a message, for code that uses a driver handle
directly, and `is_transient()` says by them whether retrying can cure a failure. This
module imports nothing of the project, so every adapter can import it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

Translation = Callable[[BaseException], "BaseException | None"]


class BulkQRError(Exception):
    """Root of every error bulkqr raises on purpose."""


class ClientError(BulkQRError):
    """The caller sent something wrong; the message is safe to show them."""

    status = 400

    def __init__(self, message: str, *, retry_after_s: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after_s = retry_after_s


class BadRequest(ClientError):
    status = 400


class Unauthorized(ClientError):
    status = 401


class Forbidden(ClientError):
    status = 403


class NotFound(ClientError):
    status = 404


class RequestTimeout(ClientError):
    status = 408


class Conflict(ClientError):
    status = 409


class Gone(ClientError):
    status = 410


class PayloadTooLarge(ClientError):
    status = 413


class UnsupportedMediaType(ClientError):
    status = 415


class TooManyRequests(ClientError):
    status = 429


class Busy(ClientError):
    """The gateway is at capacity (body budget, render queue): 503, retry later."""

    status = 503


class RowInvalid(BulkQRError, ValueError):
    """A row cannot be rendered; the message names the field and goes back to the caller.
    Still a ValueError, as it was before it joined the tree, for callers that catch that."""


class NotScannable(BulkQRError):
    """A rendered code did not read back as its payload (opt-in verification)."""


class IllegalTransition(BulkQRError):
    """An order status change that the transition table does not allow."""


class Superseded(BulkQRError):
    """The batch was completed by other deliveries while this one worked: its work is
    not needed, and what it charged has been given back."""


class MessageInvalid(BulkQRError):
    """A queue's body is not a message of that queue: no delivery of it can ever be handled."""


class AlreadyExists(BulkQRError):
    """A unique-index insert found its `_id` taken: another writer won that decision."""


class ObjectMissing(BulkQRError):
    """The object store answered, and has no object under the key asked for."""


class ServerUnavailable(BulkQRError):
    """A backing server (MongoDB, RabbitMQ, S3) failed or did not answer."""


class StoreUnavailable(ServerUnavailable):
    """MongoDB did not answer, timed out, or is stepping down."""


class BrokerUnavailable(ServerUnavailable):
    """RabbitMQ refused or dropped the connection, or did not answer in time."""


class PublishFailed(BrokerUnavailable):
    """The broker refused, returned or did not confirm a message."""


class ObjectStoreUnavailable(ServerUnavailable):
    """The S3 server failed, throttled, or the connection to it broke."""


@contextmanager
def map_exceptions(translate: Translation) -> Iterator[None]:
    """Re-raise what `translate` recognises as the project's exception (chained to the
    original); let everything else through unchanged."""
    try:
        yield
    except Exception as exc:
        mapped = translate(exc)
        if mapped is None or mapped is exc:
            raise
        raise mapped from exc
