"""The upgrade of issue 32: a stack the last build before shared/store/ populated through its
API, migrated by `bulkqr admin migrate`'s steps (twice), then served by this build as before."""

from __future__ import annotations

import asyncio
import io
import re
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from PIL import Image

from shared.s3 import ObjectStore
from shared.settings import Settings
from shared.store.client import Database, open_client
from shared.store.layout import drop_databases, family_of
from shared.store.upgrade import migrate
from tests.api import Api, Tenant
from tests.processes import Process, delete_topology, free_port, start_gateway, start_worker
from tests.store.oldbuild import OldBuild, export_old_build
from tests.webhooks.receiver import Receiver

QR_LIMIT = 9  # the old batches charge 5 + 1 slots; a new batch of 5 gets 3
PASSWORD = "open sesame"
ROWS: list[dict[str, Any]] = [
    {"uid": "plain", "qrType": "dynamic", "dataType": "url", "data": "https://example.com/plain"},
    {"uid": "locked", "qrType": "dynamic", "data": "https://example.com/locked",
     "secure": [{"type": "password", "value": PASSWORD}]},
    {"uid": "spent", "qrType": "dynamic", "data": "https://example.com/spent", "maxScans": 2},
    {"uid": "capped", "qrType": "dynamic", "data": "https://example.com/capped", "maxScans": 4},
    {"uid": "flyer", "qrType": "dynamic", "data": "https://example.com/flyer",
     "sources": ["flyer"]},
    {"uid": "static", "dataType": "text", "data": "hello"},
]
BODY = orjson.dumps(ROWS)
ROWS_BY_UID = {str(row["uid"]): str(row["data"]) for row in ROWS}
IDEMPOTENCY_KEY = "upgrade-batch-1"
MOVED = "https://example.com/moved/{uid}"
SCANS = {"plain": 3, "locked": 1, "spent": 2, "capped": 2, "flyer": 2}  # totals the old stack saw
LEGACY_MONTH = re.compile(r"scanmonths_\d{4}_\d{6}")


@pytest.fixture
async def deployment(settings: Settings) -> AsyncIterator[Settings]:
    """A private database, queue prefix and bucket (few link shards: the layout is made in
    seconds), whatever the test leaves there removed afterwards."""
    tag = uuid.uuid4().hex[:6]
    port = free_port()
    own = settings.model_copy(update={
        "mongo_db": f"upgrade_{tag}", "queue_prefix": f"upgrade-{tag}",
        "s3_bucket": f"upgrade-{tag}", "http_port": port,
        "public_url": f"http://127.0.0.1:{port}", "link_shards": 4,
        "webhook_allow_private": True})
    yield own
    client = open_client(own.model_copy(update={"store_command_log": ""}))
    try:
        await drop_databases(client[own.mongo_db])
    finally:
        await client.close()
    async with ObjectStore(own) as objects:
        await objects.delete_prefix("")
    await delete_topology(own)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    target = await Receiver().start()
    yield target
    await target.stop()


async def test_a_stack_of_the_old_build_migrates_and_serves_the_same(
        deployment: Settings, receiver: Receiver, tmp_path: Path) -> None:
    old = OldBuild(export_old_build(tmp_path / "old"), deployment)
    assert old.has_old_admin_commands()
    tenant = old.create_subscription(QR_LIMIT)
    window = f"from={int(time.time() * 1000) - 3_600_000}&to={int(time.time() * 1000) + 7_200_000}"
    gateway, worker = await asyncio.to_thread(old.start, "upgrade")
    try:
        recorded = await populate(deployment, tenant, receiver, window)
        await asyncio.to_thread(worker.stop)  # docs/operations.md: workers stop first
        async with session(deployment) as http:
            recorded["late"] = await while_workers_are_stopped(http, tenant, recorded["codes"])
    finally:
        await asyncio.to_thread(stop, [gateway, worker])
    client = open_client(deployment.model_copy(update={"store_command_log": ""}))
    try:
        db = client[deployment.mongo_db]
        legacy = await legacy_names(db, tenant, recorded)
        first = await migrate(db, deployment)
        second = await migrate(db, deployment)
        assert all(first[step] > 0 for step in ("ledger", "idempotency", "assets", "webhooks",
                                                "overlays", "scans")), first
        assert set(second.values()) == {0}, f"a second run copied again: {second}"
        await serve_after_upgrade(deployment, tenant, receiver, recorded, window)
        await collections_all_in_layout(db, deployment, legacy)
    finally:
        await client.close()


