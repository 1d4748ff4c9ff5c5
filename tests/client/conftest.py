"""Fixtures for client tests: a client of the session stack with fast polls and retries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import aiohttp
import pytest

from client import Backoff, BulkQRClient, ClientConfig, RetryPolicy
from tests.api import Tenant
from tests.conftest import Stack

FAST_POLL = Backoff(first_s=0.05, max_s=0.4, factor=2.0, jitter=0.0)
FAST_RETRY = RetryPolicy(attempts=4, backoff=Backoff(0.05, 0.2, 2.0, 0.2))


def config_for(url: str, tenant: Tenant) -> ClientConfig:
    return ClientConfig(client_id=tenant.client_id, api_key=tenant.api_key, base_url=url,
                        poll=FAST_POLL, retry=FAST_RETRY, wait_timeout_s=120,
                        claim_wait_s=20)


@pytest.fixture
def config(stack: Stack, tenant: Tenant, http: aiohttp.ClientSession) -> ClientConfig:
    """The tenant's settings for the stack (`http` makes the session clean the broker up)."""
    return config_for(stack.url, tenant)


@pytest.fixture
async def client(config: ClientConfig) -> AsyncIterator[BulkQRClient]:
    async with BulkQRClient(config) as bulkqr:
        yield bulkqr


def without_retries(config: ClientConfig) -> ClientConfig:
    return replace(config, retry=RetryPolicy(attempts=1))
