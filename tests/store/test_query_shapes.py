"""The query-shape check: what the recorder writes, and which shapes the checker passes."""

from __future__ import annotations

import asyncio
import re
import uuid
from pathlib import Path

import orjson
import pytest
from pymongo.monitoring import CommandStartedEvent

from shared.settings import Settings
from shared.store.client import open_client
from shared.store.layout import FAMILIES, Family, Index, asc
from shared.store.monitor import ShapeRecorder, dedup_name, field_paths, query_shapes
from shared.store.shape_check import FULL_READS, Shape, is_covered, serves, uncovered

OWNED = Family("owned", "one", "id", "test family", (
    Index("by_owner", (("subscription", 1), ("createdAt", -1), ("_id", -1))),
    Index("by_chunk", asc("bulkId", "chunk", "row")),
))


def shape(eq: tuple[str, ...] = (), rng: tuple[str, ...] = (),
          sort: tuple[tuple[str, int], ...] = ()) -> Shape:
    return Shape(frozenset(eq), frozenset(rng), sort)


def test_field_paths_flatten_logic_and_strip_operators() -> None:
    query = {"a": 1, "b": {"$in": [1, 2]}, "c": {"$gt": 3, "$lt": 9},
             "$or": [{"d": "x"}, {"$and": [{"e": {"$exists": True}}]}],
             "f.g": {"nested": 1}, "$comment": "ignored"}
    assert field_paths(query) == (["a", "b", "d", "f.g"], ["c", "e"])


def test_a_regex_search_needs_no_index_field() -> None:
    """An unanchored, case-insensitive search is tested on the documents the index found."""
    regex = {"$regex": "spring", "$options": "i"}
    query = {"bulkId": "b", "row": {"$gt": 4}, "$or": [{"uid": regex}, {"destination": regex}]}
    assert field_paths(query) == (["bulkId"], ["row"])
    assert field_paths({"uid": re.compile("x"), "row": {"$gt": 1}}) == ([], ["row"])


def test_field_paths_of_no_filter() -> None:
    assert field_paths(None) == ([], [])
    assert field_paths({}) == ([], [])


def test_query_shapes_of_each_command() -> None:
    find = {"find": "orders", "filter": {"subscription": "s"}, "sort": {"createdAt": -1}}
    assert query_shapes("find", find) == [
        {"eq": ["subscription"], "range": [], "sort": [["createdAt", -1]]}]
    modify = {"findAndModify": "orders", "query": {"_id": 1}, "update": {"$set": {"a": 1}}}
    assert query_shapes("findAndModify", modify)[0]["eq"] == ["_id"]
    update = {"update": "x", "updates": [{"q": {"a": 1}}, {"q": {"b": {"$lt": 2}}}]}
    assert query_shapes("update", update) == [
        {"eq": ["a"], "range": [], "sort": []}, {"eq": [], "range": ["b"], "sort": []}]
    delete = {"delete": "x", "deletes": [{"q": {"expiresAt": {"$lt": 5}}, "limit": 0}]}
    assert query_shapes("delete", delete)[0]["range"] == ["expiresAt"]
    assert query_shapes("count", {"count": "x"}) == [{"eq": [], "range": [], "sort": []}]
    assert query_shapes("distinct", {"distinct": "x", "key": "k", "query": {"a": 1}}
                        )[0]["eq"] == ["a"]
    assert query_shapes("insert", {"insert": "x", "documents": []}) == []


def test_aggregate_reads_by_leading_match_and_sort() -> None:
    pipeline = [{"$match": {"a": 1}}, {"$sort": {"b": 1}}, {"$group": {"_id": "$c"}}]
    assert query_shapes("aggregate", {"aggregate": "x", "pipeline": pipeline}) == [
        {"eq": ["a"], "range": [], "sort": [["b", 1]]}]
    sort_only = [{"$sort": {"b": -1}}, {"$limit": 1}]
    assert query_shapes("aggregate", {"aggregate": "x", "pipeline": sort_only}) == [
        {"eq": [], "range": [], "sort": [["b", -1]]}]
    grouped = [{"$group": {"_id": None, "n": {"$sum": 1}}}]
    assert query_shapes("aggregate", {"aggregate": "x", "pipeline": grouped}) == [
        {"eq": [], "range": [], "sort": []}]


