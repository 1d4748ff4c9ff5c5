"""Slow request bodies end in 408: a total deadline and a minimum rate, whoever reads them."""

from __future__ import annotations

import asyncio
import time

from aiohttp import web
from aiohttp.typedefs import Handler

from gateway.middleware import error_response
from gateway.resources import SETTINGS
from shared.errors import RequestTimeout
from shared.settings import Settings

CHECK_EVERY_S = 0.5


@web.middleware
async def body_deadline(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Watch the body while the handler runs; a body that falls behind is cut off.

    The watch raises into the body's stream, so a handler waiting on `read()` wakes with
    `RequestTimeout`; the 408 then closes the connection, whose unread rest is abandoned.
    """
    if not request.body_exists:
        return await handler(request)
    watch = asyncio.create_task(_watch(request, request.app[SETTINGS]))
    try:
        return await handler(request)
    except RequestTimeout as exc:
        response = error_response(exc.status, exc.message)
        response.force_close()
        return response
    finally:
        watch.cancel()


async def _watch(request: web.Request, settings: Settings) -> None:
    started = time.monotonic()
    body = request.content
    while not body.is_eof():
        await asyncio.sleep(CHECK_EVERY_S)
        late = too_slow(time.monotonic() - started, body.total_bytes,
                        request.content_length, settings)
        if late:
            body.set_exception(RequestTimeout(late))
            return


def too_slow(elapsed_s: float, received_bytes: int, length_bytes: int | None,
             settings: Settings) -> str | None:
    """Why a body that has taken `elapsed_s` to deliver `received_bytes` is cut off, if it is."""
    if elapsed_s > settings.body_timeout_s:
        return f"the request body took longer than {settings.body_timeout_s:g} s"
    owed_bytes = settings.body_min_bytes_per_s * (elapsed_s - settings.body_grace_s)
    if length_bytes is not None:
        owed_bytes = min(owed_bytes, length_bytes)
    if received_bytes < owed_bytes:
        return (f"the request body arrived slower than {settings.body_min_bytes_per_s} "
                f"bytes/s")
    return None
