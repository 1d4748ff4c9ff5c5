"""`bulkqr webhooks add|list|deliveries` against the real gateway."""

from __future__ import annotations

import asyncio
import os

import orjson

from tests.api import Api
from tests.conftest import Stack
from tests.processes import BULKQR


async def bulkqr(stack: Stack, api: Api, *args: str) -> tuple[int, bytes, bytes]:
    env = {**os.environ, "BULKQR_URL": stack.url, "BULKQR_CLIENT_ID": api.tenant.client_id,
           "BULKQR_API_KEY": api.tenant.api_key}
    process = await asyncio.create_subprocess_exec(
        str(BULKQR), "webhooks", *args, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out, err


async def test_add_list_and_deliveries(wh_stack: Stack, wh_api: Api) -> None:
    code, out, err = await bulkqr(wh_stack, wh_api, "add", "https://example.com/hook",
                                  "--event", "bulk.completed")
    assert code == 0, err
    created = orjson.loads(out)
    assert created["secret"].startswith("whsec_") and created["events"] == ["bulk.completed"]
    code, out, _ = await bulkqr(wh_stack, wh_api, "list")
    listed = [orjson.loads(line) for line in out.splitlines()]
    assert code == 0 and [h["id"] for h in listed] == [created["id"]]
    code, out, _ = await bulkqr(wh_stack, wh_api, "deliveries", created["id"])
    assert code == 0 and out == b""
    code, _, err = await bulkqr(wh_stack, wh_api, "deliveries", "wh_nope")
    assert code == 1 and b"404 no webhook with that id" in err
    code, _, err = await bulkqr(wh_stack, wh_api, "add", "ftp://example.com/")
    assert code == 1 and b"400" in err
