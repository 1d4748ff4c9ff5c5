"""Link documents on the real store: a redelivery's inserts collide harmlessly, a foreign
code is refused, and every read comes back as a typed `Link`."""

from __future__ import annotations

import uuid

import pytest

from shared.links import (
    LinkCodes,
    codes_for_row,
    find_link,
    find_links,
    insert_links,
    link_documents,
)
from shared.store import Database


def docs_for(codes: LinkCodes, bulk_id: str, row: int) -> list[dict[str, object]]:
    return link_documents(codes, subscription="sub", bulk_id=bulk_id, row=row, uid=row,
                          destination="https://example.com", expiry_ms=None,
                          password_hashes=[], now_ms=1000)


async def test_a_redelivery_inserts_nothing_new_and_a_collision_is_refused(db: Database) -> None:
    bulk_id = f"bulk_{uuid.uuid4().hex[:8]}"
    codes = codes_for_row(b"secret", 5, bulk_id, 0, ("flyer",))
    docs = docs_for(codes, bulk_id, 0)
    await insert_links(db, 5, docs)
    await insert_links(db, 5, docs)  # the same chunk delivered again
    found = await find_links(db, 5, [codes.code, codes.source_codes[0][1], "05nothere"])
    assert sorted(found) == sorted([codes.code, codes.source_codes[0][1]])
    record = await find_link(db, codes.code)
    assert record is not None and record.to_doc() == docs[0]
    with pytest.raises(RuntimeError, match="short code collision"):
        await insert_links(db, 5, docs_for(codes, bulk_id, 1))
