"""The archive's text: escaped fragments concatenate into the JSON string the API returns."""

from __future__ import annotations

from typing import Any

import orjson

from shared.schemas import ARCHIVE_CLOSE, ARCHIVE_OPEN, ARCHIVE_SEPARATOR, WorkMessage, fragment


def test_fragments_join_into_the_encoded_archive() -> None:
    chunks: list[list[Any]] = [["data:a", {"uid": 'q"\\', "status": "failed"}],
                               [{"id": "qr_1", "uid": 2}]]
    body = ARCHIVE_OPEN + ARCHIVE_SEPARATOR.join(fragment(c) for c in chunks) + ARCHIVE_CLOSE
    entries = [entry for chunk in chunks for entry in chunk]
    assert body == orjson.dumps(orjson.dumps(entries).decode())
    assert orjson.loads(orjson.loads(body)) == entries


def test_work_message_round_trip() -> None:
    message = WorkMessage(kind="chunk", bulk_id="bulk_1", chunk=3, chunks=9)
    assert WorkMessage.from_bytes(message.to_bytes()) == message
    assert orjson.loads(message.to_bytes())["bulkId"] == "bulk_1"