def session(settings: Settings) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(f"http://127.0.0.1:{settings.http_port}")


async def while_workers_are_stopped(http: aiohttp.ClientSession, tenant: Tenant,
                                    codes: dict[str, Any]) -> str:
    """The old gateway accepts a batch (its chunk waits in the queue) and counts a scan (its
    tally waits too), for the new worker to take; returns the batch's id."""
    assert await redirect(http, short(codes["plain"]["url"])) == (
        302, MOVED.replace("{uid}", "plain"))
    late = [{"uid": "late", "qrType": "dynamic", "data": "https://example.com/late"}]
    return await Api(http, tenant).submit(late)


def stop(processes: list[Process]) -> None:
    for process in processes:
        process.stop()


async def populate(settings: Settings, tenant: Tenant, receiver: Receiver, window: str
                   ) -> dict[str, Any]:
    """What a customer does with the old build, and what its API answered."""
    async with session(settings) as http:
        api = Api(http, tenant)
        hook = await send(http, tenant, "POST", "/api/webhooks", 201, json={
            "url": receiver.url, "events": ["bulk.completed", "bulk.downloaded"]})
        asset = await send(http, tenant, "POST", "/api/assets", 201, data=small_png(),
                           headers={"Content-Type": "image/png"})
        bulk_id = await submit_once(http, tenant)
        entries = await api.archive(bulk_id)
        codes = {e["uid"]: e for e in entries if isinstance(e, dict) and "id" in e}
        assert sorted(codes) == sorted(SCANS), entries
        await send(http, tenant, "POST", f"/api/qr/bulk-generate/{bulk_id}/links/update", 200,
                   json={"uids": ["plain", "flyer"], "destination": MOVED})
        await scan_as_customers(http, codes)
        await wait_scans(http, tenant, codes, SCANS)
        assert await redirect(http, short(codes["spent"]["url"])) == (410, None)
        await receiver.wait_requests(2)
        await wait_deliveries(http, tenant, hook["id"], 2)
        recorded = {"bulkId": bulk_id, "codes": codes, "hook": hook, "asset": asset}
        recorded["answers"] = await snapshot(http, tenant, recorded, window)
        plain = recorded["answers"][f"/api/qr/{codes['plain']['id']}/scans?{window}&interval=hour"]
        assert sum(point["scans"] for point in plain["series"]) == plain["total"] == 3, plain
        return recorded


async def scan_as_customers(http: aiohttp.ClientSession, codes: dict[str, Any]) -> None:
    moved = MOVED.replace("{uid}", "")
    for _ in range(3):
        assert await redirect(http, short(codes["plain"]["url"])) == (302, moved + "plain")
    for url in (codes["flyer"]["url"], codes["flyer"]["sources"][0]["url"]):
        assert await redirect(http, short(url)) == (302, moved + "flyer")
    for uid in ("spent", "capped"):
        for _ in range(2):
            assert await redirect(http, short(codes[uid]["url"])) == (302, ROWS_BY_UID[uid])
    assert await unlock(http, short(codes["locked"]["url"]), PASSWORD) == (
        302, ROWS_BY_UID["locked"])


async def legacy_names(db: Database, tenant: Tenant, recorded: dict[str, Any]) -> set[str]:
    """The old build's collections, one per tenant, batch, endpoint and month; no layout."""
    names = set(await db.list_collection_names())
    client, bulk_id = tenant.client_id, recorded["bulkId"]
    expected = {f"quota_{client}", f"idempotency_{client}", f"overlays_{bulk_id}",
                f"webhooks_{client}", f"webhook_log_{recorded['hook']['id']}",
                f"assets_{client}", f"asset_slots_{client}"}
    assert expected <= names, sorted(expected - names)
    months = {name for name in names if LEGACY_MONTH.fullmatch(name)}
    assert months, sorted(names)
    assert "store_meta" not in names, "the old build laid out the new store?"
    return expected | months


async def serve_after_upgrade(settings: Settings, tenant: Tenant, receiver: Receiver,
                              recorded: dict[str, Any], window: str) -> None:
    gateway = await asyncio.to_thread(start_gateway, settings, "upgrade-new-gateway")
    processes = [gateway]
    try:
        processes.append(await asyncio.to_thread(start_worker, settings, "upgrade-new-worker"))
        async with session(settings) as http:
            await queued_work_is_done(http, tenant, receiver, recorded)
            await reads_back(http, tenant, recorded, window)
            await links_keep_their_rules(http, tenant, recorded["codes"])
            await assets_and_quota_carry_over(http, tenant, recorded)
            await receiver.wait_requests(5)  # and the new batch's completion and download
            assert len(receiver.verified(recorded["hook"]["secret"])) == 5
    finally:
        await asyncio.to_thread(stop, processes)


