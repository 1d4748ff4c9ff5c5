"""Fixtures of the fault suite: private clusters that are torn down and wiped after use."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from shared.settings import Settings
from tests.faults.cluster import Cluster, new_cluster

MakeCluster = Callable[..., Cluster]


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
