"""The tools of `bulkqr admin migrate`'s steps (shared/store/upgrade.py runs them in order).

Each step copies one legacy family into its fixed collections with unique inserts (a
document already copied is skipped) and drops a legacy collection only once all of it
is copied, so a migration stopped anywhere is finished by running it again. Run it with
the workers stopped (docs/operations.md); a gateway may keep redirecting meanwhile.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from shared.store.client import Database, Doc
from shared.store.errors import store_errors
from shared.store.unique import insert_many_unique

PAGE_DOCS = 1000
Rewrite = Callable[[Doc], Doc]


async def legacy_collections(db: Database, pattern: re.Pattern[str]) -> list[str]:
    """The collections whose whole name matches `pattern`, sorted."""
    with store_errors():
        names = await db.list_collection_names()
    return sorted(name for name in names if pattern.fullmatch(name))


async def move_collection(db: Database, legacy: str, target: Callable[[Doc], str],
                          rewrite: Rewrite) -> int:
    """Copy every document of `legacy` (rewritten) into the collection `target` names for
    it, then drop `legacy`. Returns the documents this call inserted."""
    copied = 0
    with store_errors():
        page: list[Doc] = []
        async for doc in db[legacy].find({}).sort("_id", 1):
            page.append(rewrite(doc))
            if len(page) == PAGE_DOCS:
                copied += await _insert_page(db, page, target)
                page = []
        copied += await _insert_page(db, page, target)
        await db.drop_collection(legacy)
    return copied


async def _insert_page(db: Database, docs: list[Doc], target: Callable[[Doc], str]) -> int:
    by_collection: dict[str, list[Doc]] = {}
    for doc in docs:
        by_collection.setdefault(target(doc), []).append(doc)
    return sum([len(await insert_many_unique(db[name], group))
                for name, group in by_collection.items()])
