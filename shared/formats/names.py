"""Safe, unique file names from caller-supplied uids (which may hold anything at all)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_STEM_BYTES = 100  # leaves room for "-NNN", "--source" and an extension under 255 bytes
# Separators and the characters Windows refuses, besides every control character.
UNSAFE_CHARS = frozenset('/\\<>:"|?*')
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# A leading "-" reads as an option to shell tools; =, +, -, @ start a spreadsheet formula.
RISKY_STARTS = ("-", "=", "+", "@")
# Already a safe stem as it is: ASCII letters, digits, `_ . -`, starting and ending with a
# letter, digit or `_` (so nothing to strip and no risky start) and short enough.
PLAIN_STEM = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,98}[A-Za-z0-9_])?")
WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"{port}{n}" for port in ("COM", "LPT") for n in range(10)}
)


def safe_stem(raw: object, fallback: str) -> str:
    """A file name stem made from `raw`, NFKC-normalised first (so compatibility forms,
    such as the fullwidth dots and slash of U+FF0E U+FF0E U+FF0F, are judged as the `../`
    they display as and tools fold them to): no path separators, control or format
    characters (bidi overrides included), no leading dots (so never `.`, `..` or hidden),
    no trailing dots or spaces, at most MAX_STEM_BYTES of UTF-8; `fallback` when nothing
    is left.
    A stem that would start like an option or a formula, or is a Windows device name,
    gets a leading `_`."""
    text = "" if raw is None else str(raw)
    if PLAIN_STEM.fullmatch(text):  # the common case, decided without a pass per character
        return "_" + text if text.split(".", 1)[0].upper() in WINDOWS_DEVICES else text
    text = unicodedata.normalize("NFKC", text)
    cleaned = "".join("_" if _unsafe(char) else char for char in text)
    stem = _truncate_utf8(cleaned.strip().lstrip(". "), MAX_STEM_BYTES).rstrip(". ")
    if not stem:
        return fallback
    if stem.startswith(RISKY_STARTS) or stem.split(".", 1)[0].upper() in WINDOWS_DEVICES:
        return "_" + stem
    return stem


def source_stem(stem: str, source: str | None) -> str:
    """The stem of a row's image: the row's own, or `stem--source` for a tracked source's."""
    return stem if source is None else f"{stem}--{safe_stem(source, 'source')}"


def _unsafe(char: str) -> bool:
    return char in UNSAFE_CHARS or unicodedata.category(char) in UNSAFE_CATEGORIES


def _truncate_utf8(text: str, max_bytes: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", "ignore")


class NameRegistry:
    """Hands out file names that are unique in one folder: `a.png`, then `a-2.png`, `a-3.png`.

    Names are compared case-insensitively, as on the file systems of macOS and Windows,
    and names already present in the folder count as taken.
    """

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self._taken = {_key(name) for name in taken}

    def claim(self, stem: str, extension: str) -> str:
        name, n = f"{stem}{extension}", 1
        key = _key(name)
        while key in self._taken:
            n += 1
            name = f"{stem}-{n}{extension}"
            key = _key(name)
        self._taken.add(key)
        return name

    def take(self, name: str) -> bool:
        """Claim exactly `name` (a name another registry handed out); False if it is taken."""
        key = _key(name)
        if key in self._taken:
            return False
        self._taken.add(key)
        return True


def _key(name: str) -> str:
    """What two names that one file system would take for the same name share."""
    if name.isascii():  # NFC leaves ASCII as it is, and casefold() is lower() on it
        return name.lower()
    return unicodedata.normalize("NFC", name).casefold()
