"""Bulk changes to a batch's links, stored as a few overlay documents, not one write per link.

FerretDB v1 updates a link by scanning its shard, so re-pointing 100,000 codes one
document at a time takes hours. A bulk change is instead written once, as a few overlay
documents (shared/store/overlays.py): the change (a destination template, an expiry,
disabled) and the uids it covers (all of the batch when none are named), stamped with
the time it was made. Whoever reads a link applies its batch's overlays on top of the
stored document.

A single-code PATCH stamps each field it sets (`editedAt`), so per field the newer of the
PATCH and the overlay wins, whichever came first.

An overlay is checked before it is written (gateway/links_bulk.py), but one stored that
cannot be applied (by an older build, or by hand) never fails a read: the reader skips it
for that code, and `SKIPPED` counts it and logs it once per batch and overlay.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard
from urllib.parse import quote

import orjson
import structlog

from shared.errors import RowInvalid
from shared.linkdoc import Link
from shared.rows.payloads import encode_url
from shared.rows.plan import MAX_UID_CHARS
from shared.store.client import Doc

log = structlog.get_logger(__name__)

UIDS_PER_DOCUMENT = 5_000  # keeps an overlay document far below the 16 MB limit
FIELDS = ("destination", "expiryMs", "disabled")
MAX_LOGGED_SKIPS = 10_000  # (bulkId, overlay) pairs remembered as logged already
SHOWN_UID_CHARS = 64  # of a uid quoted in an error message
# A scheme and a whole host (ended by /, ? or #): what urlsplit reads them from.
SCHEME_AND_HOST = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*[/?#]")
# The uid a row may hold that quotes longest: MAX_UID_CHARS characters of 4 UTF-8 bytes,
# each byte written %XX (3,072 characters).
LONGEST_UID = "\U0001f600" * MAX_UID_CHARS


def fill_template(template: str, uid: str | int | None) -> str:
    """The destination `template` with `{uid}` replaced by the code's uid, URL-quoted."""
    return template.replace("{uid}", quote(str(uid), safe=""))


def filled_destination(template: str, uid: str | int | None) -> str:
    """Where the code with this uid goes, checked by a row destination's rules (length,
    characters, scheme and host): else RowInvalid naming the uid and the rule broken."""
    try:
        return encode_url(fill_template(template, uid))
    except RowInvalid as exc:
        rule = str(exc).removesuffix(" for dataType: url")
        rule = rule.replace("Invalid URL provided", "it is not an http(s) URL with a host")
        shown = str(uid)[:SHOWN_UID_CHARS] + ("…" if len(str(uid)) > SHOWN_UID_CHARS else "")
        raise RowInvalid(f"destination for uid {shown!r}: {rule}") from exc


def check_filled(template: str, uids: Iterable[str | int | None]) -> None:
    """RowInvalid naming a uid whose filled destination breaks a destination's rules.

    A uid is filled in URL-quoted, as letters, digits and `-._~%` only: no character a rule
    refuses. So when the template's scheme and host end before its first `{uid}`, only the
    length depends on the uid, and the uid with the longest quoted form is the one to
    check; otherwise (a `{uid}` in the scheme or host) each uid is checked."""
    if not _only_length_varies(template):
        for uid in uids:
            filled_destination(template, uid)
    elif not fits_every_uid(template):
        filled_destination(template, max(uids, key=lambda uid: len(quote(str(uid), safe="")),
                                         default=None))


def fits_every_uid(template: str) -> bool:
    """True if the template makes a valid destination whatever uid a row may hold (rows
    refuse uids over MAX_UID_CHARS): then no uid needs reading to check it."""
    if not _only_length_varies(template):
        return False
    try:
        filled_destination(template, LONGEST_UID)
    except RowInvalid:
        return False
    return True


def _only_length_varies(template: str) -> bool:
    return SCHEME_AND_HOST.match(template.partition("{uid}")[0]) is not None


class SkippedOverlays:
    """Stored overlays a read could not apply: counted every time, logged (with bulkId and
    overlay id) the first time a process meets each."""

    def __init__(self, max_logged: int = MAX_LOGGED_SKIPS) -> None:
        self.count = 0
        self._logged: set[tuple[str, str]] = set()
        self._max_logged = max_logged

    def report(self, bulk_id: str, overlay_id: str, reason: str) -> None:
        self.count += 1
        if (bulk_id, overlay_id) in self._logged:
            return
        if len(self._logged) >= self._max_logged:
            self._logged.clear()
        self._logged.add((bulk_id, overlay_id))
        log.warning("overlay skipped: it cannot be applied", bulkId=bulk_id,
                    overlayId=overlay_id, reason=reason)


