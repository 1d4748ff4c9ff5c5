"""Encode each dataType's `data` into the text phone cameras understand (mailto:, WIFI:, vCard…)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

from shared.errors import RowInvalid

# Patterns are matched with fullmatch: `$` would also accept a trailing newline.
PHONE_RE = re.compile(r"\+?[0-9][0-9 ()./-]{2,30}")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# Unicode whitespace (re's \s is str.isspace) and the control characters (category Cc).
CONTROL_OR_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")
# The most characters any QR code holds (numeric mode, version 40, level L); a URL is
# also a destination stored for dynamic QRs, where no QR capacity bounds it.
MAX_TEXT_CHARS, MAX_URL_CHARS = 7089, 4096
# The invisible format characters (Unicode category Cf, and the Egyptian format controls a
# later Unicode adds): bidi overrides and isolates (U+202A-E, U+2066-9), marks (U+200E/F,
# U+061C), zero-width characters, the BOM, tag characters. In a URL they only disguise it:
# "https://e.com/\u202egnp.exe" shows as ".../exe.png".
FORMAT_CHARS = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]")


def encode_url(data: Any) -> str:
    if not isinstance(data, str) or not _names_http_host(data):
        raise RowInvalid("Invalid URL provided for dataType: url")
    if len(data) > MAX_URL_CHARS:
        raise RowInvalid(f"URL is longer than {MAX_URL_CHARS} characters for dataType: url")
    if has_control_or_space(data):
        raise RowInvalid("URL must not contain whitespace or control characters "
                         "for dataType: url")
    if has_format_character(data):
        raise RowInvalid("URL must not contain bidi controls or other invisible format "
                         "characters for dataType: url")
    return data


def _names_http_host(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def has_control_or_space(value: str) -> bool:
    """True if `value` holds a space, tab, line break, NUL, DEL or another control character
    (none belongs in a URL, and a line break would split the redirect's Location header)."""
    if value.isascii():  # the common case, O(1) to tell, and 4x faster than the pattern
        return not value.isprintable() or " " in value
    return CONTROL_OR_SPACE.search(value) is not None


def has_format_character(value: str) -> bool:
    """True if `value` holds an invisible format character (a bidi control such as U+202E,
    a zero-width space or joiner, a BOM…): none is needed in a URL, and each can make one
    read as another."""
    return not value.isascii() and FORMAT_CHARS.search(value) is not None


def encode_text(data: Any) -> str:
    if not isinstance(data, str) or not data:
        raise RowInvalid("data must be a non-empty string for dataType: text")
    if len(data) > MAX_TEXT_CHARS:
        raise RowInvalid(f"data is longer than {MAX_TEXT_CHARS} characters for dataType: text")
    return data


def encode_email(data: Any) -> str:
    fields = {"to": data} if isinstance(data, str) else _object(data, "email")
    to = _string(fields, "to", "email", required=True)
    if not EMAIL_RE.fullmatch(to):
        raise RowInvalid("data.to is not an email address for dataType: email")
    query = "&".join(
        f"{key}={quote(value, safe='')}"
        for key in ("subject", "body")
        if (value := _string(fields, key, "email"))
    )
    return f"mailto:{to}" + (f"?{query}" if query else "")


def encode_phone(data: Any) -> str:
    if not isinstance(data, str) or not PHONE_RE.fullmatch(data.strip()):
        raise RowInvalid("data must be a phone number for dataType: phone")
    return "tel:" + _digits(data)


def encode_sms(data: Any) -> str:
    fields = _object(data, "sms")
    phone = _string(fields, "phone", "sms", required=True)
    if not PHONE_RE.fullmatch(phone.strip()):
        raise RowInvalid("data.phone must be a phone number for dataType: sms")
    message = _string(fields, "message", "sms")
    return f"SMSTO:{_digits(phone)}:{message}"


WIFI_SECURITY = {"WPA", "WEP", "nopass"}


def encode_wifi(data: Any) -> str:
    fields = _object(data, "wifi")
    ssid = _string(fields, "ssid", "wifi", required=True)
    password = _string(fields, "password", "wifi")
    security = fields.get("encryption", "WPA" if password else "nopass")
    if security not in WIFI_SECURITY:
        raise RowInvalid("data.encryption must be WPA, WEP or nopass for dataType: wifi")
    if security != "nopass" and not password:
        raise RowInvalid(f"data.password is required with encryption {security}")
    hidden = fields.get("hidden", False)
    if not isinstance(hidden, bool):
        raise RowInvalid("data.hidden must be true or false for dataType: wifi")
    parts = [f"T:{security}", f"S:{_wifi_escape(ssid)}"]
    if security != "nopass":
        parts.append(f"P:{_wifi_escape(password)}")
    if hidden:
        parts.append("H:true")
    return "WIFI:" + ";".join(parts) + ";;"


def _wifi_escape(value: str) -> str:
    return re.sub(r'([\\;,:"])', r"\\\1", value)


VCARD_FIELDS = ("firstName", "lastName", "org", "title", "phone", "email", "url", "address")


def encode_vcard(data: Any) -> str:
    fields = _object(data, "vcard")
    values = {key: _string(fields, key, "vcard") for key in VCARD_FIELDS}
    if not (values["firstName"] or values["lastName"] or values["org"]):
        raise RowInvalid("data.firstName, data.lastName or data.org is required "
                         "for dataType: vcard")
    esc = {key: _vcard_escape(value) for key, value in values.items()}
    full_name = " ".join(v for v in (esc["firstName"], esc["lastName"]) if v) or esc["org"]
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"N:{esc['lastName']};{esc['firstName']};;;",
             f"FN:{full_name}"]
    optional = (("ORG", "org"), ("TITLE", "title"), ("TEL", "phone"), ("EMAIL", "email"),
                ("URL", "url"))
    lines += [f"{tag}:{esc[key]}" for tag, key in optional if esc[key]]
    if esc["address"]:
        lines.append(f"ADR:;;{esc['address']};;;;")
    lines.append("END:VCARD")
    return "\r\n".join(lines)


