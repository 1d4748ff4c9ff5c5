"""POST /api/qr/generate: one row, rendered synchronously, answered with its archive entry."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from gateway.assets import asset_lookup
from gateway.auth import caller
from gateway.body import parse_json, read_capped, require_json_type
from gateway.resources import DB, RENDER_POOL, SETTINGS
from shared.errors import BadRequest, ServerUnavailable
from shared.ids import new_bulk_id
from shared.orders import now_ms
from shared.pipeline import ChunkContext, RowInput, process_rows
from shared.pooledrender import PooledRenderer
from shared.renderpool import RenderCrashed
from shared.uploadcheck import check_in_pool

MAX_ROW_BYTES = 1024 * 1024
# Plain codes up to this size are drawn on the loop (~1 ms for a short URL; 4096 px took
# 67 ms on a busy machine, so bigger ones and every branded one go to the render pool).
INLINE_MAX_PX = 1024


async def generate(request: web.Request) -> web.Response:
    """The same entry a one-row bulk would hold (uid optional); a failed row answers with its
    code."""
    sub = await caller(request)
    require_json_type(request)
    row = parse_json(await read_capped(request, MAX_ROW_BYTES))
    if not isinstance(row, dict):
        raise BadRequest("body must be one row: a JSON object")
    pool = request.app[RENDER_POOL]
    ctx = ChunkContext(request.app[DB], request.app[SETTINGS], sub,
                       new_bulk_id().replace("bulk_", "single_"), 0, now_ms(), single=True,
                       assets=asset_lookup(request, sub), decode=partial(check_in_pool, pool))
    try:
        outcome = await process_rows(ctx, [RowInput(0, row)], PooledRenderer(pool, INLINE_MAX_PX))
    except RenderCrashed as exc:
        raise ServerUnavailable("a render process stopped while drawing this row") from exc
    entry = outcome.entries[0]
    if isinstance(entry, dict) and row.get("uid") is None:
        entry.pop("uid", None)  # uid is optional here, and echoed only when given
    status = entry["code"] if isinstance(entry, dict) and entry.get("status") == "failed" else 200
    return web.json_response(entry, status=status)
