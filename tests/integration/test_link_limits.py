"""maxScans and disabled codes: their links answer 410, like expired ones."""

from __future__ import annotations

from tests.api import Api
from tests.integration.test_links import location, one_dynamic, path_of


async def test_a_code_stops_after_max_scans(api: Api) -> None:
    entry = await one_dynamic(api, maxScans=2, sources=["flyer"])
    path, flyer = path_of(entry["url"]), path_of(entry["sources"][0]["url"])
    assert (await location(api.http, path))[0] == 302
    assert (await location(api.http, flyer))[0] == 302  # sources count towards the limit
    async with api.http.get(path, allow_redirects=False) as gone:
        assert gone.status == 410 and "scanned as often" in await gone.text()
    assert (await location(api.http, flyer))[0] == 410
    async with api.http.patch(f"/api/qr/{entry['id']}", headers=api.tenant.headers,
                              json={"maxScans": 10}) as raised:
        assert raised.status == 200 and (await raised.json())["maxScans"] == 10
    assert (await location(api.http, path))[0] == 302


async def test_a_disabled_code_answers_410_until_enabled(api: Api) -> None:
    entry = await one_dynamic(api)
    path, route = path_of(entry["url"]), f"/api/qr/{entry['id']}"
    assert (await location(api.http, path))[0] == 302  # now cached
    async with api.http.patch(route, headers=api.tenant.headers, json={"disabled": True}) as ok:
        assert ok.status == 200 and (await ok.json())["disabled"] is True
    async with api.http.get(path, allow_redirects=False) as off:
        assert off.status == 410 and "switched off" in await off.text()
    async with api.http.patch(route, headers=api.tenant.headers, json={"disabled": False}):
        pass
    assert (await location(api.http, path))[0] == 302
    for bad in ({"disabled": "yes"}, {"maxScans": 0}, {"maxScans": True}):
        async with api.http.patch(route, headers=api.tenant.headers, json=bad) as refused:
            assert refused.status == 400, bad


async def test_max_scans_is_checked_in_rows(api: Api) -> None:
    rows = [{"uid": "a", "qrType": "dynamic", "data": "https://example.com", "maxScans": 0},
            {"uid": "b", "data": "static text", "dataType": "text", "maxScans": 5}]
    entries = await api.archive(await api.submit(rows))
    assert "maxScans must be an integer" in str(entries[0])
    assert "maxScans is only allowed on dynamic" in str(entries[1])
