"""No test stack leaves its namespace behind: once it ends, its queues, exchanges and
databases are gone from the servers (left behind, they slow every later run)."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import aio_pika
from aio_pika.abc import AbstractConnection
from aiormq.exceptions import ChannelNotFoundEntity

from shared.amqp import declare_topology
from shared.settings import Settings
from shared.store import open_client
from shared.store.layout import months_database
from tests.processes import lay_out_store, removed_at_end, topology_names
from tests.test_children import RUN_TIMEOUT_S, inner_pytest

WITH_THE_STACK = '''
import asyncio, json, os

from tests.test_namespaces import left_behind


def test_with_the_stack_running(stack, db):
    found = asyncio.run(left_behind(stack.settings))
    with open(os.environ["INNER_REPORT"], "w") as out:
        json.dump({"mongo_db": stack.settings.mongo_db,
                   "queue_prefix": stack.settings.queue_prefix, "found": found}, out)
'''


async def left_behind(settings: Settings) -> list[str]:
    """The queues, exchanges and databases of `settings`' namespace the servers still hold."""
    queues, exchanges = topology_names(settings)
    connection = await aio_pika.connect(settings.amqp_url.get_secret_value())
    async with connection:
        found = [name for name in queues if await _declared(connection, name, queue=True)]
        found += [name for name in exchanges if await _declared(connection, name, queue=False)]
    client = open_client(settings)
    try:
        for db in (client[settings.mongo_db], months_database(client[settings.mongo_db])):
            if await db.list_collection_names():
                found.append(db.name)
    finally:
        await client.close()
    return found


async def _declared(connection: AbstractConnection, name: str, *, queue: bool) -> bool:
    """Whether the broker has it (a passive declare; a missing name closes its channel)."""
    channel = await connection.channel()
    try:
        if queue:
            await channel.declare_queue(name, passive=True)
        else:
            await channel.declare_exchange(name, passive=True)
    except ChannelNotFoundEntity:
        return False
    await channel.close()
    return True


def test_a_run_with_the_stack_leaves_none_of_its_queues_and_databases(tmp_path: Path,
                                                                        settings: Settings) -> None:
    report = tmp_path / "report.json"
    with inner_pytest(tmp_path, WITH_THE_STACK, INNER_REPORT=str(report)) as (child, output):
        code = child.popen.wait(RUN_TIMEOUT_S)
        assert code == 0, output.read_text()
    started = json.loads(report.read_text())
    queues, exchanges = topology_names(settings)
    assert len(started["found"]) == len(queues) + len(exchanges) + 2  # all there while it ran
    inner = settings.model_copy(update={"mongo_db": started["mongo_db"],
                                        "queue_prefix": started["queue_prefix"]})
    assert asyncio.run(left_behind(inner)) == []


async def declare_namespace(settings: Settings) -> None:
    """The queues and exchanges a gateway or a worker of `settings` declares."""
    connection = await aio_pika.connect(settings.amqp_url.get_secret_value())
    async with connection:
        channel = await connection.channel()
        await declare_topology(channel, settings)  # the webhook queues too


def test_a_stack_of_its_own_removes_its_queues_and_databases_however_it_ends(
        settings: Settings) -> None:
    tag = uuid.uuid4().hex[:6]
    own = settings.model_copy(update={"mongo_db": f"test_own_{tag}",
                                      "queue_prefix": f"test-own-{tag}"})
    try:
        with removed_at_end(own, databases=True):
            lay_out_store(own)
            asyncio.run(declare_namespace(own))
            assert len(asyncio.run(left_behind(own))) == 2 + sum(map(len, topology_names(own)))
            raise KeyboardInterrupt  # as a Ctrl-C would end it
    except KeyboardInterrupt:
        pass
    assert asyncio.run(left_behind(own)) == []
