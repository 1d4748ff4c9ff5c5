"""The row a client submits (its styling included) and the archive entry it becomes.

Enums and ranges are read from the parsers' own tables (shared/rows, shared/brand) and the
format registry, never copied: the row parser stays the one that decides, these models
describe what it accepts.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, GetCoreSchemaHandler, GetJsonSchemaHandler, RootModel
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from gateway.apimodels import Answer, OneOf, Uid, Wire, left_out
from shared.brand.colour import HEX_RE
from shared.brand.options import (
    DEFAULT_LOGO_PADDING,
    DEFAULT_LOGO_SHARE,
    EYE_SHAPES,
    FRAME_STYLES,
    GRADIENT_TYPES,
    MAX_FRAME_CHARS,
    MAX_LOGO_PADDING,
    MAX_LOGO_SHARE,
    MIN_LOGO_SHARE,
    MODULE_SHAPES,
)
from shared.formats import registry
from shared.passwords import MAX_PASSWORD_CHARS, MAX_PASSWORDS
from shared.rows.payloads import ENCODERS
from shared.rows.plan import (
    MAX_EXPIRY_MS,
    MAX_LABEL_CHARS,
    MAX_SCANS_LIMIT,
    MAX_SOURCE_CHARS,
    MAX_SOURCES,
    MAX_UID_CHARS,
)
from shared.rows.styling import (
    DEFAULT_MARGIN,
    DEFAULT_SIZE_PX,
    ERROR_LEVELS,
    MAX_MARGIN,
    MAX_SCALE,
    MAX_SIZE_PX,
    MIN_SIZE_PX,
)

Colour = Annotated[str, Field(pattern=f"^(?:{HEX_RE.pattern})$", description="#abc or #aabbcc")]
Transparent = Literal["transparent"]
Expiry = Annotated[str | Annotated[int, Field(le=MAX_EXPIRY_MS)], Field(
    description="ISO 8601 with a time zone, or Unix milliseconds; in the future")]


class Eyes(Wire):
    shape: Annotated[str, OneOf(lambda: EYE_SHAPES)] = "square"
    color: Colour | None = None
    inner_color: Colour | None = None


class Gradient(Wire):
    type: Annotated[str, OneOf(lambda: GRADIENT_TYPES)] = "linear"
    from_: Colour = Field(alias="from")
    to: Colour
    angle: float = Field(default=0, ge=-360, le=360, description="degrees")


class Frame(Wire):
    style: Annotated[str, OneOf(lambda: FRAME_STYLES)] = "box"
    text: str = Field(default="", max_length=MAX_FRAME_CHARS, description="printable text")
    color: Colour = "#000000"
    text_color: Colour = "#ffffff"


class Styling(Wire):
    """How to draw the code. `size` (pixels) and `scale` (pixels a module) exclusive; any
    branding field, or a format without the plain fast path, takes the branded drawing."""

    format: Annotated[str, OneOf(registry.names)] = "png"
    size: int | None = Field(default=DEFAULT_SIZE_PX, ge=MIN_SIZE_PX, le=MAX_SIZE_PX)
    scale: int | None = Field(default=None, ge=1, le=MAX_SCALE)
    margin: int = Field(default=DEFAULT_MARGIN, ge=0, le=MAX_MARGIN, description="modules")
    dark: Colour = "#000000"
    light: Colour | Transparent = "#ffffff"
    error_correction: Annotated[str, OneOf(lambda: ERROR_LEVELS)] = Field(
        default="M", description="H by default when a logo is set")
    modules: Annotated[str, OneOf(lambda: MODULE_SHAPES)] = "square"
    eyes: Eyes | None = None
    gradient: Gradient | None = None
    logo: str | None = Field(default=None, pattern="^(?:asset_|data:)",
                             description="an assetId from POST /api/assets, or a data URI")
    logo_size: float = Field(default=DEFAULT_LOGO_SHARE, ge=MIN_LOGO_SHARE, le=MAX_LOGO_SHARE,
                             description="share of the code's width")
    logo_padding: int = Field(default=DEFAULT_LOGO_PADDING, ge=0, le=MAX_LOGO_PADDING)
    logo_background: Colour | Transparent | None = None
    frame: Frame | None = None


class Password(Wire):
    type: Literal["password"]
    value: str = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)


class Row(Wire):
    """One QR row; `uid` is required in bulk batches (a row without one fails) and optional
    in single generation (echoed when given). `secure`, `sources`, `expiry` and `maxScans`
    are for dynamic rows, which need dataType url."""

    uid: Annotated[str, Field(max_length=MAX_UID_CHARS)] | int | None = None
    qr_type: Literal["static", "dynamic"] = "static"
    data_type: Annotated[str, OneOf(lambda: ENCODERS)] = "url"
    data: Any = Field(default=None, description="a string or an object, by dataType")
    styling: Styling | None = None
    secure: list[Password] | None = Field(default=None, min_length=1, max_length=MAX_PASSWORDS)
    sources: list[Annotated[str, Field(min_length=1, max_length=MAX_SOURCE_CHARS)]] | None = (
        Field(default=None, min_length=1, max_length=MAX_SOURCES,
              json_schema_extra={"uniqueItems": True}))
    expiry: Expiry | None = None
    max_scans: int | None = Field(default=None, ge=1, le=MAX_SCANS_LIMIT)
    label: str | None = Field(default=None, max_length=MAX_LABEL_CHARS,
                              description="a caption, echoed in the ZIP's manifest.csv")


class ImageUri:
    """A QR image as a data URI, its media type one the format registry holds (read when a
    value is checked or a schema is generated)."""

    @staticmethod
    def prefixes() -> tuple[str, ...]:
        return tuple(f"data:{fmt.media_type};base64," for fmt in registry.formats())

    def __get_pydantic_core_schema__(self, source: Any,
                                     handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        alternatives = "|".join(re.sub(r"([.+])", r"\\\1", p) for p in self.prefixes())
        return {**handler(schema), "pattern": f"^(?:{alternatives})",
                "description": "the code's image, base64 in a data URI"}

    def _check(self, value: str) -> str:
        if not value.startswith(self.prefixes()):
            raise ValueError("not a data URI of a registered image format")
        return value


DataUri = Annotated[str, ImageUri()]


class SourceEntry(Answer):
    source: str
    url: str
    qrs: DataUri = Field(alias="QRs")


class DynamicEntry(Answer):
    """A dynamic code: its short link and image; uid only when the row gave one."""

    id: str = Field(pattern="^qr_")
    uid: Uid = left_out()
    url: str
    qrs: DataUri = Field(alias="QRs")
    sources: list[SourceEntry] = left_out()


class SingleFailed(Answer):
    """A row that failed: the reason and its HTTP-like code (uid only when given)."""

    uid: Uid | None = None
    status: Literal["failed"]
    message: str
    code: int


class FailedEntry(SingleFailed):
    """A failed row of a batch's archive."""

    uid: Uid | None


class SingleEntry(RootModel[DataUri | DynamicEntry]):
    """A row rendered now: a static code's data URI, or a dynamic code's entry."""


class Archive(RootModel[list[DataUri | DynamicEntry | FailedEntry]]):
    """A batch's archive: one entry a row, in the batch's order."""
