"""The layout on the real FerretDB: every collection and index created, twice a no-op, and a
deployment's collections do not grow with its tenants (issue 32)."""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import AsyncIterator

import aiohttp
import pytest
from pymongo.monitoring import (
    CommandFailedEvent,
    CommandListener,
    CommandStartedEvent,
    CommandSucceededEvent,
)

from shared.settings import Settings
from shared.store.client import Client, Database, open_client
from shared.store.layout import (
    FAMILIES,
    MONTHS,
    STORE_META,
    drop_databases,
    ensure_layout,
    every_collection,
    months_database,
)
from tests.api import Api, new_tenant
from tests.shared.brandkit import SVG_LOGO

TENANTS = 20
AT_ONCE = 5
BULK = "/api/qr/bulk-generate"


class Commands(CommandListener):
    """The names of the commands a client sent, in order."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event: CommandStartedEvent) -> None:
        self.names.append(event.command_name)

    def succeeded(self, event: CommandSucceededEvent) -> None:
        return

    def failed(self, event: CommandFailedEvent) -> None:
        return


@pytest.fixture
async def fresh(settings: Settings) -> AsyncIterator[tuple[Client, Database, Commands]]:
    """An empty database of its own on the session's server, dropped afterwards."""
    commands = Commands()
    client = open_client(settings, [commands])
    name = f"{settings.mongo_db}_layout_{uuid.uuid4().hex[:6]}"
    yield client, client[name], commands
    await drop_databases(client[name])
    await client.close()


async def indexes_by_collection(db: Database) -> dict[str, dict[str, list[tuple[str, int]]]]:
    """Every collection of the deployment (both databases) with its indexes' keys."""
    found = {}
    for home in (db, months_database(db)):
        for name in await home.list_collection_names():
            info = await home[name].index_information()
            found[name] = {index: [(k, int(d)) for k, d in spec["key"]]
                           for index, spec in info.items()}
    return found


async def test_ensure_layout_creates_everything_and_twice_is_a_no_op(
        settings: Settings, fresh: tuple[Client, Database, Commands]) -> None:
    _, db, commands = fresh
    await ensure_layout(db, settings, indexes=True)  # as on MongoDB
    created = await indexes_by_collection(db)
    assert set(created) == set(every_collection(settings))
    for family in FAMILIES:
        for name in family.names(settings.link_shards):
            for index in family.indexes:
                assert created[name].get(index.name) == list(index.keys), (name, index.name)
    commands.names.clear()
    await ensure_layout(db, settings, indexes=True)
    assert commands.names == ["find"]  # the recorded fingerprint, nothing else
    await db[STORE_META].delete_many({})  # forgotten: everything is checked again
    await ensure_layout(db, settings, indexes=True)
    assert await indexes_by_collection(db) == created


async def test_ferretdb_gets_the_collections_without_secondary_indexes(
        settings: Settings, fresh: tuple[Client, Database, Commands]) -> None:
    """FerretDB v1 scans for every query and would only pay for indexes on each insert."""
    _, db, commands = fresh
    await ensure_layout(db, settings)
    assert commands.names.count("buildInfo") == 1  # what the server is, asked once
    created = await indexes_by_collection(db)
    assert set(created) == set(every_collection(settings))
    assert {tuple(indexes) for indexes in created.values()} == {("_id_",)}


async def test_the_default_layout_is_a_thousand_and_two_collections(
        settings: Settings, fresh: tuple[Client, Database, Commands]) -> None:
    """The suite runs on TEST_LINK_SHARDS link shards (tests/conftest.py) to keep its fresh
    databases quick to lay out; the default deployment's layout is created here once."""
    default = settings.model_copy(update={"link_shards": Settings.model_fields[
        "link_shards"].default})
    _, db, _ = fresh
    await ensure_layout(db, default)
    names = set(await db.list_collection_names())
    months = set(await months_database(db).list_collection_names())
    assert len(names) + len(months) == 1002
    assert names == set(every_collection(default, "")) and len(names) == 234
    assert months == set(every_collection(default, MONTHS)) and len(months) == 768
    assert {"links_0063", "linkscans_0063", "quota_t15"} <= names
    assert "scanmonths_0063_12" in months


async def every_name(db: Database) -> set[str]:
    """The deployment's collections, the scan-month database's named so."""
    months = months_database(db)
    return set(await db.list_collection_names()) | {
        f"{months.name}.{name}" for name in await months.list_collection_names()}


async def one_tenant(db: Database, http: aiohttp.ClientSession, n: int) -> None:
    """A subscription with a webhook, an asset, an idempotent 1-row batch and a bulk
    link change, all through the running stack's API."""
    api = Api(http, await new_tenant(db))
    hook = {"url": f"https://hooks.example.com/bulkqr/{n}", "events": ["bulk.completed"]}
    async with http.post("/api/webhooks", json=hook, headers=api.tenant.headers) as answer:
        assert answer.status == 201, await answer.text()
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(SVG_LOGO), filename="logo.svg",
                   content_type="image/svg+xml")
    async with http.post("/api/assets", data=form, headers=api.tenant.headers) as answer:
        assert answer.status == 201, await answer.text()
    rows = [{"uid": "only", "qrType": "dynamic", "data": f"https://example.com/t/{n}"}]
    headers = {**api.tenant.headers, "Idempotency-Key": f"layout-{n}"}
    bulk_ids = set()
    for _ in range(2):
        async with http.post(BULK, json=rows, headers=headers) as answer:
            assert answer.status == 200, await answer.text()
            bulk_ids.add(await answer.json())
    (bulk_id,) = bulk_ids
    assert (await api.wait_completed(bulk_id))["status"] == "completed"
    change = {"destination": "https://example.com/moved/{uid}"}
    async with http.post(f"{BULK}/{bulk_id}/links/update", json=change,
                         headers=api.tenant.headers) as answer:
        body = await answer.json()
        assert answer.status == 200 and (body["dryRun"], body["scope"]) == (False, "all"), body


async def test_twenty_tenants_add_at_most_two_collections(
        db: Database, http: aiohttp.ClientSession) -> None:
    before = await every_name(db)
    gate = asyncio.Semaphore(AT_ONCE)

    async def gated(n: int) -> None:
        async with gate:
            await one_tenant(db, http, n)

    await asyncio.gather(*(gated(n) for n in range(TENANTS)))
    added = await every_name(db) - before
    assert len(added) <= 2, sorted(added)
