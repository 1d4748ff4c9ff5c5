"""A completed batch's stored result: the archive, its row index and its ZIP parts, consumed
together."""

from __future__ import annotations

from shared.keys import result_key, result_rows_key, result_zip_key
from shared.s3 import ObjectStore


async def delete_result(store: ObjectStore, bulk_id: str) -> None:
    """The archive goes last, so a failure in between leaves it to be consumed again."""
    await store.delete(result_zip_key(bulk_id))
    await store.delete(result_rows_key(bulk_id))
    await store.delete(result_key(bulk_id))
