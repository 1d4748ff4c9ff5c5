"""Issue 31 item 11 against the running service: ASCII-only numbers, repeated parameters
refused, NFKC-normalised ZIP names and readable frame text."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api import Api
from tests.zipfiles import assert_safe_name, manifest_rows, open_zip

NOT_ASCII = ["\u0663", "\uff16\uff10", "\uff160", "60_0", " 5", "+5"]
LISTINGS = ["/api/qr/bulk-generate", "/api/qr"]
CUSTOM = {"format": "pdf", "sheet": "custom", "cols": "2", "rows": "3", "cellW": "60",
          "cellH": "40"}
Query = list[tuple[str, str]]


async def get(api: Api, path: str, query: Query) -> tuple[int, dict[str, Any]]:
    async with api.http.get(path, params=query, headers=api.tenant.headers) as answer:
        return answer.status, await answer.json()


@pytest.mark.parametrize("path", LISTINGS)
@pytest.mark.parametrize("limit", NOT_ASCII)
async def test_listing_limits_are_ascii_digits(api: Api, path: str, limit: str) -> None:
    status, answer = await get(api, path, [("limit", limit)])
    assert status == 400 and "limit must be an integer from 1 to" in answer["error"], answer
    assert (await get(api, path, [("limit", "5")]))[0] == 200


async def completed_batch(api: Api) -> str:
    bulk_id = await api.submit([{"uid": "kept", "data": "https://example.com/kept"}])
    await api.wait_completed(bulk_id)
    return bulk_id


@pytest.mark.parametrize("cell_w", ["\uff16\uff10", "60_0", "\u0666\u0660", " 60"])
async def test_sheet_sizes_in_the_download_are_ascii_digits(api: Api, cell_w: str) -> None:
    bulk_id = await completed_batch(api)
    status, body = await api.download(bulk_id, **(CUSTOM | {"cellW": cell_w}))
    assert status == 400 and b"cellW must be" in body and b"ASCII digits" in body, body
    assert (await api.status(bulk_id))["status"] == "completed"  # nothing consumed
    status, pdf = await api.download(bulk_id, **CUSTOM)
    assert status == 200 and pdf.startswith(b"%PDF"), pdf[:200]


@pytest.mark.parametrize(("path", "query", "named"), [
    ("/api/qr/bulk-generate", [("limit", "5"), ("limit", "6")], "limit"),
    ("/api/qr", [("uid", "a"), ("uid", "b"), ("q", "x"), ("q", "x")], "q, uid"),
    ("/api/qr/bulk-generate/nonexistent", [("x", "1"), ("x", "1")], "x"),
])
async def test_a_repeated_parameter_is_refused(api: Api, path: str, query: Query,
                                               named: str) -> None:
    status, answer = await get(api, path, query)
    assert status == 400, answer
    assert answer["error"].startswith(f"query parameter {named} is repeated"), answer


async def test_a_repeated_sheet_parameter_is_refused_and_consumes_nothing(api: Api) -> None:
    bulk_id = await completed_batch(api)
    query = [*CUSTOM.items(), ("cellW", "6000")]
    status, answer = await get(api, f"/api/qr/bulk-generate/{bulk_id}/result", query)
    assert status == 400 and "query parameter cellW is repeated" in answer["error"], answer
    assert (await api.status(bulk_id))["status"] == "completed"


async def test_routes_outside_the_api_keep_their_query_rules(api: Api) -> None:
    async with api.http.get("/healthz", params=[("x", "1"), ("x", "2")]) as answer:
        assert answer.status == 200


FULLWIDTH_CLIMB = "\uff0e\uff0e\uff0f\uff0e\uff0e\uff0fetc\uff0fpasswd"
ZIP_NAMES = {FULLWIDTH_CLIMB: "images/_.._etc_passwd.png", "\uff23\uff2f\uff2e": "images/_CON.png",
             "\uff1d1+2": "images/_=1+2.png", "\ufb01le": "images/file.png",
             "\uff0e\uff0e": "images/row-5.png"}


async def test_zip_names_are_nfkc_normalised_first(api: Api) -> None:
    rows: list[dict[str, Any]] = [{"uid": uid, "dataType": "text", "data": f"content {i}"}
                                  for i, uid in enumerate(ZIP_NAMES)]
    rows.append({"uid": "dyn", "qrType": "dynamic", "data": "https://example.com/d",
                 "sources": ["\uff50\uff4f\uff53\uff54\uff0f\uff45\uff52"]})
    bulk_id = await api.submit(rows)
    await api.wait_completed(bulk_id)
    status, body = await api.download(bulk_id, "zip")
    assert status == 200, body[:300]
    files = [line["file"] for line in manifest_rows(open_zip(body))]
    assert files == [*ZIP_NAMES.values(), "images/dyn.png", "images/dyn--post_er.png"]
    for name in files:
        assert_safe_name(name)


@pytest.mark.parametrize(("frame", "accepted"), [
    ({"text": "Scan me", "color": "#ffffff", "textColor": "#ffffff"}, False),
    ({"text": "Scan me", "color": "#ffffff", "textColor": "#ffcc00"}, False),
    ({"text": "Scan me", "textColor": "#000000"}, False),  # on the default black frame
    ({"text": "Scan me", "color": "#ffffff", "textColor": "#000000"}, True),
])
async def test_frame_text_must_stand_out_from_its_frame(
        api: Api, frame: dict[str, str], accepted: bool) -> None:
    row = {"uid": "f", "data": "https://example.com/f", "styling": {"frame": frame}}
    async with api.http.post("/api/qr/generate", json=row, headers=api.tenant.headers) as got:
        entry = await got.json()
    if accepted:
        assert got.status == 200, entry
    else:
        assert got.status == 400 and entry["message"].startswith(
            "styling.frame.textColor"), entry
        assert "contrast" in entry["message"]