def test_dedup_name_folds_shards_and_ids() -> None:
    assert dedup_name("quota_t03") == "quota_t##"
    assert dedup_name("links_0042") == "links_####"
    assert dedup_name("quota_3f2a9c") == "quota_*"
    assert dedup_name("orders") == "orders"
    assert dedup_name("webhook_log_t15") == "webhook_log_t##"
    assert dedup_name("scanmonths_0033_12") == "scanmonths_####_##"
    assert dedup_name("scanmonths_0033_202612") == "scanmonths_####_######"
    assert dedup_name("progress_9b1c2d3e4f") == "progress_*"


@pytest.mark.parametrize("good", [
    shape(eq=("_id",)),
    shape(rng=("_id",)),
    shape(eq=("_id",), sort=(("_id", 1),)),
    shape(eq=("_id", "status")),  # a compare-and-set on one document
    shape(eq=("_id",), rng=("expiresAt",)),
    shape(eq=("subscription",)),
    shape(eq=("subscription",), sort=(("createdAt", -1), ("_id", -1))),
    shape(eq=("subscription",), sort=(("createdAt", 1), ("_id", 1))),  # reversed walk
    shape(eq=("subscription",), rng=("createdAt",), sort=(("createdAt", -1),)),
    shape(eq=("subscription", "createdAt"), sort=(("_id", -1),)),
    shape(eq=("subscription",), rng=("createdAt",)),
    shape(eq=("chunk", "bulkId")),  # equality fields in any order
    shape(eq=("bulkId",), rng=("chunk",)),
    shape(eq=("bulkId", "chunk"), sort=(("row", 1),)),
    shape(sort=(("subscription", 1),)),
])
def test_shapes_an_index_serves(good: Shape) -> None:
    assert is_covered(good, OWNED)


@pytest.mark.parametrize("bad", [
    shape(),  # a whole read of a family not listed
    shape(eq=("createdAt",)),  # not a prefix
    shape(eq=("other",), rng=("_id",)),
    shape(eq=("subscription", "other")),
    shape(eq=("subscription",), sort=(("createdAt", -1), ("_id", 1))),  # mixed directions
    shape(eq=("subscription",), sort=(("_id", -1),)),  # skips createdAt
    shape(eq=("bulkId",), rng=("row",)),  # range past a gap
    shape(rng=("bulkId",), sort=(("chunk", 1),)),  # range before the sort
    shape(eq=("$expr",)),
])
def test_shapes_no_index_serves(bad: Shape) -> None:
    assert not is_covered(bad, OWNED)


def test_serves_reads_equality_then_sort_then_range() -> None:
    keys = asc("a", "b", "c")
    assert serves(keys, shape(eq=("a",), sort=(("b", 1),), rng=("c",)))
    assert not serves(keys, shape(eq=("a",), sort=(("c", 1),), rng=("b",)))


def test_whole_reads_are_allowed_only_where_listed() -> None:
    for family in FAMILIES:
        assert is_covered(shape(), family) == (family.stem in FULL_READS)
    assert all(reason for reason in FULL_READS.values())
    assert set(FULL_READS) <= {family.stem for family in FAMILIES}


