"""Row validation: payload encoding per dataType, styling, and dynamic-only fields."""

from __future__ import annotations

import sys
import unicodedata
from typing import Any

import pytest

from shared.errors import RowInvalid
from shared.rows.payloads import encode_payload, has_control_or_space
from shared.rows.plan import RowFailure, RowPlan, plan_row
from shared.rows.styling import Styling, parse_styling

NOW_MS = 1_800_000_000_000


@pytest.mark.parametrize(("data_type", "data", "payload"), [
    ("url", "https://example.com/a?b=1", "https://example.com/a?b=1"),
    ("text", "hello, world", "hello, world"),
    ("email", "a@example.com", "mailto:a@example.com"),
    ("email", {"to": "a@example.com", "subject": "Hi there", "body": "x&y"},
     "mailto:a@example.com?subject=Hi%20there&body=x%26y"),
    ("phone", "+1 (555) 010-9999", "tel:+15550109999"),
    ("sms", {"phone": "+15550109999", "message": "hi"}, "SMSTO:+15550109999:hi"),
    ("wifi", {"ssid": "Home;Net", "password": 'p;a,s:s"\\', "encryption": "WPA"},
     'WIFI:T:WPA;S:Home\\;Net;P:p\\;a\\,s\\:s\\"\\\\;;'),
    ("wifi", {"ssid": "Open", "hidden": True}, "WIFI:T:nopass;S:Open;H:true;;"),
    ("geo", {"lat": 48.8584, "lng": 2.2945}, "geo:48.8584,2.2945"),
])
def test_payloads(data_type: str, data: Any, payload: str) -> None:
    assert encode_payload(data_type, data) == payload


def test_vcard_escapes_commas_and_semicolons() -> None:
    card = encode_payload("vcard", {"firstName": "Ada", "lastName": "Lovelace",
                                    "org": "Analytical Engines, Ltd; London"})
    assert card.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lovelace;Ada;;;\r\nFN:Ada Lovelace")
    assert "ORG:Analytical Engines\\, Ltd\\; London" in card
    assert card.endswith("END:VCARD")


@pytest.mark.parametrize(("data_type", "data", "message"), [
    ("url", "ftp://x.y", "Invalid URL provided for dataType: url"),
    ("url", "not a url", "Invalid URL provided for dataType: url"),
    ("url", None, "data is required for dataType: url"),
    ("email", {"subject": "x"}, "data.to is required for dataType: email"),
    ("wifi", {"password": "x"}, "data.ssid is required for dataType: wifi"),
    ("wifi", {"ssid": "x", "encryption": "WPA3"}, "data.encryption must be WPA, WEP or nopass"),
    ("geo", {"lat": 91, "lng": 0}, "data.lat must be between -90 and 90"),
    ("geo", {"lat": "1", "lng": 0}, "data.lat must be a number for dataType: geo"),
    ("vcard", {"title": "x"}, "data.firstName, data.lastName or data.org is required"),
    ("barcode", "x", "dataType must be one of"),
])
def test_bad_data_names_the_field(data_type: str, data: Any, message: str) -> None:
    with pytest.raises(RowInvalid, match=message.replace("(", r"\(")):
        encode_payload(data_type, data)


def test_styling_defaults_and_ranges() -> None:
    assert parse_styling(None) == Styling()
    styled = parse_styling({"format": "svg", "scale": 5, "margin": 2, "dark": "#f00",
                            "light": "transparent", "errorCorrection": "H"})
    assert (styled.format, styled.scale, styled.size_px, styled.margin) == ("svg", 5, None, 2)
    assert styled.dark == (255, 0, 0) and styled.light is None
    for bad, message in [({"size": 10}, "styling.size must be between 64 and 4096, got 10"),
                         ({"size": 5000}, "styling.size must be between 64 and 4096"),
                         ({"margin": -1}, "styling.margin must be between 0 and 32"),
                         ({"dark": "red"}, "styling.dark must be a hex colour"),
                         ({"errorCorrection": "X"}, "styling.errorCorrection must be L, M, Q or H"),
                         ({"size": 100, "scale": 2}, "give size or scale, not both"),
                         ({"format": "gif"}, "styling.format must be png, svg, pdf or eps")]:
        with pytest.raises(RowInvalid, match=message):
            parse_styling(bad)


def plan(raw: Any, duplicate: bool = False) -> RowPlan | RowFailure:
    return plan_row(3, raw, now_ms=NOW_MS, duplicate=duplicate)


def test_uid_rules() -> None:
    missing = plan({"data": "https://x.y"})
    assert isinstance(missing, RowFailure) and missing.uid is None
    assert missing.message == "uid is required" and missing.code == 400
    assert isinstance(plan({"uid": 7, "data": "https://x.y"}), RowPlan)
    duplicate = plan({"uid": "a", "data": "https://x.y"}, duplicate=True)
    assert isinstance(duplicate, RowFailure) and "duplicate uid" in duplicate.message
    not_object = plan("https://x.y")
    assert isinstance(not_object, RowFailure) and not_object.message == "row must be a JSON object"


def test_dynamic_only_fields_fail_on_static_rows() -> None:
    for key, value in [("secure", [{"type": "password", "value": "x"}]), ("sources", ["a"]),
                       ("expiry", NOW_MS + 1000)]:
        failure = plan({"uid": 1, "data": "https://x.y", key: value})
        assert isinstance(failure, RowFailure)
        assert failure.message == f"{key} is only allowed on dynamic QRs (qrType: dynamic)"


def test_dynamic_row_fields_and_feature_flags() -> None:
    row = {"uid": "u", "qrType": "dynamic", "data": "https://x.y",
           "secure": [{"type": "password", "value": "pw"}], "sources": ["flyer", "poster"],
           "expiry": "2030-01-01T00:00:00Z"}
    planned = plan(row)
    assert isinstance(planned, RowPlan)
    assert planned.passwords == ("pw",) and planned.sources == ("flyer", "poster")
    assert planned.expiry_ms == 1_893_456_000_000
    assert planned.features.dynamic and planned.features.secured and planned.features.sourced
    past = plan({**row, "expiry": NOW_MS - 1})
    assert isinstance(past, RowFailure) and past.message == "expiry is in the past"
    assert past.features.dynamic and past.features.secured and past.features.sourced
    text = plan({"uid": "u", "qrType": "dynamic", "dataType": "text", "data": "x"})
    assert isinstance(text, RowFailure) and text.message == "dynamic QRs need dataType: url"


@pytest.mark.parametrize(("label", "ok"), [
    (None, True), ("", True), ("Aisle 3 · shelf B", True), ("x" * 200, True),
    ("x" * 201, False), (7, False), (["a"], False),
])
def test_label_is_an_optional_short_string(label: Any, ok: bool) -> None:
    plan = plan_row(0, {"uid": "a", "data": "https://example.com", "label": label},
                    now_ms=NOW_MS)
    if ok:
        assert isinstance(plan, RowPlan)
    else:
        assert isinstance(plan, RowFailure) and plan.code == 400
        assert plan.message == "label must be a string of at most 200 characters"


def test_control_or_space_is_every_whitespace_and_control_character() -> None:
    """The pattern that refuses URLs holding them, against the definition it stands for."""
    every = (chr(point) for point in range(sys.maxunicode + 1))
    wrong = [ch for ch in every if has_control_or_space(ch)
             != (ch.isspace() or unicodedata.category(ch) == "Cc")]
    assert wrong == []
    assert has_control_or_space("https://e.com/a\u2028b") and not has_control_or_space("é")
