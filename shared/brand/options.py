"""The branding fields of a row's `styling`: parsed, range-checked, and named when wrong."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from shared.brand.colour import Rgb, parse_colour, require_contrast
from shared.errors import RowInvalid
from shared.formats import registry

MODULE_SHAPES = ("square", "rounded", "dots", "classy", "vertical", "horizontal")
EYE_SHAPES = ("square", "rounded", "circle", "leaf")
GRADIENT_TYPES = ("linear", "radial")
FRAME_STYLES = ("box", "banner", "rounded")
BRAND_KEYS = ("modules", "eyes", "gradient", "logo", "logoSize", "logoPadding",
              "logoBackground", "frame")
MIN_LOGO_SHARE, MAX_LOGO_SHARE, DEFAULT_LOGO_SHARE = 0.1, 0.3, 0.2
MAX_LOGO_PADDING, DEFAULT_LOGO_PADDING = 4, 1
MAX_FRAME_CHARS = 40


@dataclass(frozen=True)
class Logo:
    """A checked logo image: `kind` png or svg, its bytes, and a digest to cache it by."""

    kind: str
    data: bytes = field(repr=False, compare=False)  # the digest stands for it (cache keys)
    sha256: str


@dataclass(frozen=True)
class Gradient:
    type: str
    start: Rgb
    end: Rgb
    angle_deg: float = 0.0


@dataclass(frozen=True)
class Frame:
    style: str
    text: str
    color: Rgb
    text_color: Rgb


@dataclass(frozen=True)
class Brand:
    """Everything beyond plain squares. `logo_ref` is what the row named (an asset id or a
    data URI); `logo` is the checked image the pipeline resolved it to."""

    modules: str = "square"
    eye_shape: str = "square"
    eye_color: Rgb | None = None
    eye_inner_color: Rgb | None = None
    gradient: Gradient | None = None
    logo_ref: str | None = None
    logo: Logo | None = None
    logo_share: float = DEFAULT_LOGO_SHARE
    logo_padding: int = DEFAULT_LOGO_PADDING
    logo_background: Rgb | None = None  # None: the light colour; see `logo_transparent`
    logo_transparent: bool = False
    frame: Frame | None = None


def wants_brand(raw: dict[str, Any]) -> bool:
    """True when the styling uses any branding field, or a format without the plain fast
    path (pdf, eps, a registered one): those are drawn by the branded pipeline only."""
    fmt = raw.get("format", "png")
    entry = registry.by_name(fmt) if isinstance(fmt, str) else None
    return any(raw.get(key) is not None for key in BRAND_KEYS) or (
        entry is not None and not entry.plain)


def parse_brand(raw: dict[str, Any]) -> Brand:
    """A Brand from a row's `styling` object, or RowInvalid naming the bad field."""
    eyes = _object(raw, "eyes")
    background = raw.get("logoBackground")
    return Brand(
        modules=_choice(raw.get("modules", "square"), MODULE_SHAPES, "modules"),
        eye_shape=_choice(eyes.get("shape", "square"), EYE_SHAPES, "eyes.shape"),
        eye_color=_maybe(eyes, "color", "eyes.color"),
        eye_inner_color=_maybe(eyes, "innerColor", "eyes.innerColor"),
        gradient=_gradient(raw),
        logo_ref=_logo_ref(raw.get("logo")),
        logo_share=_share(raw.get("logoSize", DEFAULT_LOGO_SHARE)),
        logo_padding=_padding(raw.get("logoPadding", DEFAULT_LOGO_PADDING)),
        logo_background=None if background in (None, "transparent")
        else parse_colour(background, "logoBackground", transparent_ok=True),
        logo_transparent=background == "transparent",
        frame=_frame(raw),
    )


def _object(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RowInvalid(f"styling.{key} must be an object")
    return value


def _choice(value: Any, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise RowInvalid(f"styling.{name} must be one of {', '.join(allowed)}")
    return str(value)


def _maybe(fields: dict[str, Any], key: str, name: str) -> Rgb | None:
    value = fields.get(key)
    return None if value is None else parse_colour(value, name)


def _gradient(raw: dict[str, Any]) -> Gradient | None:
    fields = _object(raw, "gradient")
    if not fields:
        return None
    angle = fields.get("angle", 0)
    if isinstance(angle, bool) or not isinstance(angle, int | float) or not math.isfinite(
            angle) or not -360 <= angle <= 360:
        raise RowInvalid("styling.gradient.angle must be a number of degrees, -360 to 360")
    for key in ("from", "to"):
        if fields.get(key) is None:
            raise RowInvalid(f"styling.gradient.{key} is required (a hex colour)")
    return Gradient(_choice(fields.get("type", "linear"), GRADIENT_TYPES, "gradient.type"),
                    parse_colour(fields["from"], "gradient.from"),
                    parse_colour(fields["to"], "gradient.to"),
                    float(angle))


def _logo_ref(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise RowInvalid("styling.logo must be an assetId (asset_…) or a data URI")
    if value.lower().startswith(("http://", "https://")):
        raise RowInvalid("styling.logo must be an uploaded asset: the server fetches no URL; "
                         "upload the image with POST /api/assets and give its assetId")
    if not value.startswith(("asset_", "data:")):
        raise RowInvalid("styling.logo must be an assetId (asset_…) or a data URI")
    return value


def _share(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            MIN_LOGO_SHARE <= value <= MAX_LOGO_SHARE):
        raise RowInvalid(f"styling.logoSize must be a number from {MIN_LOGO_SHARE} "
                         f"to {MAX_LOGO_SHARE} (share of the code's width)")
    return float(value)


def _padding(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not (
            0 <= value <= MAX_LOGO_PADDING):
        raise RowInvalid(f"styling.logoPadding must be an integer from 0 to {MAX_LOGO_PADDING}")
    return value


def _frame(raw: dict[str, Any]) -> Frame | None:
    fields = _object(raw, "frame")
    if not fields:
        return None
    text = fields.get("text", "")
    if not isinstance(text, str) or len(text) > MAX_FRAME_CHARS or any(
            not ch.isprintable() for ch in text):
        raise RowInvalid(f"styling.frame.text must be printable text of at most "
                         f"{MAX_FRAME_CHARS} characters")
    frame = Frame(_choice(fields.get("style", "box"), FRAME_STYLES, "frame.style"), text,
                  parse_colour(fields.get("color", "#000000"), "frame.color"),
                  parse_colour(fields.get("textColor", "#ffffff"), "frame.textColor"))
    if text.strip():  # the text is set on the frame's colour; no text, nothing to read
        require_contrast(frame.text_color, frame.color, "frame.textColor",
                         "pick a text colour further from the frame's colour")
    return frame
