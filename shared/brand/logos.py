"""A row's `styling.logo` turned into a checked image: a data URI checked by the caller's
`decode` (in the render pool) or here, an assetId looked up by the caller's `lookup`."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import replace

from shared.brand.assetcheck import AssetRefused, CheckedAsset, check_asset
from shared.brand.options import Logo
from shared.errors import RowInvalid
from shared.rows.styling import Styling

DECODED_MAX = 8  # logos are kept at most 4 MiB each: 32 MiB at the most
_DECODED: OrderedDict[str, Logo | str] = OrderedDict()  # sha256 of a URI: logo or refusal
Lookup = Callable[[str], Awaitable[CheckedAsset | None]]
Decode = Callable[[bytes], Awaitable[CheckedAsset]]  # raises AssetRefused


def logo_of(asset: CheckedAsset) -> Logo:
    return Logo(asset.kind, asset.data, asset.sha256)


def data_uri_bytes(uri: str) -> bytes:
    """The bytes of a base64 data URI, or RowInvalid."""
    header, comma, body = uri.partition(",")
    if not comma or not header.endswith(";base64"):
        raise RowInvalid("styling.logo: a data URI logo must be base64 (data:image/…;base64,…)")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RowInvalid("styling.logo: the data URI is not valid base64") from exc


def from_data_uri(uri: str) -> Logo:
    """A data URI logo checked in this process (tests; servers check in the pool)."""
    try:
        return logo_of(check_asset(data_uri_bytes(uri)))
    except AssetRefused as exc:
        raise RowInvalid(f"styling.logo: {exc}") from exc


async def decoded_logo(uri: str, decode: Decode) -> Logo:
    """A data URI logo checked by `decode` once per process and URI: a batch may repeat one
    URI on every row, and each check is a round trip to the render pool."""
    key = hashlib.sha256(uri.encode()).hexdigest()
    known = _DECODED.pop(key, None)
    if known is None:
        try:
            known = logo_of(await decode(data_uri_bytes(uri)))
        except AssetRefused as exc:
            known = f"styling.logo: {exc}"
    _DECODED[key] = known
    while len(_DECODED) > DECODED_MAX:
        _DECODED.popitem(last=False)
    if isinstance(known, str):
        raise RowInvalid(known)
    return known


async def with_logo(styling: Styling, lookup: Lookup | None,
                    decode: Decode | None = None) -> Styling:
    """`styling` with its logo image attached (unchanged when it names none)."""
    brand = styling.brand
    if brand is None or brand.logo_ref is None or brand.logo is not None:
        return styling
    if brand.logo_ref.startswith("data:"):
        logo = (await decoded_logo(brand.logo_ref, decode) if decode
                else from_data_uri(brand.logo_ref))
    else:
        asset = await lookup(brand.logo_ref) if lookup else None
        if asset is None:
            raise RowInvalid(f"styling.logo {brand.logo_ref} is not an asset of this "
                             "subscription (upload it with POST /api/assets)")
        logo = logo_of(asset)
    return replace(styling, brand=replace(brand, logo=logo))