def test_uncovered_names_family_collection_and_site() -> None:
    def line(collection: str, site: str, **fields: object) -> bytes:
        body = {"collection": collection, "command": "find", "eq": [], "range": [],
                "sort": [], "site": site, **fields}
        return orjson.dumps(body)

    lines = [
        line("orders", "shared/orders.py:1 f", eq=["subscription"]),  # by_owner
        line("orders", "shared/orders.py:2 g", eq=["state"]),
        line("orders", "shared/orders.py:3 h", eq=["state"]),
        line("quota_abc123", "shared/quota.py:4 q", eq=["bulkId"]),
        line("quota_t03", "shared/quota.py:5 r", eq=["_id"]),  # a lookup
        line("orders", "tests/x.py:6 t", eq=["anything"]),  # a test's own look
        line("quota_abc123", "shared/store/migrations/quota.py:7 m"),
        b"",
    ]
    assert uncovered(lines, link_shards=4) == [
        "orders: no index: find eq=['state'] range=[] sort=[] "
        "(from shared/orders.py:2 g, shared/orders.py:3 h)",
        "quota_*: not in layout: find eq=['bulkId'] range=[] sort=[] "
        "(from shared/quota.py:4 q)",
    ]


async def test_recorder_writes_each_shape_once_with_its_site(settings: Settings,
                                                             tmp_path: Path) -> None:
    log = tmp_path / "commands.jsonl"
    client = open_client(settings.model_copy(update={"store_command_log": str(log)}))
    name = f"shapes_{uuid.uuid4().hex[:8]}"
    collection = client[settings.mongo_db][name]
    try:
        await collection.insert_many([{"_id": n, "a": n % 3, "b": n} for n in range(6)])
        for _ in range(3):
            assert len(await collection.find({"a": 1}).sort("b", -1).to_list()) == 2
        await collection.update_many({"a": {"$in": [1, 2]}}, {"$set": {"c": 1}})
        await collection.delete_one({"b": {"$gte": 5}})
        assert await collection.count_documents({"a": 0}) == 2
        assert sorted(await collection.distinct("a", {"c": 1})) == [1, 2]
        (found,) = await asyncio.gather(collection.find_one({"z": 1}))
        assert found is None
    finally:
        await client[settings.mongo_db].drop_collection(name)
        await client.close()
    lines = [orjson.loads(raw) for raw in log.read_bytes().splitlines()]
    seen = {(ln["command"], tuple(ln["eq"]), tuple(ln["range"])) for ln in lines}
    assert seen == {("find", ("a",), ()), ("update", ("a",), ()), ("delete", (), ("b",)),
                    ("aggregate", ("a",), ()), ("distinct", ("c",), ()),
                    ("find", ("z",), ())}
    finds = [ln for ln in lines if ln["command"] == "find" and ln["eq"] == ["a"]]
    assert len(finds) == 1 and finds[0]["sort"] == [["b", -1]]
    assert finds[0]["collection"] == name
    assert finds[0]["site"].startswith("tests/store/test_query_shapes.py:")
    gathered = [ln for ln in lines if ln["eq"] == ["z"]]
    assert [ln["site"] for ln in gathered] == ["?"]  # its own task: who made it is unknown


async def test_recorder_never_raises(settings: Settings, tmp_path: Path) -> None:
    unwritable = tmp_path / "missing" / "commands.jsonl"
    client = open_client(settings.model_copy(update={"store_command_log": str(unwritable)}))
    try:
        assert await client[settings.mongo_db]["nothing_here"].find_one({"a": 1}) is None
    finally:
        await client.close()
    assert not unwritable.parent.exists()
    recorder = ShapeRecorder(str(unwritable))
    for command in ({"find": "x", "filter": {"a": 1}}, {"find": "x", "filter": ["a", 1]},
                    {"update": "x", "updates": "garbage"}):
        recorder.started(CommandStartedEvent(command, "db", 1, ("127.0.0.1", 1), 1))
    assert not unwritable.parent.exists()


async def test_no_recorder_without_the_setting(settings: Settings) -> None:
    client = open_client(settings.model_copy(update={"store_command_log": ""}))
    try:
        listeners = client.options.event_listeners
        assert not any(isinstance(listener, ShapeRecorder) for listener in listeners)
    finally:
        await client.close()
