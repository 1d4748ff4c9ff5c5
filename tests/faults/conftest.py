"""Fixtures of the fault suite: private clusters that are torn down and wiped after use."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from shared.s3 import ObjectStore
from shared.settings import Settings
from shared.store import open_client
from shared.store.layout import drop_databases
from tests.faults.cluster import Cluster, new_cluster
from tests.faults.rabbitcluster import RabbitCluster

MakeCluster = Callable[..., Cluster]
# A test that stops the scale-out cluster runs after every other that uses it: a boot costs
# about a minute, so the session boots it once.
STOPS_CLUSTER = "stops_cluster"
CLUSTER_SETTINGS = {"chunk_rows": 200}  # the default claim TTL lapses within claim_wait_s


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{STOPS_CLUSTER}: stops the session's scale-out "
                                       "cluster, so it runs after the other cluster tests")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.get_closest_marker(STOPS_CLUSTER) is not None)


@pytest.fixture
async def make_cluster(settings: Settings) -> AsyncIterator[MakeCluster]:
    made: list[Cluster] = []

    def make(scenario: str, **overrides: Any) -> Cluster:
        cluster = new_cluster(settings, scenario, **overrides)
        made.append(cluster)
        return cluster

    yield make
    for cluster in made:
        cluster.stop()
        if not cluster.private_servers:  # private servers go with their state folder
            await cluster.remove_data()


@pytest.fixture(scope="session")
async def rabbit_cluster(settings: Settings, tmp_path_factory: pytest.TempPathFactory
                         ) -> AsyncIterator[RabbitCluster]:
    """The session's scale-out cluster (each test starts what is not running); stopped and
    its data removed however the session ends (a guard process covers a killed pytest)."""
    cluster = RabbitCluster(settings.model_copy(update=CLUSTER_SETTINGS),
                            tmp_path_factory.mktemp("cluster"))
    try:
        yield cluster
    finally:
        try:
            await asyncio.to_thread(cluster.stop)
        finally:
            await _remove_data(cluster.settings)


async def _remove_data(settings: Settings) -> None:
    """The cluster's databases and objects. Its queues went with its nodes' data, and its
    broker is stopped by now: remove_namespace, which asks the broker, would fail here."""
    client = open_client(settings)
    try:
        await drop_databases(client[settings.mongo_db])
    finally:
        await client.close()
    async with ObjectStore(settings) as store:
        await store.delete_prefix("")
