"""`bulkqr admin`: keys work once hashed, are never stored in plain text, rotate and disable."""

from __future__ import annotations

import subprocess

import orjson
import pytest

from shared.errors import Forbidden, Unauthorized
from shared.settings import Settings
from shared.store.client import Database
from shared.store.subscriptions import find_subscription
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
    record = await find_subscription(db, client_id)
    assert record is not None and record.qr_limit == 5 and record.name == "acme"
    assert api_key not in orjson.dumps(record.to_doc(), default=str).decode()
    assert record.key_hash and record.accepts(api_key)
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

