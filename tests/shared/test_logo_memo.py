"""A data URI logo is checked once per process, however many rows repeat it."""

from __future__ import annotations

import base64

import pytest

from shared.brand.assetcheck import AssetRefused, CheckedAsset, check_asset
from shared.brand.logos import decoded_logo
from shared.errors import RowInvalid
from tests.shared.brandkit import png_logo


async def test_a_repeated_uri_is_checked_once_and_a_refusal_is_remembered() -> None:
    calls: list[bytes] = []

    async def decode(data: bytes) -> CheckedAsset:
        calls.append(data)
        return check_asset(data)

    uri = "data:image/png;base64," + base64.b64encode(png_logo()).decode()
    logos = [await decoded_logo(uri, decode) for _ in range(100)]
    assert len(calls) == 1 and all(logo == logos[0] for logo in logos)
    bad = "data:image/png;base64," + base64.b64encode(b"not an image").decode()
    for _ in range(3):
        with pytest.raises(RowInvalid, match=r"styling\.logo: the file is not"):
            await decoded_logo(bad, decode)
    assert len(calls) == 2


async def test_a_refusal_names_the_field() -> None:
    async def refuse(_: bytes) -> CheckedAsset:
        raise AssetRefused("too big", 413)

    with pytest.raises(RowInvalid, match=r"styling\.logo: too big"):
        await decoded_logo("data:image/png;base64,AAAA", refuse)
