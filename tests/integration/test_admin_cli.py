"""`bulkqr admin`: keys work once hashed, are never stored in plain text, rotate and disable."""

from __future__ import annotations

import subprocess

import orjson
import pytest

from shared.analytics.months import merged, month_id
from shared.analytics.series import read_scans
from shared.analytics.tally import HOUR_MS, Cell, hour_of
from shared.errors import Forbidden, Unauthorized
from shared.ids import shard_of_code
from shared.settings import Settings
from shared.store import SUBSCRIPTIONS, Database
from shared.subscriptions import authenticate
from tests.processes import BULKQR, settings_env


def admin(settings: Settings, *args: str) -> list[dict[str, object]]:
    result = subprocess.run([str(BULKQR), "admin", *args], env=settings_env(settings),
                            capture_output=True, text=True, timeout=60, check=True)
    return [orjson.loads(line) for line in result.stdout.splitlines()]


async def test_create_subscription_prints_one_json_line_and_stores_a_hash(
    settings: Settings, db: Database
) -> None:
    [created] = admin(settings, "create-subscription", "--name", "acme", "--qr-limit", "5")
    client_id, api_key = str(created["clientId"]), str(created["apiKey"])
    assert set(created) == {"clientId", "apiKey"}
    doc = await db[SUBSCRIPTIONS].find_one({"_id": client_id})
    assert doc is not None and doc["qrLimit"] == 5 and doc["name"] == "acme"
    assert api_key not in orjson.dumps(doc, default=str).decode()
    sub = await authenticate(db, client_id, api_key)
    assert sub.client_id == client_id and sub.qr_limit == 5
    with pytest.raises(Unauthorized):
        await authenticate(db, client_id, api_key + "x")
    with pytest.raises(Unauthorized):
        await authenticate(db, None, api_key)

    [rotated] = admin(settings, "rotate-key", client_id)
    with pytest.raises(Forbidden, match="revoked"):
        await authenticate(db, client_id, api_key)
    assert (await authenticate(db, client_id, str(rotated["apiKey"]))).client_id == client_id

    admin(settings, "disable-subscription", client_id)
    with pytest.raises(Forbidden, match="disabled"):
        await authenticate(db, client_id, str(rotated["apiKey"]))
    listed = admin(settings, "list-subscriptions")
    assert any(item["clientId"] == client_id and item["disabled"] for item in listed)
    assert all("keyHash" not in item for item in listed)


async def test_split_scan_months_moves_the_old_layout_and_the_scans_read_back(
    settings: Settings, db: Database
) -> None:
    """Months stored before 2026-12-03 (one collection per shard, every month in it) are
    moved into their per-month collections; the scans query then finds them, and a second
    run has nothing left to move."""
    code = "0A" + "b" * 7
    shard = shard_of_code(code)
    assert shard is not None
    hours = [hour_of(ms) for ms in (1_780_000_000_000, 1_790_000_000_000)]  # two months
    cells = [Cell(record=code, source="direct", hour=hour, device="mobile", os="iOS",
                  browser="Mobile Safari", country="FR", referrer="direct", count=3)
             for hour in hours]
    old = [merged(None, code, month_id(code, cell.hour).rpartition(":")[2], [cell], "g", 1)
           for cell in cells]
    await db[f"scanmonths_{shard:04d}"].insert_many([doc for doc in old if doc is not None])
    assert admin(settings, "split-scan-months") == [{"moved": 2}]
    assert f"scanmonths_{shard:04d}" not in await db.list_collection_names()
    read = await read_scans(db, code, hours[0] * HOUR_MS, (hours[1] + 1) * HOUR_MS, "hour")
    assert read["total"] == 6 and read["breakdowns"]["country"] == {"FR": 6}
    assert admin(settings, "split-scan-months") == [{"moved": 0}]