def _vcard_escape(value: str) -> str:
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return value.replace("\r\n", "\\n").replace("\n", "\\n")


def encode_geo(data: Any) -> str:
    fields = _object(data, "geo")
    lat, lng = _number(fields, "lat", 90), _number(fields, "lng", 180)
    return f"geo:{lat:.7g},{lng:.7g}"


def _number(fields: dict[str, Any], key: str, limit: float) -> float:
    value = fields.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RowInvalid(f"data.{key} must be a number for dataType: geo")
    if abs(value) > limit:
        raise RowInvalid(f"data.{key} must be between -{limit:g} and {limit:g}")
    return float(value)


def _object(data: Any, data_type: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise RowInvalid(f"data must be an object for dataType: {data_type}")
    return data


def _string(fields: dict[str, Any], key: str, data_type: str, *, required: bool = False) -> str:
    value = fields.get(key)
    if value is None or value == "":
        if required:
            raise RowInvalid(f"data.{key} is required for dataType: {data_type}")
        return ""
    if not isinstance(value, str):
        raise RowInvalid(f"data.{key} must be a string for dataType: {data_type}")
    if len(value) > MAX_TEXT_CHARS:
        raise RowInvalid(f"data.{key} is longer than {MAX_TEXT_CHARS} characters "
                         f"for dataType: {data_type}")
    return value


def _digits(phone: str) -> str:
    return re.sub(r"[ ()./-]", "", phone.strip())


ENCODERS: dict[str, Callable[[Any], str]] = {
    "url": encode_url, "text": encode_text, "email": encode_email, "phone": encode_phone,
    "sms": encode_sms, "wifi": encode_wifi, "vcard": encode_vcard, "geo": encode_geo,
}


def encode_payload(data_type: Any, data: Any) -> str:
    """The QR payload for `data` of `data_type`, or RowInvalid naming the problem."""
    if data is None:
        raise RowInvalid(f"data is required for dataType: {data_type}")
    encoder = ENCODERS.get(data_type) if isinstance(data_type, str) else None
    if encoder is None:
        raise RowInvalid(f"dataType must be one of {', '.join(ENCODERS)}")
    return encoder(data)