SKIPPED = SkippedOverlays()  # this process's; gateway metrics may export its count


@dataclass(frozen=True)
class Overlay:
    """One bulk change: `changes` holds stored fields (`destination` as a template)."""

    at_ms: int
    changes: Mapping[str, Any]
    uids: frozenset[str | int] | None = None  # None: every code of the batch
    overlay_id: str = ""  # its document's _id without the bulkId, for the logs

    def covers(self, uid: str | int | None) -> bool:
        return self.uids is None or (uid is not None and uid in self.uids)

    @classmethod
    def from_doc(cls, doc: Doc) -> Overlay:
        """The overlay a document holds; ValueError if it is not one this module writes."""
        at, changes, uids = doc.get("at"), doc.get("changes"), _stored_uids(doc)
        if not _is_int(at) or not isinstance(changes, dict) or not all(
                _is_field(name, value) for name, value in changes.items()):
            raise ValueError("its time or changes are not ones an overlay holds")
        if uids is not None and (not isinstance(uids, list) or not all(
                _is_int(u) or isinstance(u, str) for u in uids)):
            raise ValueError("its uids are not a list of strings and integers")
        stored_id = str(doc.get("_id"))
        return cls(at, dict(changes), None if uids is None else frozenset(uids),
                   stored_id.removeprefix(f"{doc['bulkId']}:") if "bulkId" in doc else stored_id)

    def to_doc(self, bulk_id: str) -> Doc:
        """The stored form: `_id` is `{bulkId}:{overlay_id}`, unique across batches."""
        return {"_id": f"{bulk_id}:{self.overlay_id}", "bulkId": bulk_id, "at": self.at_ms,
                "changes": dict(self.changes)} | (
            {} if self.uids is None else {"uidsJson": orjson.dumps(list(self.uids)).decode()})


def _stored_uids(doc: Doc) -> Any:
    """The uids a document names: one JSON text (`uidsJson`), because FerretDB v1 reads
    every document of a shard for any query and an array of 5,000 strings costs it about 12 times
    the same uids as one string; documents written before hold an array (`uids`)."""
    text = doc.get("uidsJson")
    if text is None:
        return doc.get("uids")
    if not isinstance(text, str):
        raise ValueError("its uids are not JSON text")
    return orjson.loads(text)  # a JSONDecodeError is a ValueError


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_field(name: str, value: Any) -> bool:
    if name == "destination":
        return isinstance(value, str)
    if name == "expiryMs":
        return value is None or _is_int(value)
    return name == "disabled" and isinstance(value, bool)


def apply_overlays(link: Link, overlays: Iterable[Overlay]) -> Link:
    """The link as its readers see it: each overlay newer than the field's last PATCH.
    An overlay whose destination this code cannot take is skipped (and reported)."""
    if link.is_source:
        return link
    fields: Doc = {}
    for overlay in overlays:
        if overlay.covers(link.uid):
            fields |= _fields_set(overlay, link)
    return link.updated(fields) if fields else link


def _fields_set(overlay: Overlay, link: Link) -> Doc:
    """What `overlay` sets on `link`: its fields newer than their last PATCH, or nothing
    at all if its destination, filled with the link's uid, breaks a destination's rules."""
    fields = {name: value for name, value in overlay.changes.items()
              if overlay.at_ms > link.edited_at_ms.get(name, -1)}
    if "destination" in fields:
        try:
            fields["destination"] = filled_destination(fields["destination"], link.uid)
        except RowInvalid as exc:
            SKIPPED.report(link.bulk_id, overlay.overlay_id, str(exc))
            return {}
    return fields


def new_overlays(changes: Mapping[str, Any], uids: list[str | int] | None,
                 at_ms: int | None = None) -> list[Overlay]:
    """A bulk change as the overlays to store: several when many uids are named (each
    holds at most UIDS_PER_DOCUMENT), all with one time and one id stem."""
    at_ms = int(time.time() * 1000) if at_ms is None else at_ms
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValueError(f"overlays change only {FIELDS}, not {sorted(unknown)}")
    parts: list[frozenset[str | int] | None] = (
        [None] if uids is None
        else [frozenset(uids[i:i + UIDS_PER_DOCUMENT])
              for i in range(0, len(uids), UIDS_PER_DOCUMENT)])
    token = f"{at_ms:015d}-{time.perf_counter_ns() % 10**9:09d}"
    return [Overlay(at_ms, dict(changes), part, f"{token}:{n}") for n, part in enumerate(parts)]
