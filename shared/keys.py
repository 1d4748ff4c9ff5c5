"""Every storage key and claim id of a batch, built in one place: objects, claims, records."""

from __future__ import annotations

SPLIT_CLAIMER = "split"


def inputs_prefix(bulk_id: str) -> str:
    return f"inputs/{bulk_id}/"


def parts_prefix(bulk_id: str) -> str:
    return f"parts/{bulk_id}/"


def rows_key(bulk_id: str) -> str:
    """The stored rows of a batch (claim-check): each chunk's `{"first": i, "dups": [...],
    "rows": [...json text...]}`, one after another (see shared/inputs.py)."""
    return f"{inputs_prefix(bulk_id)}rows.json"


def input_key(bulk_id: str, chunk: int) -> str:
    """The stored rows of one chunk, as batches accepted before rows_key were stored."""
    return f"{inputs_prefix(bulk_id)}{chunk:06d}.json"


def part_key(bulk_id: str, chunk: int) -> str:
    """The rendered entries of a chunk, as an archive fragment (see schemas.fragment)."""
    return f"{parts_prefix(bulk_id)}{chunk:06d}.txt"


def rows_part_key(bulk_id: str, chunk: int) -> str:
    """The uid and label of each row of a chunk, as JSON lines (see shared/formats/rowindex.py)."""
    return f"{parts_prefix(bulk_id)}{chunk:06d}.rows"


def zip_part_key(bulk_id: str, chunk: int) -> str:
    """The ZIP entries and manifest lines of a chunk's images (see shared/formats/zippart.py)."""
    return f"{parts_prefix(bulk_id)}{chunk:06d}.zip"


def result_key(bulk_id: str) -> str:
    return f"results/{bulk_id}.json"


def result_rows_key(bulk_id: str) -> str:
    """Every row's uid and label beside the archive, which names no uid for a static row."""
    return f"results/{bulk_id}.rows"


def result_zip_key(bulk_id: str) -> str:
    """The chunks' ZIP parts joined in order beside the archive, for a ZIP download."""
    return f"results/{bulk_id}.zipparts"


def archive_claim(bulk_id: str) -> str:
    """The archive job of a batch, claimed in the claims collection (unique insert)."""
    return f"archive:{bulk_id}"


def download_claim(bulk_id: str) -> str:
    """The one-shot download of a batch's result, claimed in the claims collection."""
    return f"download:{bulk_id}"


def claimer_of_chunk(chunk: int) -> str:
    """Who claimed a window slot: a chunk's message (or `SPLIT_CLAIMER`, the split)."""
    return f"chunk:{chunk}"
