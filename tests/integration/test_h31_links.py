"""Issue 31, item 2 and item 11's bidi controls, replayed against the running service: a
link update is checked as it will be applied, a stored overlay that cannot be applied
never fails a read, and destinations that disguise themselves are refused everywhere."""

from __future__ import annotations

from typing import Any

from shared.overlays import new_overlays
from shared.store.client import Database
from shared.store.layout import overlays_collection
from shared.store.overlays import insert_overlays
from shared.store.unique import insert_many_unique
from tests.api import Api
from tests.conftest import Stack
from tests.integration.test_hardening import generate
from tests.integration.test_links import location, path_of
from tests.integration.test_links_bulk import update
from tests.integration.test_qr_listing import listing

LONG_UIDS = [f"{n}-" + "u" * 250 for n in range(3)]
ATTACKS = ["https://e.com/?" + "{uid}" * 810,  # 2,445 characters filled with "uid"
           "https://e.com" + "/{uid}" * 183,  # a plain 1,100-character path
           "https://e.com/" + "a" * 3_900 + "/{uid}"]  # one {uid}, too long for long uids
DISGUISES = ["\u202e", "\u2066", "\u200f", "\u061c", "\u200b"]


async def long_uid_bulk(api: Api) -> tuple[str, list[Any]]:
    rows = [{"uid": uid, "qrType": "dynamic", "data": f"https://example.com/p/{n}"}
            for n, uid in enumerate(LONG_UIDS)]
    bulk_id = await api.submit(rows)
    return bulk_id, await api.archive(bulk_id)


async def reads_as_stored(api: Api, bulk_id: str, entries: list[Any]) -> None:
    """Every view of the batch answers, with each code where its row sent it."""
    for n, entry in enumerate(entries):
        want = f"https://example.com/p/{n}"
        assert await location(api.http, path_of(entry["url"])) == (302, want)
        async with api.http.get(f"/api/qr/{entry['id']}", headers=api.tenant.headers) as got:
            assert got.status == 200 and (await got.json())["destination"] == want
    for query in ({"bulkId": bulk_id}, {}, {"bulkId": bulk_id, "q": "example"}):
        status, page = await listing(api, **query)
        assert status == 200 and len(page["items"]) >= len(entries), page
    async with api.http.get(f"/api/qr/bulk-generate/{bulk_id}/links",
                            headers=api.tenant.headers) as got:
        assert got.status == 200 and len(await got.json()) == len(entries)


async def test_an_update_too_long_once_filled_is_refused_and_the_batch_reads(api: Api) -> None:
    bulk_id, entries = await long_uid_bulk(api)
    for template in ATTACKS:
        for scope in ({}, {"uids": LONG_UIDS[1:]}):
            for dry in ({}, {"dryRun": True}):
                status, answer = await update(api, bulk_id,
                                              {"destination": template} | scope | dry)
                assert status == 400, (template[:40], scope, dry, answer)
                message = str(answer["error"])
                assert "destination for uid '" in message and "longer than 4096" in message
    await reads_as_stored(api, bulk_id, entries)
    status, done = await update(api, bulk_id, {"destination": "https://ok.example/{uid}"})
    assert status == 200, done
    assert (await location(api.http, path_of(entries[0]["url"])))[1] == (
        f"https://ok.example/{LONG_UIDS[0]}")


async def test_a_stored_overlay_that_cannot_be_applied_never_fails_a_read(
        api: Api, db: Database, stack: Stack) -> None:
    """Written straight into the store, as the old code would have: too long for these
    uids, not a URL, and documents that hold no overlay at all."""
    bulk_id, entries = await long_uid_bulk(api)
    for template in [*ATTACKS, "{uid}"]:
        await insert_overlays(db, bulk_id, new_overlays({"destination": template}, None))
    await insert_many_unique(db[overlays_collection(bulk_id)], [
        {"_id": f"{bulk_id}:junk:0", "bulkId": bulk_id, "at": 1,
         "changes": {"expiryMs": "soon"}, "uids": None},
        {"_id": f"{bulk_id}:junk:1", "bulkId": bulk_id, "at": "late", "changes": "all"}])
    await reads_as_stored(api, bulk_id, entries)
    async with api.http.patch(f"/api/qr/{entries[1]['id']}", json={"maxScans": 9},
                              headers=api.tenant.headers) as got:
        assert got.status == 200 and (await got.json())["destination"] == (
            "https://example.com/p/1")
    assert any("overlay skipped" in line and bulk_id in line
               for line in stack.gateway.log_text().splitlines())
    async with api.http.get("/metrics") as metrics:
        skipped = [line for line in (await metrics.text()).splitlines()
                   if line.startswith("bulkqr_overlays_skipped_total ")]
    assert skipped and float(skipped[0].split()[1]) >= 1, skipped
    status, done = await update(api, bulk_id, {"uids": [LONG_UIDS[2]],
                                               "destination": "https://later.example/"})
    assert status == 200, done  # a later, valid update applies over the skipped ones
    assert (await location(api.http, path_of(entries[2]["url"])))[1] == (
        "https://later.example/")


async def test_bidi_and_invisible_characters_are_refused_in_every_destination(
        api: Api) -> None:
    bulk_id, entries = await long_uid_bulk(api)
    for char in DISGUISES:
        url = f"https://e.com/{char}gnp.exe"
        status, entry = await generate(api, {"uid": "b", "qrType": "dynamic", "data": url})
        assert status == 400 and "bidi" in entry["message"], entry
        async with api.http.patch(f"/api/qr/{entries[0]['id']}", json={"destination": url},
                                  headers=api.tenant.headers) as got:
            assert got.status == 400 and "bidi" in (await got.json())["error"]
        for body in ({"destination": url}, {"destination": url + "{uid}", "dryRun": True},
                     {"destination": url, "uids": [LONG_UIDS[0]]}):
            status, answer = await update(api, bulk_id, body)
            assert status == 400 and "bidi" in str(answer["error"]), answer
    await reads_as_stored(api, bulk_id, entries)
