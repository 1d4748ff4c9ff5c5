"""The archive reads every format the renderer makes by the registry; an image of another
media type is an UnknownImageFormat, damaged data a plain ValueError."""

from __future__ import annotations

from typing import Any

import pytest

from shared.formats import registry
from shared.formats.archive import UnknownImageFormat, decode_format, decode_image, read_entry
from shared.render import render_data_uri
from shared.rows.styling import parse_styling

# Every format a row's styling may ask for, plain and branded.
STYLINGS: list[dict[str, Any]] = [
    *({"format": fmt.name} for fmt in registry.formats()),
    *({"format": fmt.name, "modules": "dots"} for fmt in registry.formats() if fmt.plain),
]


@pytest.mark.parametrize("styling", STYLINGS, ids=str)
def test_every_format_the_renderer_makes_is_in_the_table(styling: dict[str, Any]) -> None:
    data_uri = render_data_uri("https://example.com/formats", parse_styling(styling))
    extension, data = decode_image(data_uri)
    assert extension == "." + styling["format"]
    assert len(data) > 100


def test_the_registry_is_what_decode_image_knows() -> None:
    for fmt in registry.formats():
        assert decode_image(f"data:{fmt.media_type};base64,eA==") == (fmt.extension, b"x")
        assert decode_image(f"data:{fmt.media_type.upper()},%78") == (fmt.extension, b"x")
        assert decode_format(f"data:{fmt.media_type};base64,eA==") == (fmt, b"x")


@pytest.mark.parametrize("data_uri", ["data:image/webp;base64,UklGRg==",
                                      "data:text/html,<b>x</b>", "data:,x"])
def test_another_media_type_is_an_unknown_format(data_uri: str) -> None:
    with pytest.raises(UnknownImageFormat, match="unsupported image type"):
        decode_image(data_uri)


@pytest.mark.parametrize("data_uri", ["not a uri", "data:image/png;base64,@@@@"])
def test_damaged_data_is_a_plain_value_error(data_uri: str) -> None:
    with pytest.raises(ValueError, match=r"data URI|base64") as caught:
        decode_image(data_uri)
    assert not isinstance(caught.value, UnknownImageFormat)


def test_a_static_success_takes_its_uid_from_the_row() -> None:
    entry = read_entry(4, "data:image/png;base64,eA==", "sku-5")
    assert (entry.index, entry.uid, entry.ok, len(entry.images)) == (4, "sku-5", True, 1)
