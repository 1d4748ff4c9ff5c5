"""Safe file names from uids: nothing escapes the folder, nothing is hidden or overwritten."""

from __future__ import annotations

import pytest

from shared.formats.names import MAX_STEM_BYTES, NameRegistry, safe_stem


@pytest.mark.parametrize(("uid", "expected"), [
    ("row-001", "row-001"),
    (42, "42"),
    ("../../etc/passwd", "_.._etc_passwd"),
    ("a/b\\c", "a_b_c"),
    ("..", "row-7"),
    (".hidden", "hidden"),
    ("tab\there\nnew\x00nul\x7f", "tab_here_new_nul_"),
    ("evil\u202egnp.exe", "evil_gnp.exe"),  # a bidi override cannot disguise the name
    ('C:<>"|?*x', "C_______x"),
    ("trailing. . ", "trailing"),
    ("CON", "_CON"),
    ("-rf", "_-rf"),
    ("=1+2", "_=1+2"),
    ("@x", "_@x"),
    ("+1", "_+1"),
    ("nul.txt", "_nul.txt"),
    ("  spaced  ", "spaced"),
    ("", "row-7"),
    (None, "row-7"),
    ("ünïcode-✓", "ünïcode-✓"),
])
def test_safe_stem(uid: object, expected: str) -> None:
    assert safe_stem(uid, "row-7") == expected


def test_long_uids_are_cut_at_a_character_boundary() -> None:
    stem = safe_stem("é" * 500, "x")
    assert len(stem.encode()) <= MAX_STEM_BYTES
    assert stem == "é" * (MAX_STEM_BYTES // 2)
    assert len(safe_stem("a" * 1000, "x")) == MAX_STEM_BYTES


def test_registry_suffixes_collisions_case_insensitively() -> None:
    names = NameRegistry(["taken.png"])
    assert names.claim("taken", ".png") == "taken-2.png"
    assert names.claim("a", ".png") == "a.png"
    assert names.claim("A", ".png") == "A-2.png"
    assert names.claim("a", ".png") == "a-3.png"
    assert names.claim("a-2", ".png") == "a-2-2.png"  # a real uid never takes a used name
    assert names.claim("a", ".svg") == "a.svg"
