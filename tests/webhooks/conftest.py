"""A gateway and a worker of their own for the webhook tests: private targets allowed,
retries a few seconds apart, endpoints disabled after 8 s of failures."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import aio_pika
import aiohttp
import pytest

from shared.settings import Settings
from shared.webhooks.queues import delay_queue, webhooks_queue
from tests.api import Api, Tenant
from tests.conftest import Stack
from tests.processes import free_port, removed_at_end, start_gateway, start_worker

DELAYS_S = [1.0, 2.0, 3.0, 4.0]
DISABLE_AFTER_S = 8.0


@pytest.fixture(scope="module")
def wh_settings(settings: Settings) -> Settings:
    port = free_port()
    return settings.model_copy(update={
        "queue_prefix": f"{settings.queue_prefix}-wh", "http_port": port,
        "public_url": f"http://127.0.0.1:{port}", "webhook_allow_private": True,
        "webhook_retry_delays_s": DELAYS_S, "webhook_disable_after_s": DISABLE_AFTER_S})


@pytest.fixture(scope="module")
def wh_stack(wh_settings: Settings) -> Iterator[Stack]:
    """Its processes stopped and its queues (the webhook delay queues too) deleted at the
    end, however it ends; the database is the session's."""
    with removed_at_end(wh_settings, databases=False) as processes:
        processes.append(start_gateway(wh_settings, f"{wh_settings.queue_prefix}-gateway"))
        processes.append(start_worker(wh_settings, f"{wh_settings.queue_prefix}-worker"))
        yield Stack(wh_settings, processes[0], processes[1:])


@pytest.fixture(scope="module")
async def wh_http(wh_stack: Stack) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(wh_stack.url) as session:
        yield session


async def delete_webhook_queues(settings: Settings) -> None:
    """The webhook queues of `settings` (tests/faults/test_webhook_faults.py's cluster)."""
    prefix = settings.queue_prefix
    names = [webhooks_queue(prefix)] + [delay_queue(prefix, d)
                                        for d in settings.webhook_retry_delays_s]
    connection = await aio_pika.connect(settings.amqp_url.get_secret_value())
    async with connection:
        channel = await connection.channel()
        for name in names:
            await channel.queue_delete(name, if_unused=False, if_empty=False)


@pytest.fixture
def wh_api(wh_http: aiohttp.ClientSession, tenant: Tenant) -> Api:
    return Api(wh_http, tenant)


async def register(api: Api, url: str, events: list[str] | None = None) -> dict[str, Any]:
    body = {"url": url, "events": events or ["bulk.completed", "bulk.downloaded"]}
    async with api.http.post("/api/webhooks", json=body, headers=api.tenant.headers) as answer:
        created: dict[str, Any] = await answer.json()
        assert answer.status == 201, created
    assert created["secret"].startswith("whsec_")
    return created


async def attempts(api: Api, webhook_id: str) -> list[dict[str, Any]]:
    async with api.http.get(f"/api/webhooks/{webhook_id}/deliveries",
                            headers=api.tenant.headers) as answer:
        assert answer.status == 200, await answer.text()
        items: list[dict[str, Any]] = (await answer.json())["items"]
        return items
