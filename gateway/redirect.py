"""GET/POST /r/{code}: answer a short link from a per-process cache, falling back to its shard.

Expired links answer 410; secured links answer a password form first, and only the
right password redirects. Every redirect is counted (see scans.py).
"""

from __future__ import annotations

import asyncio
import time

from aiohttp import web

from gateway import pages
from gateway.linkcache import LinkCache
from gateway.resources import DB, METRICS
from gateway.scans import SCANS
from shared.links import find_link
from shared.mongo import Doc
from shared.passwords import check_password

LINK_CACHE = web.AppKey("link_cache", LinkCache)
GUESSES = web.AppKey("password_guesses", dict[tuple[str, str], list[float]])
MAX_WRONG_PER_MINUTE = 5


async def resolve(request: web.Request, code: str) -> Doc | None:
    """The link that decides where `code` goes (a source link resolves to its parent)."""
    cache = request.app[LINK_CACHE]
    hit, doc = cache.get(code)
    if not hit:
        doc = await find_link(request.app[DB], code)
        if doc is not None and doc.get("parent"):
            parent = await find_link(request.app[DB], doc["parent"])
            doc = None if parent is None else {**parent, "scanCode": code}
        cache.put(code, doc)
    return doc


async def redirect(request: web.Request) -> web.StreamResponse:
    code, link = request.match_info["code"], await _usable_link(request)
    if isinstance(link, web.Response):
        return link
    if link.get("passwordHashes"):
        request.app[METRICS].redirects.labels("password_page").inc()
        return pages.password_form(code)
    return _go(request, code, link)


async def unlock(request: web.Request) -> web.StreamResponse:
    """POST of the password form: redirect on the right password, never on a wrong one."""
    code, link = request.match_info["code"], await _usable_link(request)
    if isinstance(link, web.Response):
        return link
    key = (request.remote or "", code)
    recent = [t for t in request.app[GUESSES].get(key, []) if t > time.monotonic() - 60]
    if len(recent) >= MAX_WRONG_PER_MINUTE:
        return pages.message(429, "Too many wrong passwords. Try again in a minute.")
    password = str((await request.post()).get("password", ""))
    hashes = link.get("passwordHashes", [])
    right = await asyncio.to_thread(_matches, password, hashes) if password else False
    if right:
        request.app[GUESSES].pop(key, None)
        return _go(request, code, link)
    request.app[GUESSES][key] = [*recent, time.monotonic()]
    request.app[METRICS].redirects.labels("wrong_password").inc()
    return pages.password_form(code, wrong=True)


def _matches(password: str, hashes: list[str]) -> bool:
    return any(check_password(password, stored) for stored in hashes)


async def _usable_link(request: web.Request) -> Doc | web.Response:
    """The link the path names, or the page that says why it cannot be followed."""
    link = await resolve(request, request.match_info["code"])
    metrics = request.app[METRICS]
    if link is None:
        metrics.redirects.labels("not_found").inc()
        return pages.message(404, "This QR code is not known.")
    expiry_ms = link.get("expiryMs")
    if expiry_ms is not None and expiry_ms <= time.time() * 1000:
        metrics.redirects.labels("expired").inc()
        return pages.message(410, "This QR code has expired.")
    return link


def _go(request: web.Request, code: str, link: Doc) -> web.Response:
    request.app[SCANS].add(code, int(time.time() * 1000))
    request.app[METRICS].redirects.labels("redirected").inc()
    return web.Response(status=302, headers={"Location": link["destination"],
                                             "Cache-Control": "no-store"})
