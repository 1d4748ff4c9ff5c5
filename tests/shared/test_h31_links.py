"""Issue 31, item 2 and item 11's bidi controls: destinations checked as they will be
applied, stored overlays that cannot be applied skipped, disguising characters refused."""

from __future__ import annotations

import itertools
import sys
import unicodedata

import pytest

from shared.errors import RowInvalid
from shared.linkdoc import Link
from shared.overlays import (
    SKIPPED,
    Overlay,
    SkippedOverlays,
    apply_overlays,
    check_filled,
    filled_destination,
    fits_every_uid,
)
from shared.rows.payloads import encode_url, has_format_character
from shared.rows.plan import RowFailure, plan_row

LONG_UID = "u" * 200
BOMB = "https://e.com/?" + "{uid}" * 810  # 2,445 characters filled with "uid"
DISGUISES = ["\u202e", "\u202a", "\u2066", "\u2069", "\u200e", "\u200f", "\u061c", "\u200b",
             "\u2060", "\ufeff", "\u00ad", "\U000e0041"]


def record(uid: str = LONG_UID, **fields: object) -> Link:
    base = Link("AAcode001", "sub", "bulk_1", 3, 1_000, uid=uid,
                destination="https://old.example/")
    return base.updated(dict(fields)) if fields else base


def test_a_filled_destination_names_the_uid_and_the_rule() -> None:
    assert filled_destination("https://e.com/{uid}", "a b") == "https://e.com/a%20b"
    with pytest.raises(RowInvalid, match=r"destination for uid 'u{64}…': URL is longer than"
                                         r" 4096 characters$"):
        filled_destination(BOMB, LONG_UID)
    with pytest.raises(RowInvalid, match=r"uid 'x': it is not an http\(s\) URL with a host"):
        filled_destination("{uid}://e.com/", "x")


TEMPLATES = ["https://e.com/{uid}", "https://e.com" + "/{uid}" * 183, BOMB,
             "https://e.com/" + "a" * 3990 + "?u={uid}", "https://{uid}.e.com/", "{uid}",
             "http{uid}://e.com/", "https://e.com#{uid}", "https://[{uid}]/", "https:{uid}"]
UIDS: list[str | int | None] = ["a", 7, "é/ü " * 60, "u" * 256, "http", "", None, "x" * 20]


@pytest.mark.parametrize("template", TEMPLATES)
def test_checking_the_longest_uid_says_what_checking_each_would(template: str) -> None:
    for uids in itertools.combinations(UIDS, 3):
        bad = []
        for uid in uids:
            try:
                filled_destination(template, uid)
            except RowInvalid:
                bad.append(uid)
        try:
            check_filled(template, uids)
        except RowInvalid as exc:  # it names one of the uids that break a rule
            assert any(str(exc).startswith(f"destination for uid {repr(str(uid))[:20]}")
                       for uid in bad), (template[:30], uids, str(exc))
        else:
            assert not bad, (template[:30], uids)
        assert not (fits_every_uid(template) and bad), (template[:30], uids)


def test_only_a_template_some_uid_could_break_needs_the_uids_read() -> None:
    assert fits_every_uid("https://e.com/{uid}?src=qr")
    assert fits_every_uid("https://e.com/" + "a" * 1_000 + "/{uid}")
    assert not fits_every_uid("https://e.com/" + "a" * 1_020 + "/{uid}")
    assert not fits_every_uid("https://e.com/{uid}/{uid}")  # 6,158 with the longest uid
    assert not fits_every_uid("https://{uid}.e.com/")  # the host depends on the uid


def test_an_overlay_a_code_cannot_take_is_skipped_for_it_and_reported() -> None:
    bad = Overlay(2_000, {"destination": BOMB, "disabled": True}, overlay_id="bad:0")
    good = Overlay(3_000, {"destination": "https://new.example/{uid}"}, overlay_id="good:0")
    before = SKIPPED.count
    assert apply_overlays(record(), [bad]) == record()  # neither field: the change is whole
    assert SKIPPED.count == before + 1
    seen = apply_overlays(record(), [bad, good])
    assert seen.location == f"https://new.example/{LONG_UID}" and not seen.disabled
    assert apply_overlays(record("short"), [bad]).location.startswith("https://e.com/?short")


def test_skips_are_counted_each_time_and_logged_once_per_overlay(
        capsys: pytest.CaptureFixture[str]) -> None:
    skips = SkippedOverlays(max_logged=2)
    for overlay_id in ("a", "a", "b", "a"):
        skips.report("bulk_1", overlay_id, "too long")
    assert skips.count == 4
    assert capsys.readouterr().out.count("overlay skipped") == 2


@pytest.mark.parametrize("doc", [
    {"_id": "1", "at": "soon", "changes": {}},
    {"_id": "2", "at": 5, "changes": "everything"},
    {"_id": "3", "at": 5, "changes": {"destination": 42}},
    {"_id": "4", "at": 5, "changes": {"expiryMs": "tomorrow"}},
    {"_id": "5", "at": 5, "changes": {"disabled": "yes"}},
    {"_id": "6", "at": 5, "changes": {"color": "red"}},
    {"_id": "7", "at": 5, "changes": {}, "uids": [["nested"]]},
    {"_id": "8", "changes": {}},
])
def test_a_document_that_is_no_overlay_is_refused_when_read(doc: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Overlay.from_doc(doc)


def test_a_written_overlay_reads_back_with_its_id() -> None:
    doc = {"_id": "t:0", "at": 5, "changes": {"expiryMs": None, "disabled": False},
           "uids": ["a", 7]}
    assert Overlay.from_doc(doc) == Overlay(5, {"expiryMs": None, "disabled": False},
                                            frozenset({"a", 7}), "t:0")


def test_format_characters_are_every_invisible_format_character() -> None:
    """The pattern against the definition it stands for (Unicode category Cf); what else it
    holds is unassigned in this Python's Unicode (format controls a later one adds)."""
    every = [chr(point) for point in range(sys.maxunicode + 1)]
    assert [ch for ch in every if unicodedata.category(ch) == "Cf"
            and not has_format_character(ch)] == []
    assert {unicodedata.category(ch) for ch in every if has_format_character(ch)} <= {"Cf", "Cn"}
    assert not has_format_character("https://bücher.example/ça?q=日本")


@pytest.mark.parametrize("char", DISGUISES)
def test_destinations_with_bidi_or_invisible_characters_are_refused(char: str) -> None:
    url = f"https://e.com/{char}gnp.exe"
    with pytest.raises(RowInvalid, match="bidi controls or other invisible format"):
        encode_url(url)
    failed = plan_row(0, {"uid": "a", "qrType": "dynamic", "data": url}, now_ms=1_000)
    assert isinstance(failed, RowFailure) and failed.code == 400
