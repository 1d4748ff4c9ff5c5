"""`bulkqr links list|update|export` against the session stack, run as a user runs them."""

from __future__ import annotations

import asyncio
import csv
import io

import orjson

from tests.api import Api
from tests.client.test_cli import bulkqr
from tests.conftest import Stack
from tests.integration.test_qr_listing import dynamic_bulk


async def test_list_update_and_export(api: Api, stack: Stack) -> None:
    bulk_id, _ = await dynamic_bulk(api, 3)

    async def run(*args: str) -> str:
        done = await asyncio.to_thread(bulkqr, "links", *args, tenant=api.tenant, url=stack.url)
        assert done.returncode == 0, done.stderr
        return done.stdout

    listed = [orjson.loads(line) for line in (await run("list", "--bulk-id", bulk_id))
              .splitlines()]
    assert sorted(item["uid"] for item in listed) == ["item-0", "item-1", "item-2"]
    dry = orjson.loads(await run("update", bulk_id, "--destination",
                                 "https://cli.example/{uid}", "--dry-run"))
    assert dry["changed"] == 3 and dry["dryRun"] is True
    done = orjson.loads(await run("update", bulk_id, "--uid", "item-1", "--disable"))
    assert (done["scope"], done["uids"]) == ("uids", 1)
    lines = list(csv.DictReader(io.StringIO(await run("export", bulk_id))))
    assert {line["uid"]: line["disabled"] for line in lines} == {
        "item-0": "False", "item-1": "True", "item-2": "False"}
    assert {line["destination"] for line in lines} == {
        f"https://example.com/p/{n}" for n in range(3)}  # the dry run changed nothing
    refused = await asyncio.to_thread(bulkqr, "links", "update", bulk_id, tenant=api.tenant,
                                      url=stack.url)
    assert refused.returncode == 2 and "say what to change" in refused.stderr
    missing = await asyncio.to_thread(bulkqr, "links", "export", "bulk_" + "0" * 24,
                                      tenant=api.tenant, url=stack.url)
    assert missing.returncode == 1 and "404" in missing.stderr
