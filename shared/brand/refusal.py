"""The one error an image check raises: why an asset is refused, and the HTTP code it gets."""

from __future__ import annotations


class AssetRefused(ValueError):
    """The image is not accepted; the message says why and is safe to show the caller.
    `status` is the HTTP code an upload of it gets."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
