"""GET /api/qr/{id}/scans: a dynamic QR's scans over time, with breakdowns per trait."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping

from aiohttp import web

from gateway.auth import caller
from gateway.qr_records import owned_record
from gateway.resources import DB, SETTINGS
from shared.analytics.series import INTERVAL_HOURS, read_scans
from shared.errors import BadRequest

DAY_MS = 86_400_000
DEFAULT_RANGE_MS = 7 * DAY_MS
MAX_RANGE_MS = 400 * DAY_MS


async def get_scans(request: web.Request) -> web.Response:
    sub = await caller(request)
    query = request.query
    to_ms = _instant(query, "to", int(time.time() * 1000) + 1)
    from_ms = _instant(query, "from", to_ms - DEFAULT_RANGE_MS)
    if not 0 <= from_ms < to_ms:
        raise BadRequest("from must be before to (and not before 1970)")
    if to_ms - from_ms > MAX_RANGE_MS:
        raise BadRequest(f"from and to may be at most {MAX_RANGE_MS // DAY_MS} days apart")
    interval = query.get("interval", "hour")
    if interval not in INTERVAL_HOURS:
        raise BadRequest("interval must be hour or day")
    link = await owned_record(request.app, request.match_info["qr_id"], sub.client_id)
    answer = await read_scans(request.app[DB], link.code, from_ms, to_ms, interval,
                              request.app[SETTINGS].scan_dimension_values)
    return web.json_response({"id": request.match_info["qr_id"], "from": from_ms,
                              "to": to_ms, "interval": interval} | answer)


def _instant(query: Mapping[str, str], name: str, default: int) -> int:
    """A query instant: Unix milliseconds or an ISO 8601 time (UTC unless it says)."""
    text = query.get(name, "").strip()
    if not text:
        return default
    if text.isdigit():
        return int(text)
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadRequest(f"{name} must be Unix milliseconds or an ISO 8601 time") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return int(parsed.timestamp() * 1000)