async def queued_work_is_done(http: aiohttp.ClientSession, tenant: Tenant, receiver: Receiver,
                              recorded: dict[str, Any]) -> None:
    """The new worker takes what the old gateway queued meanwhile: a batch and a scan."""
    done = await Api(http, tenant).wait_completed(recorded["late"])
    assert (done["status"], done["processed"], done["failedFeatures"]["dynamicQr"]) == (
        "completed", 1, 0), done
    await wait_scans(http, tenant, recorded["codes"], {"plain": SCANS["plain"] + 1})
    await receiver.wait_requests(3)  # the late batch's completion
    await wait_deliveries(http, tenant, recorded["hook"]["id"], 3)


async def reads_back(http: aiohttp.ClientSession, tenant: Tenant, recorded: dict[str, Any],
                     window: str) -> None:
    """Every answer recorded on the old stack, the same; the archive still consumed; the
    idempotent POST replayed without a new batch."""
    answers = await snapshot(http, tenant, recorded, window)
    before, after = settled(recorded["answers"], recorded), settled(answers, recorded)
    log = f"/api/webhooks/{recorded['hook']['id']}/deliveries"
    old_log, new_log = before.pop(log)["items"], after.pop(log)["items"]
    assert new_log[1:] == old_log and new_log[0]["ok"], new_log  # the late batch's, newest
    changed = {path: {"old": before[path], "new": after[path]}
               for path in before if after[path] != before[path]}
    assert not changed, orjson.dumps(changed, option=orjson.OPT_INDENT_2).decode()
    status, body = await Api(http, tenant).download(recorded["bulkId"])
    assert status == 410, body
    assert await submit_once(http, tenant) == recorded["bulkId"]
    listing = await send(http, tenant, "GET", "/api/qr/bulk-generate", 200)
    assert listing == answers["/api/qr/bulk-generate"], "the replay made a batch"


def settled(answers: dict[str, Any], recorded: dict[str, Any]) -> dict[str, Any]:
    """The answers without what changed on purpose since they were recorded: the code
    scanned and the batch accepted while the workers were stopped."""
    plain = recorded["codes"]["plain"]["id"]
    moved = {plain, recorded["late"]}

    def kept(items: list[Any]) -> list[Any]:
        return [item for item in items if not moved & {item.get("id"), item.get("bulkId")}]

    out: dict[str, Any] = {}
    for path, answer in answers.items():
        if plain in path:
            continue
        if isinstance(answer, list):
            answer = kept(answer)
        elif isinstance(answer, dict) and isinstance(answer.get("items"), list):
            answer = {**answer, "items": kept(answer["items"])}
        out[path] = answer
    return out


async def links_keep_their_rules(http: aiohttp.ClientSession, tenant: Tenant,
                                 codes: dict[str, Any]) -> None:
    """Overlaid destinations, passwords and scan limits as the old stack left them."""
    moved = MOVED.replace("{uid}", "")
    assert await redirect(http, short(codes["plain"]["url"])) == (302, moved + "plain")
    assert await redirect(http, short(codes["flyer"]["sources"][0]["url"])) == (
        302, moved + "flyer")
    assert await redirect(http, short(codes["spent"]["url"])) == (410, None)
    locked = short(codes["locked"]["url"])
    assert (await redirect(http, locked))[0] == 200  # the password form
    assert (await unlock(http, locked, "wrong"))[0] == 401
    assert await unlock(http, locked, PASSWORD) == (302, ROWS_BY_UID["locked"])
    capped = short(codes["capped"]["url"])
    for _ in range(2):  # 2 of its 4 scans were made on the old stack
        assert await redirect(http, capped) == (302, ROWS_BY_UID["capped"])
    await wait_scans(http, tenant, {"capped": codes["capped"]}, {"capped": 4})
    assert await redirect(http, capped) == (410, None)


