"""A row's `styling.logo` turned into a checked image: a data URI decoded here, an assetId
looked up by the caller's `lookup` (the subscription's stored assets)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from dataclasses import replace

from shared.brand.assetcheck import AssetRefused, CheckedAsset, check_asset
from shared.brand.options import Logo
from shared.rows.payloads import RowInvalid
from shared.rows.styling import Styling

Lookup = Callable[[str], Awaitable[CheckedAsset | None]]


def logo_of(asset: CheckedAsset) -> Logo:
    return Logo(asset.kind, asset.data, asset.sha256)


def from_data_uri(uri: str) -> Logo:
    header, comma, body = uri.partition(",")
    if not comma or not header.endswith(";base64"):
        raise RowInvalid("styling.logo: a data URI logo must be base64 (data:image/…;base64,…)")
    try:
        data = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RowInvalid("styling.logo: the data URI is not valid base64") from exc
    try:
        return logo_of(check_asset(data))
    except AssetRefused as exc:
        raise RowInvalid(f"styling.logo: {exc}") from exc


async def with_logo(styling: Styling, lookup: Lookup | None) -> Styling:
    """`styling` with its logo image attached (unchanged when it names none)."""
    brand = styling.brand
    if brand is None or brand.logo_ref is None or brand.logo is not None:
        return styling
    if brand.logo_ref.startswith("data:"):
        logo = from_data_uri(brand.logo_ref)
    else:
        asset = await lookup(brand.logo_ref) if lookup else None
        if asset is None:
            raise RowInvalid(f"styling.logo {brand.logo_ref} is not an asset of this "
                             "subscription (upload it with POST /api/assets)")
        logo = logo_of(asset)
    return replace(styling, brand=replace(brand, logo=logo))
