"""CSV → rows: the header's columns, nested and typed cells, and 400s that name the line."""

from __future__ import annotations

import pytest

from shared.csvrows import decode_csv, number_or_text, parse_csv
from shared.errors import BadRequest


def rows_of(text: str, max_rows: int = 500) -> list[dict[str, object]]:
    return parse_csv(text, max_rows)


def error_of(text: str, max_rows: int = 500) -> str:
    with pytest.raises(BadRequest) as caught:
        parse_csv(text, max_rows)
    return caught.value.message


def test_plain_columns_become_row_fields_and_empty_cells_are_absent() -> None:
    text = "uid,qrType,dataType,data\nrow-1,static,url,https://example.com/a\nrow-2,,text,hi\n"
    assert rows_of(text) == [
        {"uid": "row-1", "qrType": "static", "dataType": "url", "data": "https://example.com/a"},
        {"uid": "row-2", "dataType": "text", "data": "hi"},
    ]


def test_styling_columns_nest_and_numbers_become_numbers() -> None:
    text = ("uid,data,styling.size,styling.margin,styling.scale,styling.dark,styling.format\n"
            "1,https://e.com,256,2,,#1a2b3c,svg\n2,https://e.com,,,4,,\n3,https://e.com,2.5,,,,\n")
    assert [row.get("styling") for row in rows_of(text)] == [
        {"size": 256, "margin": 2, "dark": "#1a2b3c", "format": "svg"},
        {"scale": 4},
        {"size": 2.5},
    ]


def test_data_columns_fill_the_data_object_with_typed_values() -> None:
    text = ("uid,dataType,data.ssid,data.password,data.hidden,data.lat,data.lng,data.phone\n"
            "w,wifi,Home net,pa;ss,TRUE,,,\n"
            "g,geo,,,,-33.8568,151.2153,\n"
            "s,sms,,,,,,0123 456\n")
    assert [row["data"] for row in rows_of(text)] == [
        {"ssid": "Home net", "password": "pa;ss", "hidden": True},
        {"lat": -33.8568, "lng": 151.2153},
        {"phone": "0123 456"},  # a phone number keeps its leading zero: it stays text
    ]


def test_sources_secure_password_and_expiry() -> None:
    text = ("uid,qrType,data,sources,secure.password,expiry\n"
            "d1,dynamic,https://e.com, flyer ; poster ;,s3cret,2031-01-01T00:00:00Z\n"
            "d2,dynamic,https://e.com,;,,1924992000000\n")
    first, second = rows_of(text)
    assert first["sources"] == ["flyer", "poster"]
    assert first["secure"] == [{"type": "password", "value": "s3cret"}]
    assert first["expiry"] == "2031-01-01T00:00:00Z"
    assert "sources" not in second and "secure" not in second
    assert second["expiry"] == 1924992000000


def test_uid_stays_text_and_cells_are_trimmed() -> None:
    assert rows_of("uid , data\n 007 ,  https://e.com  \n") == [
        {"uid": "007", "data": "https://e.com"}]


def test_quoted_cells_blank_lines_and_bom() -> None:
    text = '\ufeffuid,dataType,data\r\n\r\n"a,1",text,"line one\nline ""two"""\r\n,,\r\nb,url,x\r\n'
    rows = rows_of(decode_csv(text.encode()))
    assert rows == [{"uid": "a,1", "dataType": "text", "data": 'line one\nline "two"'},
                    {"uid": "b", "dataType": "url", "data": "x"}]


def test_unknown_plain_columns_are_kept_for_the_row_to_ignore() -> None:
    assert rows_of("uid,note,data\n1,hello,https://e.com\n") == [
        {"uid": "1", "note": "hello", "data": "https://e.com"}]


@pytest.mark.parametrize(("text", "expected"), [
    ("uid,data\n1,a\n2,\"open\n3,c\n",
     "line 3: the CSV is malformed (a quoted cell is never closed)"),
    ('uid,data\n1,"a"b\n', "line 2: the CSV is malformed"),
    ("uid,data\n1,a\n\n2,b,c\n", "line 4: 3 cells, but the header names 2 columns"),
    ("uid,data\n1\n", "line 2: 1 cells, but the header names 2 columns"),
    ('uid,data\n"1\n2",x\n3,y,z\n', "line 4: 3 cells"),
    ("uid,data,data.ssid\n1,a,b\n", "line 2: fill either the data column or data.* columns"),
    ("uid,data.ssid,data\n1,b,a\n", "line 2: fill either the data column or data.* columns"),
])
def test_malformed_rows_name_their_line(text: str, expected: str) -> None:
    assert error_of(text).startswith(expected)


@pytest.mark.parametrize(("header", "expected"), [
    ("data,qrType", "line 1: the header has no uid column"),
    ("uid,,data", "line 1: column 2 has no name"),
    ("uid,data,uid", "line 1: column 'uid' appears more than once"),
    ("uid,styling", "line 1: column 'styling' needs a key, e.g. styling.size"),
    ("uid,secure", "line 1: column 'secure' needs a key, e.g. secure.password"),
    ("uid,secure.token", "line 1: column 'secure.token': only styling.*, data.*"),
    ("uid,data.a.b", "line 1: column 'data.a.b' is not a field name"),
    ("uid,my field", "line 1: column 'my field' is not a field name"),
])
def test_bad_headers_are_refused_on_line_one(header: str, expected: str) -> None:
    assert error_of(f"{header}\n1,2,3\n").startswith(expected)


def test_row_count_limit_names_the_count() -> None:
    assert len(rows_of("uid\n" + "x\n" * 5, max_rows=5)) == 5
    assert error_of("uid\n" + "x\n" * 501) == "the CSV has 501 rows; at most 500 per upload"


@pytest.mark.parametrize(("text", "expected"), [
    ("", "the CSV is empty"), ("\n , \n", "the CSV is empty"),
    ("uid,data\n", "the CSV has a header line but no rows"),
])
def test_empty_uploads(text: str, expected: str) -> None:
    assert error_of(text).startswith(expected)


def test_decoding_names_the_line_of_a_bad_byte_and_honours_a_charset() -> None:
    with pytest.raises(BadRequest, match=r"^line 3: the CSV is not valid UTF-8 text"):
        decode_csv(b"uid,data\n1,a\n2,\xff\n")
    assert decode_csv("uid\ncaf\u00e9\n".encode("latin-1"), "ISO-8859-1") == "uid\ncaf\u00e9\n"
    assert decode_csv(b"\xef\xbb\xbfuid\n", "UTF-8") == "uid\n"
    with pytest.raises(BadRequest, match="not a text encoding"):
        decode_csv(b"uid\n", "rot13")


@pytest.mark.parametrize(("text", "expected"), [
    ("300", 300), ("-4", -4), ("+2", 2), ("1.5", 1.5), (".5", 0.5), ("#fff", "#fff"),
    ("1e5", "1e5"), ("nan", "nan"), ("9" * 40, "9" * 40), ("transparent", "transparent"),
])
def test_number_or_text(text: str, expected: object) -> None:
    value = number_or_text(text)
    assert value == expected and type(value) is type(expected)