async def assets_and_quota_carry_over(http: aiohttp.ClientSession, tenant: Tenant,
                                      recorded: dict[str, Any]) -> None:
    """The uploaded logo still draws; a new batch is charged on top of the old 6 slots."""
    row = {"uid": "logo", "dataType": "text", "data": "hello",
           "styling": {"logo": recorded["asset"]["assetId"]}}
    drawn = await send(http, tenant, "POST", "/api/qr/generate", 200, json=row)
    assert isinstance(drawn, str) and drawn.startswith("data:image/png;base64,"), drawn
    rows = [{"uid": f"new-{n}", "qrType": "dynamic", "data": f"https://example.com/new/{n}"}
            for n in range(5)]
    api = Api(http, tenant)
    entries = await api.archive(await api.submit(rows))
    made = [e for e in entries if "id" in e]
    over = [e for e in entries if e.get("status") == "failed"]
    assert (len(made), [e["code"] for e in over]) == (QR_LIMIT - 6, [429, 429]), entries


async def collections_all_in_layout(db: Database, settings: Settings, legacy: set[str]
                                    ) -> None:
    names = set(await db.list_collection_names())
    assert not names & legacy, f"legacy collections left: {sorted(names & legacy)}"
    strangers = sorted(n for n in names if family_of(n, settings.link_shards) is None)
    assert not strangers, f"collections outside the layout: {strangers}"


async def snapshot(http: aiohttp.ClientSession, tenant: Tenant, recorded: dict[str, Any],
                   window: str) -> dict[str, Any]:
    """The API's answers about everything the customer made (reads only: no scan counted)."""
    bulk_id, hook_id = recorded["bulkId"], recorded["hook"]["id"]
    paths = [f"/api/qr/bulk-generate/{bulk_id}", "/api/qr/bulk-generate",
             f"/api/qr?bulkId={bulk_id}", f"/api/qr/bulk-generate/{bulk_id}/links?format=json",
             "/api/webhooks", f"/api/webhooks/{hook_id}/deliveries", "/api/assets",
             f"/api/assets/{recorded['asset']['assetId']}"]
    for code in recorded["codes"].values():
        paths += [f"/api/qr/{code['id']}", f"/api/qr/{code['id']}/scans?{window}&interval=hour",
                  f"/api/qr/{code['id']}/scans?{window}&interval=day"]
    return {path: await send(http, tenant, "GET", path, 200) for path in paths}


async def submit_once(http: aiohttp.ClientSession, tenant: Tenant) -> str:
    headers = {**tenant.headers, "Content-Type": "application/json",
               "Idempotency-Key": IDEMPOTENCY_KEY}
    async with http.post("/api/qr/bulk-generate", data=BODY, headers=headers) as answer:
        assert answer.status == 200, await answer.text()
        bulk_id = await answer.json()
    assert isinstance(bulk_id, str)
    return bulk_id


async def send(http: aiohttp.ClientSession, tenant: Tenant, method: str, path: str,
               status: int, headers: dict[str, str] | None = None, **body: Any) -> Any:
    async with http.request(method, path, headers={**tenant.headers, **(headers or {})},
                            **body) as answer:
        text = await answer.text()
        assert answer.status == status, f"{method} {path}: {answer.status} {text}"
        return orjson.loads(text)


async def redirect(http: aiohttp.ClientSession, code: str) -> tuple[int, str | None]:
    async with http.get(f"/r/{code}", allow_redirects=False) as answer:
        await answer.read()
        return answer.status, answer.headers.get("Location")


async def unlock(http: aiohttp.ClientSession, code: str, password: str
                 ) -> tuple[int, str | None]:
    async with http.post(f"/r/{code}", data={"password": password},
                         allow_redirects=False) as answer:
        await answer.read()
        return answer.status, answer.headers.get("Location")


def short(url: str) -> str:
    return url.rsplit("/r/", 1)[1]


async def wait_scans(http: aiohttp.ClientSession, tenant: Tenant, codes: dict[str, Any],
                     totals: dict[str, int], timeout_s: float = 30) -> None:
    """Until the worker has applied the scans: each code's record shows its total."""
    deadline = time.monotonic() + timeout_s
    for uid, total in totals.items():
        while True:
            record = await send(http, tenant, "GET", f"/api/qr/{codes[uid]['id']}", 200)
            if record["scans"]["total"] == total:
                break
            assert time.monotonic() < deadline, f"{uid}: {record['scans']} never {total}"
            await asyncio.sleep(0.2)


async def wait_deliveries(http: aiohttp.ClientSession, tenant: Tenant, hook_id: str,
                          count: int, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    path = f"/api/webhooks/{hook_id}/deliveries"
    while len([a for a in (await send(http, tenant, "GET", path, 200))["items"]
               if a["ok"]]) < count:
        assert time.monotonic() < deadline, f"{count} successful deliveries never logged"
        await asyncio.sleep(0.2)


def small_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()

