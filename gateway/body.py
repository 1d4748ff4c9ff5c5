"""Read a request body under a byte cap and parse it as JSON, answering 4xx for anything odd."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gateway.strictjson import loads_strict
from shared.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

JSON_TYPES = ("application/json", "text/json")
MIB = 1024 * 1024


async def read_capped(request: web.Request, max_bytes: int) -> bytes:
    """The whole (small) body as bytes; see read_body."""
    return bytes(await read_body(request, max_bytes))


async def read_body(request: web.Request, max_bytes: int) -> bytearray:
    """The whole body, refused with 413 as soon as it passes `max_bytes` (before reading
    anything when Content-Length already says so). Not copied once read."""
    if request.content_length is not None and request.content_length > max_bytes:
        raise PayloadTooLarge(too_large(max_bytes))
    length = request.content_length
    if length is not None:  # filled in place: a growing buffer would be copied as it grows
        body = bytearray(length)
        view, size = memoryview(body), 0
        async for piece in request.content.iter_chunked(256 * 1024):
            view[size:size + len(piece)] = piece
            size += len(piece)
        view.release()
        return body
    body = bytearray()
    async for piece in request.content.iter_chunked(256 * 1024):
        body += piece
        if len(body) > max_bytes:
            raise PayloadTooLarge(too_large(max_bytes))
    return body


def too_large(max_bytes: int) -> str:
    """The 413's message: the limit in MB, or in KB below one (a 64 KB limit is not "0 MB")."""
    if max_bytes >= MIB:
        return f"body is over the {max_bytes / MIB:g} MB limit"
    return f"body is over the {max_bytes / 1024:g} KB limit"


def require_json_type(request: web.Request) -> None:
    ctype = request.headers.get("Content-Type")
    if ctype is None:
        return
    mime = request.content_type
    if mime not in JSON_TYPES and not mime.endswith("+json"):
        raise UnsupportedMediaType(f"Content-Type must be application/json, not {mime}")


def parse_json(body: bytes) -> Any:
    """Strict JSON: invalid UTF-8, lone surrogates, NaN/Infinity, nesting past 1024 levels
    and objects that repeat a key (at any depth) are all 400s."""
    if not body.strip():
        raise BadRequest("body is empty")
    return loads_strict(body)
