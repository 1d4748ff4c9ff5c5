"""Issue 31 item 11: a frame's text must stand out from the frame it is set on (3:1)."""

from __future__ import annotations

import pytest

from shared.brand import scan
from shared.brand.colour import MIN_CONTRAST, parse_colour
from shared.errors import RowInvalid
from shared.rows.styling import parse_styling


@pytest.mark.parametrize(("color", "text_color"), [
    ("#ffffff", "#ffffff"),  # white on white
    ("#fff", "#fefefe"),
    ("#000000", "#333333"),
    (None, "#000000"),  # on the default (black) frame
    ("#ffffff", None),  # the default (white) text
    ("#ffffff", "#ffcc00"),  # 1.6:1
])
def test_frame_text_without_contrast_is_refused(color: str | None, text_color: str | None
                                                ) -> None:
    frame = {"text": "Scan me", "color": color, "textColor": text_color}
    frame = {key: value for key, value in frame.items() if value is not None}
    with pytest.raises(RowInvalid, match=r"^styling\.frame\.textColor #\w{6} on #\w{6} has a "
                                         r"contrast of \d\.\d:1, under the 3:1"):
        parse_styling({"frame": frame})


@pytest.mark.parametrize("frame", [
    {"text": "Scan me"},  # white on black
    {"text": "Scan me", "color": "#ffffff", "textColor": "#000000"},
    {"text": "Scan me", "color": "#102040"},
    {"text": "Scan", "color": "#ffffff", "textColor": "#767676"},  # 4.5:1
    {"text": "", "color": "#ffffff", "textColor": "#ffffff"},  # no text to read
    {"text": "   ", "color": "#ffffff", "textColor": "#ffffff"},
])
def test_readable_or_empty_frame_text_is_accepted(frame: dict[str, str]) -> None:
    parse_styling({"frame": frame})


@pytest.mark.parametrize(("grey", "readable"), [("#949494", True), ("#959595", False)])
def test_it_is_the_same_rule_as_the_codes_colours(grey: str, readable: bool) -> None:
    """#949494 on white is 3.03:1 and #959595 2.995:1: the line falls between them for
    the frame's text and for the code's own dark colour alike."""
    assert MIN_CONTRAST == 3.0
    frame = {"frame": {"text": "Scan", "color": "#ffffff", "textColor": grey}}
    dark, white = parse_colour(grey, "dark"), parse_colour("#ffffff", "light")
    if readable:
        parse_styling(frame)
        scan._contrast(dark, white, "dark")
        return
    with pytest.raises(RowInvalid, match=r"frame\.textColor"):
        parse_styling(frame)
    with pytest.raises(RowInvalid, match=r"styling\.dark"):
        scan._contrast(dark, white, "dark")
