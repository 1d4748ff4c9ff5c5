"""Turn one submitted row (untrusted JSON) into a RowPlan to render, or a RowFailure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.errors import RowInvalid
from shared.passwords import MAX_PASSWORD_CHARS, MAX_PASSWORDS
from shared.rows.payloads import encode_payload, encode_url
from shared.rows.styling import Styling, parse_styling

Uid = str | int | None
MAX_SOURCES, MAX_SOURCE_CHARS = 20, 64
MAX_UID_CHARS = 256
MAX_LABEL_CHARS = 200
# Integers that reach the document store must fit its signed 64-bit integers.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# Epoch milliseconds of 9999-12-31T23:59:59.999Z, the last instant ISO-8601 can write.
MAX_EXPIRY_MS = 253_402_300_799_999
MAX_SCANS_LIMIT = 1_000_000_000


@dataclass(frozen=True)
class Features:
    """The failedFeatures buckets a row falls in, read from its raw flags."""

    dynamic: bool = False
    secured: bool = False
    sourced: bool = False


@dataclass(frozen=True)
class RowFailure:
    index: int
    uid: Uid
    message: str
    code: int
    features: Features = field(default_factory=Features)


@dataclass(frozen=True)
class RowPlan:
    """A valid row: for a static row `payload` is the QR's content; for a dynamic row it is
    the destination, and the QR shows the short link."""

    index: int
    uid: Uid
    dynamic: bool
    payload: str
    styling: Styling
    passwords: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    expiry_ms: int | None = None
    features: Features = field(default_factory=Features)
    max_scans: int | None = None


def features_of(raw: Any) -> Features:
    if not isinstance(raw, dict):
        return Features()
    return Features(
        dynamic=raw.get("qrType") == "dynamic",
        secured=isinstance(raw.get("secure"), list) and bool(raw["secure"]),
        sourced=isinstance(raw.get("sources"), list) and bool(raw["sources"]),
    )


def uid_of(raw: Any) -> str | int | None:
    """The row's uid if it is a string or an integer, else None."""
    uid = raw.get("uid") if isinstance(raw, dict) else None
    return None if not isinstance(uid, str | int) or isinstance(uid, bool) else uid


def label_of(raw: Any) -> str | None:
    """The row's `label` (a caption for print layouts) if it is a valid one, else None."""
    label = raw.get("label") if isinstance(raw, dict) else None
    return label if isinstance(label, str) and len(label) <= MAX_LABEL_CHARS else None


def plan_row(index: int, raw: Any, *, now_ms: int, duplicate: bool = False,
             uid_required: bool = True) -> RowPlan | RowFailure:
    """Validate a row. `duplicate` marks a uid already seen earlier in the same batch;
    a single row (not `uid_required`) may leave its uid out."""
    features = features_of(raw)
    uid = uid_of(raw)
    try:
        if not isinstance(raw, dict):
            raise RowInvalid("row must be a JSON object")
        if raw.get("uid") is None:
            if uid_required:
                raise RowInvalid("uid is required")
        elif uid is None:
            raise RowInvalid("uid must be a string or an integer")
        else:
            _check_uid(uid)
        _check_label(raw.get("label"))
        if duplicate:
            raise RowInvalid(f"duplicate uid {uid!r}: it was given in an earlier row")
        return _plan(index, uid, raw, now_ms, features)
    except RowInvalid as exc:
        return RowFailure(index, uid, str(exc), 400, features)


