"""The sync wrapper: the same round trip from plain (non-async) code."""

from __future__ import annotations

from pathlib import Path

import pytest

from client import BulkQRSyncClient, ClientConfig, Gone
from client.export import load_archive
from tests.api import decode_data_uri


def test_sync_round_trip(config: ClientConfig, tmp_path: Path) -> None:
    seen: list[str] = []
    with BulkQRSyncClient(config) as client:
        bulk_id = client.submit([{"uid": "s", "data": "https://example.com/sync"}])
        done = client.wait(bulk_id, on_progress=lambda status: seen.append(status.status))
        assert done.status == "completed" and seen[-1] == "completed"
        saved = client.download(bulk_id, tmp_path)
        assert saved == tmp_path / f"{bulk_id}.json"
        [entry] = load_archive(saved.read_bytes())
        assert decode_data_uri(entry) == "https://example.com/sync"
        with pytest.raises(Gone):
            client.download(bulk_id, tmp_path / "again")
        assert client.status(bulk_id).status == "resultDownloaded"
        assert bulk_id in [item.bulk_id for item in client.list(page_size=1)]
        assert client.list_page(limit=1).items[0].bulk_id == bulk_id
