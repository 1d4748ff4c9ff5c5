"""Every adapter's exception table as one: a driver exception named as the project names it."""

from __future__ import annotations

import contextlib

from shared.amqp import broker_error
from shared.errors import BulkQRError, ServerUnavailable, map_exceptions
from shared.s3 import object_store_error
from shared.store import store_error

TABLES = (store_error, broker_error, object_store_error)


def translate(exc: BaseException) -> BaseException:
    """`exc` as the project names it: itself if it is ours or no adapter knows it."""
    if isinstance(exc, BulkQRError):
        return exc
    for table in TABLES:
        mapped = table(exc)
        if mapped is not None:
            return mapped
    return exc


def is_transient(exc: BaseException) -> bool:
    """True for failures of a server or the network, which retrying can cure, as opposed
    to failures of the message itself. A driver exception that escaped its adapter is
    judged by the adapter's own translation table."""
    return isinstance(translate(exc), ServerUnavailable | ConnectionError | TimeoutError)


def translated() -> contextlib.AbstractContextManager[None]:
    """Around a request or a message handler that uses driver handles (collections,
    channels) directly: what escapes comes out in the project's tree."""
    return map_exceptions(translate)
