"""Reading a result archive's entries: typed rows, and each image's bytes from its data URI.

An image's format is the registry's entry of its media type (registry.py, the one table
of the formats). An image of a media type no entry has raises UnknownImageFormat, which a
ZIP's rows (ziprows.py) pass on instead of leaving the image out with a line in the manifest.
"""

from __future__ import annotations

import binascii
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shared.formats import registry
from shared.formats.registry import PNG, ImageFormat

PNG_BASE64 = f"data:{PNG.media_type};base64,"


@dataclass(frozen=True)
class Image:
    """One QR image of a row: the row's own, or (with `source`) one per tracked source."""

    data_uri: str
    source: str | None = None
    url: str = ""


@dataclass(frozen=True)
class Entry:
    """One archive entry, in submission order, whatever its shape on the wire."""

    index: int
    uid: str | int | None
    ok: bool
    code: int | None = None
    message: str = ""
    qr_id: str = ""
    url: str = ""
    images: tuple[Image, ...] = ()


class UnknownImageFormat(ValueError):
    """A data URI of a media type no registered format has: a format the renderer makes
    and this process did not load (BULKQR_FORMAT_MODULES), or a damaged entry."""


def read_entries(archive: Sequence[Any], rows: Sequence[Any] | None = None) -> list[Entry]:
    """Typed entries. A static success is a bare data URI with no uid, so its uid comes
    from the submitted `rows` (same order) when they are known."""
    return [read_entry(i, raw, _row_uid(rows, i)) for i, raw in enumerate(archive)]


def _row_uid(rows: Sequence[Any] | None, index: int) -> str | int | None:
    if rows is None or index >= len(rows) or not isinstance(rows[index], dict):
        return None
    uid = rows[index].get("uid")
    return uid if isinstance(uid, str | int) and not isinstance(uid, bool) else None


def read_entry(index: int, raw: Any, row_uid: str | int | None) -> Entry:
    """One typed entry; `row_uid` names a static success, whose entry has no uid."""
    if isinstance(raw, str):
        return Entry(index, row_uid, ok=True, images=(Image(raw),))
    if not isinstance(raw, dict):
        return Entry(index, row_uid, ok=False, message="unrecognised archive entry")
    uid = raw.get("uid", row_uid)
    if raw.get("status") == "failed" or "QRs" not in raw:
        code = raw.get("code")
        return Entry(index, uid, ok=False, code=code if isinstance(code, int) else None,
                     message=str(raw.get("message") or "unrecognised archive entry"))
    images = [Image(str(raw["QRs"]), None, str(raw.get("url", "")))]
    for source in raw.get("sources") or []:
        if isinstance(source, dict) and "QRs" in source:
            images.append(Image(str(source["QRs"]), str(source.get("source", "")),
                                str(source.get("url", ""))))
    return Entry(index, uid, ok=True, qr_id=str(raw.get("id", "")),
                 url=str(raw.get("url", "")), images=tuple(images))


def decode_image(data_uri: str) -> tuple[str, bytes]:
    """The file extension and the bytes of a data URI of a registered format;
    UnknownImageFormat for another media type, ValueError for anything else."""
    image_format, data = decode_format(data_uri)
    return image_format.extension, data


def decode_format(data_uri: str) -> tuple[ImageFormat, bytes]:
    """The registered format and the bytes of a data URI, raising as `decode_image`."""
    if data_uri.startswith(PNG_BASE64):  # the common case, without the header's parsing
        return PNG, _base64(data_uri[len(PNG_BASE64):])
    header, comma, payload = data_uri.partition(",")
    if not header.startswith("data:") or not comma:
        raise ValueError("not a data URI")
    media, *params = header.removeprefix("data:").split(";")
    image_format = registry.by_media_type(media.strip().lower())
    if image_format is None:
        raise UnknownImageFormat(f"unsupported image type {media[:40]!r}")
    if "base64" not in params:
        return image_format, urllib.parse.unquote_to_bytes(payload)
    return image_format, _base64(payload)


def _base64(payload: str) -> bytes:
    try:  # what b64decode(validate=True) does, without its Python wrapper
        return binascii.a2b_base64(payload, strict_mode=True)
    except ValueError as exc:  # binascii.Error, or a character outside ASCII
        raise ValueError(f"bad base64 image data: {exc}") from exc
