"""One middleware: errors to JSON answers (or a cut stream), one log line and metrics a request."""

from __future__ import annotations

import time
import uuid

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler

from gateway.apimodels import Error
from gateway.resources import METRICS
from shared.drivers import translated
from shared.errors import BadRequest, ClientError, PublishFailed, ServerUnavailable
from shared.logging import get_logger

log = get_logger(__name__)
REDIRECT_ROUTE = "/r/{code}"
API_PREFIX = "/api/"
SHOWN_CHARS = 200  # of the repeated names echoed in a 400


def error_response(status: int, message: str, retry_after_s: int | None = None) -> web.Response:
    headers = {"Retry-After": str(retry_after_s)} if retry_after_s is not None else None
    body = Error(error=message, status=status).model_dump()  # the documented shape
    return web.json_response(body, status=status, headers=headers)


@web.middleware
async def handle_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    route = request.match_info.route.resource
    route_name = route.canonical if route is not None else "unmatched"
    logged = route_name != REDIRECT_ROUTE  # redirects are counted, not logged one by one
    if logged:
        structlog.contextvars.bind_contextvars(request_id=uuid.uuid4().hex[:12])
    status = 500
    try:
        response = await _answer(request, handler)
        status = response.status
        return response
    finally:
        duration_s = time.perf_counter() - started
        metrics = request.app[METRICS]
        metrics.requests.labels(route_name, request.method, str(status)).inc()
        metrics.latency.labels(route_name).observe(duration_s)
        if logged:
            log.info("request", method=request.method, route=route_name, status=status,
                     duration_ms=round(duration_s * 1000, 1))
            structlog.contextvars.clear_contextvars()


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The handler's answer, or the JSON answer for what it raised from the project's tree
    (driver exceptions are translated to it by the adapters' own tables first)."""
    try:
        _refuse_repeated(request)
        return await _unless_started(request, handler)
    except ClientError as exc:
        return error_response(exc.status, exc.message, exc.retry_after_s)
    except web.HTTPException as exc:
        if exc.status >= 400 and exc.content_type != "application/json":
            return error_response(exc.status, exc.reason)
        raise
    except PublishFailed as exc:
        log.error("publish failed", error=str(exc))
        return error_response(500, "the batch could not be queued; nothing was kept, retry")
    except ServerUnavailable as exc:
        log.error("backing server failed", error=str(exc))
        return error_response(503, "a backing service is unavailable; retry shortly", 5)
    except Exception:
        log.exception("unexpected failure")
        return error_response(500, "internal error")


async def _unless_started(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The handler's answer; what it raises once bytes of its answer are out cuts the
    connection (`_cut_off`), for every streaming route alike."""
    try:
        with translated():
            return await handler(request)
    except Exception as exc:
        # aiohttp's own test for "the answer has started" (web_protocol.handle_error).
        if request.writer.output_size == 0:
            raise
        return _cut_off(request, exc)


def _cut_off(request: web.Request, exc: Exception) -> web.StreamResponse:
    """A failure after the status line went out: a second answer would be read as part of
    the body, so the connection is aborted (no final chunk, never reused) and the client
    sees a cut. The answer returned is never sent: the transport is closing."""
    log.error("streamed answer cut off", error=repr(exc), sent_bytes=request.writer.output_size)
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=500)


def _refuse_repeated(request: web.Request) -> None:
    """No /api/ parameter is documented as repeatable, and the handlers read one value
    each: a repeated one would be taken silently as its first value."""
    if not request.path.startswith(API_PREFIX):
        return
    query = request.query
    repeated = sorted({key for key in query if len(query.getall(key)) > 1})
    if repeated:
        raise BadRequest(f"query parameter {', '.join(repeated)[:SHOWN_CHARS]} is repeated; "
                         "give each at most once")
