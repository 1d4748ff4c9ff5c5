"""The one exception tree of bulkqr; gateway and worker map it to HTTP and to broker actions.

    BulkQRError
    ├── ClientError            (HTTP 4xx; never retried)
    │   ├── BadRequest             400
    │   ├── Unauthorized           401
    │   ├── Forbidden              403
    │   ├── NotFound               404
    │   ├── Conflict               409
    │   ├── Gone                   410
    │   ├── PayloadTooLarge        413
    │   └── TooManyRequests        429
    ├── IllegalTransition      (a status change the state machine forbids)
    ├── Superseded             (another delivery already finished this work; drop it)
    └── StoreUnavailable       (MongoDB, RabbitMQ or S3 failed; retried, then HTTP 503/500)
        └── PublishFailed          the broker did not confirm a publish
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ParamValidationError
from botocore.exceptions import ClientError as BotoClientError
from pymongo.errors import ConnectionFailure, OperationFailure


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


class Conflict(ClientError):
    status = 409


class Gone(ClientError):
    status = 410


class PayloadTooLarge(ClientError):
    status = 413


class TooManyRequests(ClientError):
    status = 429


class IllegalTransition(BulkQRError):
    """An order status change that the transition table does not allow."""


class Superseded(BulkQRError):
    """The batch was completed by other deliveries while this one worked: its work is
    not needed, and what it charged has been given back."""


class StoreUnavailable(BulkQRError):
    """A backing server (MongoDB, RabbitMQ, S3) failed or did not answer."""


class PublishFailed(StoreUnavailable):
    """The broker refused, returned or did not confirm a message."""


def is_transient(exc: BaseException) -> bool:
    """True for failures of a server or the network, which retrying can cure, as opposed
    to failures of the message itself."""
    if isinstance(exc, StoreUnavailable | ConnectionFailure | ConnectionError | TimeoutError):
        return True
    if isinstance(exc, OperationFailure):
        return exc.code in {91, 189, 11600, 11602}  # shutdown and step-down codes
    if isinstance(exc, BotoClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return int(status) >= 500
    return isinstance(exc, BotoCoreError) and not isinstance(exc, ParamValidationError)
