"""/api/assets: upload, list, look at and delete a subscription's logo images."""

from __future__ import annotations

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from gateway.auth import caller
from gateway.body import read_capped
from gateway.query import limit_param
from gateway.resources import DB, RENDER_POOL, SETTINGS, STORE
from shared.assets import delete_asset, find_asset, list_assets, load_asset, public, save_asset
from shared.brand.assetcheck import MAX_ASSET_BYTES, AssetRefused, CheckedAsset
from shared.brand.logos import Lookup
from shared.errors import (
    BadRequest,
    ClientError,
    NotFound,
    PayloadTooLarge,
    TooManyRequests,
    UnsupportedMediaType,
)
from shared.orders import now_ms
from shared.subscriptiondoc import Subscription
from shared.uploadcheck import check_in_pool

IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/svg+xml")
REFUSALS: dict[int, type[ClientError]] = {413: PayloadTooLarge, 415: UnsupportedMediaType}
# Parts read before a multipart body without a `file` field is refused: a form sends one
# or two; 19,000 empty parts held the event loop 2.6 s.
MAX_MULTIPART_PARTS = 8
LIST_DEFAULT, LIST_MAX = 50, 100


async def upload(request: web.Request) -> web.Response:
    """The image as multipart field `file`, or as the raw body with its image type; decoded
    and checked in the render pool, kept if the subscription has a free asset slot."""
    sub = await caller(request)
    data = await _multipart_file(request) if request.content_type.startswith(
        "multipart/") else await _raw_image(request)
    try:
        checked = await check_in_pool(request.app[RENDER_POOL], data)
    except AssetRefused as exc:
        raise REFUSALS.get(exc.status, BadRequest)(str(exc)) from exc
    limit = request.app[SETTINGS].assets_per_subscription
    record = await save_asset(request.app[DB], request.app[STORE], sub.client_id, checked,
                              now_ms(), limit)
    if record is None:
        raise TooManyRequests(f"this subscription already keeps {limit} assets, the most it "
                              "may; delete one (DELETE /api/assets/{assetId}) first")
    return web.json_response(public(record), status=201)


async def _raw_image(request: web.Request) -> bytes:
    if request.content_type not in IMAGE_TYPES:
        raise UnsupportedMediaType(f"Content-Type must be one of {', '.join(IMAGE_TYPES)} or "
                                   "multipart/form-data with a field named file")
    return await read_capped(request, MAX_ASSET_BYTES)


async def _multipart_file(request: web.Request) -> bytes:
    too_large = PayloadTooLarge(f"the image is larger than {MAX_ASSET_BYTES} bytes")
    if request.content_length is not None and request.content_length > MAX_ASSET_BYTES + 65536:
        raise too_large
    if "boundary=" not in request.headers.get("Content-Type", ""):
        raise BadRequest("a multipart Content-Type needs its boundary parameter")
    try:
        parts = 0
        async for part in await request.multipart():
            parts += 1
            if parts > MAX_MULTIPART_PARTS:
                raise BadRequest(f"the multipart body has more than {MAX_MULTIPART_PARTS} "
                                 "parts before a field named file; send the image as file")
            if not isinstance(part, BodyPartReader) or part.name != "file":
                continue
            data = bytearray()
            while piece := await part.read_chunk(256 * 1024):
                data += piece
                if len(data) > MAX_ASSET_BYTES:
                    raise too_large
            return bytes(data)
    except (ValueError, AssertionError, HttpProcessingError) as exc:  # a malformed body
        raise BadRequest(f"malformed multipart body: {exc}") from exc
    raise BadRequest("multipart body has no field named file")


async def list_all(request: web.Request) -> web.Response:
    """A page of the assets, oldest first: `limit` (1-100, default 50) and `cursor`."""
    sub = await caller(request)
    limit = limit_param(request.query.get("limit"), LIST_DEFAULT, LIST_MAX)
    found, cursor = await list_assets(request.app[DB], sub.client_id, limit,
                                      request.query.get("cursor") or None)
    return web.json_response({"items": [public(record) for record in found], "next": cursor})


async def get_one(request: web.Request) -> web.Response:
    sub = await caller(request)
    record = await find_asset(request.app[DB], sub.client_id, request.match_info["assetId"])
    if record is None:
        raise NotFound("no such asset")
    return web.json_response(public(record))


async def delete_one(request: web.Request) -> web.Response:
    sub = await caller(request)
    if not await delete_asset(request.app[DB], request.app[STORE], sub.client_id,
                              request.match_info["assetId"]):
        raise NotFound("no such asset")
    return web.Response(status=204)


def asset_lookup(request: web.Request, sub: Subscription) -> Lookup:
    """Rows of a single generate find the caller's assets straight from the stores."""
    async def lookup(asset_id: str) -> CheckedAsset | None:
        return await load_asset(request.app[DB], request.app[STORE], sub.client_id, asset_id)

    return lookup


ROUTES = [
    web.post("/api/assets", upload), web.get("/api/assets", list_all),
    web.get("/api/assets/{assetId}", get_one), web.delete("/api/assets/{assetId}", delete_one),
]