def _plan(index: int, uid: Uid, raw: dict[str, Any], now_ms: int,
          features: Features) -> RowPlan:
    qr_type = raw.get("qrType", "static")
    if qr_type not in ("static", "dynamic"):
        raise RowInvalid("qrType must be static or dynamic")
    data_type = raw.get("dataType", "url")
    dynamic = qr_type == "dynamic"
    styling = parse_styling(raw.get("styling"))
    if not dynamic:
        for key in ("secure", "sources", "expiry", "maxScans"):
            if raw.get(key) is not None:
                raise RowInvalid(f"{key} is only allowed on dynamic QRs (qrType: dynamic)")
        return RowPlan(index, uid, False, encode_payload(data_type, raw.get("data")), styling,
                       features=features)
    if data_type != "url":
        raise RowInvalid("dynamic QRs need dataType: url")
    if isinstance(uid, int) and not INT64_MIN <= uid <= INT64_MAX:
        raise RowInvalid("uid of a dynamic QR must be an integer between -2^63 and 2^63-1 "
                         "(or a string)")
    return RowPlan(
        index, uid, True, encode_url(raw.get("data")), styling,
        passwords=_passwords(raw.get("secure")),
        sources=_sources(raw.get("sources")),
        expiry_ms=parse_expiry_ms(raw.get("expiry"), now_ms),
        features=features, max_scans=parse_max_scans(raw.get("maxScans")),
    )


def parse_max_scans(value: Any) -> int | None:
    """`maxScans`: after this many scans the link answers 410 (null: no limit)."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)
                         and 1 <= value <= MAX_SCANS_LIMIT):
        return value
    raise RowInvalid(f"maxScans must be an integer from 1 to {MAX_SCANS_LIMIT}, or null")


def _passwords(secure: Any) -> tuple[str, ...]:
    if secure is None:
        return ()
    if not isinstance(secure, list) or not secure:
        raise RowInvalid("secure must be a non-empty array")
    if len(secure) > MAX_PASSWORDS:
        raise RowInvalid(f"secure may hold at most {MAX_PASSWORDS} passwords")
    passwords = []
    for i, item in enumerate(secure):
        if not isinstance(item, dict) or item.get("type") != "password":
            raise RowInvalid(f"secure[{i}].type must be password")
        value = item.get("value")
        if not isinstance(value, str) or not 1 <= len(value) <= MAX_PASSWORD_CHARS:
            raise RowInvalid(f"secure[{i}].value must be a string of 1 to "
                             f"{MAX_PASSWORD_CHARS} characters")
        passwords.append(value)
    return tuple(passwords)


def _sources(sources: Any) -> tuple[str, ...]:
    if sources is None:
        return ()
    if not isinstance(sources, list) or not sources:
        raise RowInvalid("sources must be a non-empty array of names")
    if len(sources) > MAX_SOURCES:
        raise RowInvalid(f"sources may name at most {MAX_SOURCES} sources")
    for i, name in enumerate(sources):
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_SOURCE_CHARS:
            raise RowInvalid(f"sources[{i}] must be a name of 1 to {MAX_SOURCE_CHARS} characters")
    if len(set(sources)) != len(sources):
        raise RowInvalid("sources must not repeat a name")
    return tuple(sources)


def parse_expiry_ms(expiry: Any, now_ms: int) -> int | None:
    if expiry is None:
        return None
    if isinstance(expiry, int) and not isinstance(expiry, bool):
        expiry_ms = expiry
    elif isinstance(expiry, str):
        expiry_ms = _parse_iso_ms(expiry)
    else:
        raise RowInvalid("expiry must be an ISO-8601 timestamp or epoch milliseconds")
    if expiry_ms <= now_ms:
        raise RowInvalid("expiry is in the past")
    if expiry_ms > MAX_EXPIRY_MS:
        raise RowInvalid("expiry must be before the year 10000")
    return expiry_ms


def _check_uid(uid: str | int) -> None:
    if isinstance(uid, str) and len(uid) > MAX_UID_CHARS:
        raise RowInvalid(f"uid must be at most {MAX_UID_CHARS} characters")


def _check_label(label: Any) -> None:
    if label is not None and (not isinstance(label, str) or len(label) > MAX_LABEL_CHARS):
        raise RowInvalid(f"label must be a string of at most {MAX_LABEL_CHARS} characters")


def _parse_iso_ms(text: str) -> int:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise RowInvalid("expiry must be an ISO-8601 timestamp or epoch milliseconds") from exc
    if moment.tzinfo is None:
        raise RowInvalid("expiry needs a time zone (e.g. 2030-01-01T00:00:00Z)")
    return int(moment.timestamp() * 1000)
