"""An image from a caller checked in a render process: check_asset, then the stored-size cap.

The cap is on what is kept, not on what was sent: an upload is at most 1 MB, but its
lossless re-encoding as PNG is not (an 820 KB smooth-noise 4096x4096 JPEG became a 23 MB
PNG). 4 MiB holds any logo a code can show losslessly: a logo is drawn at most 0.3 of a
4096 px code (1,229 px), and a 1,229 px RGBA image is 6 MB raw, 1-3 MB as a PNG of a
photo; a 4096 px flat-colour logo is far below. It keeps eight logos inside a worker's
32 MiB logo cache, and each render batch pickles its rows' logo once per process.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.brand.assetcheck import MAX_STORED_BYTES, AssetRefused, CheckedAsset, check_asset
from shared.renderpool import RenderPool, RenderTimedOut


@dataclass(frozen=True)
class Refusal:
    """Why an image is refused and the HTTP code, as plain data (it crosses processes)."""

    message: str
    status: int


def check_upload(data: bytes) -> CheckedAsset | Refusal:
    """The checked image, or why it is refused. Runs in a render process."""
    try:
        asset = check_asset(data)
    except AssetRefused as exc:
        return Refusal(str(exc), exc.status)
    if len(asset.data) > MAX_STORED_BYTES:
        return Refusal(
            f"the image re-encoded without loss as {asset.kind.upper()} is "
            f"{len(asset.data)} bytes; the largest kept is {MAX_STORED_BYTES} bytes: upload "
            "fewer pixels (a logo is never drawn wider than 1229 px) or a less noisy image",
            413)
    return asset


async def check_in_pool(pool: RenderPool, data: bytes) -> CheckedAsset:
    """`check_upload` in `pool`; raises AssetRefused (with its status) for a refusal,
    including an image that takes longer than the pool's budget to decode."""
    try:
        outcome = await pool.run(check_upload, data)
    except RenderTimedOut as exc:
        raise AssetRefused(f"the image took longer than {exc.budget_s:g} s to decode and "
                           "check (the render time limit); upload a smaller or simpler "
                           "image") from exc
    if isinstance(outcome, Refusal):
        raise AssetRefused(outcome.message, outcome.status)
    return outcome
