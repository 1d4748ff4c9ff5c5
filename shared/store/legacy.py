"""Collection names of the layout before DESIGN §11 (one per subscription, batch or month),
read by `bulkqr admin migrate` and by nothing else once the move is done."""

from __future__ import annotations


def progress_collection(bulk_id: str) -> str:
    return f"progress_{bulk_id}"


def charges_collection(bulk_id: str) -> str:
    return f"charges_{bulk_id}"


def quota_collection(client_id: str) -> str:
    return f"quota_{client_id}"
