"""GET/POST /r/{code}: answer a short link from a per-process cache, falling back to its shard.

A code that is not well formed (shared/ids.py) answers 404 before any cache or store
work. Expired, disabled and used-up (`maxScans`) links answer 410; secured links answer a
password form first, and only the right password redirects. Every redirect is counted
(see scans.py); its `Location` is the destination in ASCII (location.py).
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs

from aiohttp import web

from gateway import pages
from gateway.guesslimit import begin_guess, forgive_guess, tracked_bytes
from gateway.linkcache import LinkCache
from gateway.location import UnwritableHost, location_header
from gateway.overlaycache import OVERLAYS
from gateway.ratelimit import request_ip
from gateway.resources import DB, METRICS, SETTINGS
from gateway.scans import SCANS
from shared.analytics.classify import classify
from shared.analytics.tally import DIRECT
from shared.errors import PayloadTooLarge
from shared.ids import shard_of_code
from shared.linkdoc import Link
from shared.links import find_link
from shared.passwords import password_pool
from shared.scantotals import find_totals

LINK_CACHE = web.AppKey("link_cache", LinkCache)
GUESSES = web.AppKey("password_guesses", dict[tuple[str, str], list[float]])
MAX_FORM_BYTES = 4096  # the password form is one short field; anyone may post it


async def resolve(request: web.Request, code: str) -> Link | None:
    """The link that decides where `code` goes (a source link resolves to its parent), with
    its batch's bulk changes applied (cached apart: a bulk change drops only them).
    A malformed code is None at once: it is neither looked up nor cached."""
    if shard_of_code(code) is None:
        return None
    cache = request.app[LINK_CACHE]
    hit, link = cache.get(code)
    if not hit:
        link = await find_link(request.app[DB], code)
        if link is not None and link.parent is not None:
            link = await find_link(request.app[DB], link.parent)
        cache.put(code, link)
        export_cache_sizes(request.app)
    return None if link is None else await request.app[OVERLAYS].apply_one(link)


def export_cache_sizes(app: web.Application) -> None:
    """Set the cache gauges of /metrics from the redirect path's caches as they are now."""
    metrics, cache, guesses = app[METRICS], app[LINK_CACHE], app[GUESSES]
    found, missing = cache.found_size(), cache.missing_size()
    metrics.set_cache_size("links", found.entries, found.size_bytes)
    metrics.set_cache_size("missing_links", missing.entries, missing.size_bytes)
    metrics.set_cache_size("password_guesses", len(guesses), tracked_bytes(guesses))


async def redirect(request: web.Request) -> web.StreamResponse:
    code, link = request.match_info["code"], await _usable_link(request)
    if isinstance(link, web.Response):
        return link
    if link.is_secured:
        request.app[METRICS].redirects.labels("password_page").inc()
        return pages.password_form(code)
    return _go(request, code, link)


async def unlock(request: web.Request) -> web.StreamResponse:
    """POST of the password form: redirect on the right password, never on a wrong one."""
    code, link = request.match_info["code"], await _usable_link(request)
    if isinstance(link, web.Response):
        return link
    password = await _posted_password(request)
    settings, db = request.app[SETTINGS], request.app[DB]
    address = request_ip(request, settings.trusted_proxies)
    guess = await begin_guess(db, request.app[GUESSES], address, code)
    export_cache_sizes(request.app)
    if guess is None:
        return pages.message(429, "Too many wrong passwords. Try again in a minute.")
    pool = password_pool(settings.password_threads)
    if password and link.is_secured and await pool.matches(password, link.password_hashes):
        await forgive_guess(db, request.app[GUESSES], guess)
        return _go(request, code, link, as_page=_is_browser_navigation(request))
    request.app[METRICS].redirects.labels("wrong_password").inc()
    return pages.password_form(code, wrong=True)


async def _posted_password(request: web.Request) -> str:
    """The form's password field, from a urlencoded body of at most MAX_FORM_BYTES (413)."""
    too_large = PayloadTooLarge(f"the password form is over {MAX_FORM_BYTES} bytes")
    if request.content_length is not None and request.content_length > MAX_FORM_BYTES:
        raise too_large
    body = bytearray()
    async for piece in request.content.iter_chunked(MAX_FORM_BYTES):
        body += piece
        if len(body) > MAX_FORM_BYTES:
            raise too_large
    fields = parse_qs(body.decode("utf-8", "replace"))
    return fields.get("password", [""])[0]


async def _usable_link(request: web.Request) -> Link | web.Response:
    """The link the path names, or the page that says why it cannot be followed."""
    code, metrics = request.match_info["code"], request.app[METRICS]
    if shard_of_code(code) is None:
        metrics.redirects.labels("malformed").inc()
        return pages.message(404, "This QR code is not known.")
    link = await resolve(request, code)
    if link is None:
        metrics.redirects.labels("not_found").inc()
        return pages.message(404, "This QR code is not known.")
    if link.is_expired(time.time() * 1000):
        metrics.redirects.labels("expired").inc()
        return pages.message(410, "This QR code has expired.")
    if link.disabled:
        metrics.redirects.labels("disabled").inc()
        return pages.message(410, "This QR code has been switched off.")
    if link.max_scans is not None and link.is_used_up(await _scans_so_far(request, link)):
        metrics.redirects.labels("used_up").inc()
        return pages.message(410, "This QR code has been scanned as often as it may be.")
    return link


async def _scans_so_far(request: web.Request, link: Link) -> int:
    """A limited code's scans: the stored totals of its links (read fresh, not cached) plus
    this gateway's tallies they have not taken. Other gateways' last second may be missing."""
    counter = request.app[SCANS]
    stored = await find_totals(request.app[DB], link.codes, counter.gateway)
    return sum(total.scans + counter.pending(code, total.seen) for code, total in stored.items())


def _is_browser_navigation(request: web.Request) -> bool:
    """A browser submitting the form (it sends one of these), not an API client."""
    return (request.headers.get("Sec-Fetch-Mode") == "navigate"
            or "text/html" in request.headers.get("Accept", ""))


def _go(request: web.Request, code: str, link: Link, *, as_page: bool = False) -> web.Response:
    """Count the scan and send the visitor on: a 302, or (`as_page`) pages.unlocked."""
    try:
        location = location_header(link.location)
    except UnwritableHost:
        request.app[METRICS].redirects.labels("bad_destination").inc()
        return pages.message(410, "This QR code leads to an address that cannot be opened.")
    headers = request.headers
    traits = classify(headers.get("User-Agent", ""),
                      request_ip(request, request.app[SETTINGS].trusted_proxies),
                      headers.get("Referer", ""))
    source = next((s.source for s in link.sources if s.code == code), DIRECT)
    request.app[SCANS].add(code, int(time.time() * 1000), link.code, source, traits)
    request.app[METRICS].redirects.labels("redirected").inc()
    if as_page:
        return pages.unlocked(location)
    return web.Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})
