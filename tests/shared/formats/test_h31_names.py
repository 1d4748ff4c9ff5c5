"""Issue 31 item 11: ZIP names judge compatibility forms (fullwidth `../`) as what they show."""

from __future__ import annotations

import unicodedata

import pytest

from shared.formats.names import safe_stem

FULLWIDTH_DOT, FULLWIDTH_SLASH, FULLWIDTH_BACKSLASH = "\uff0e", "\uff0f", "\uff3c"
CLIMB = (FULLWIDTH_DOT * 2 + FULLWIDTH_SLASH) * 2 + "etc" + FULLWIDTH_SLASH + "passwd"


@pytest.mark.parametrize(("uid", "expected"), [
    (CLIMB, "_.._etc_passwd"),  # as "../../etc/passwd" is
    (FULLWIDTH_DOT * 2, "row-7"),  # as ".." is
    (FULLWIDTH_DOT + "hidden", "hidden"),
    ("\ufe52hidden", "hidden"),  # small full stop
    ("\u2024\u2024" + FULLWIDTH_SLASH + "x", "_x"),  # one-dot leaders
    ("a" + FULLWIDTH_BACKSLASH + "b\uff1ac\uff1fd", "a_b_c_d"),  # \ : ? in fullwidth
    ("\uff23\uff2f\uff2e", "_CON"),  # a Windows device in fullwidth letters
    ("\uff4e\uff55\uff4c.txt", "_nul.txt"),
    ("\uff1d1+2", "_=1+2"),  # a formula's fullwidth equals sign
    ("\uff0d\uff52\uff46", "_-rf"),
    ("\ufb01le\u00b2", "file2"),  # ligature, superscript
    ("\u2460x", "1x"),  # circled digit
    ("caf\u00e9", "caf\u00e9"),  # canonical forms are kept as they are
])
def test_compatibility_forms_are_judged_as_their_plain_form(uid: str, expected: str) -> None:
    assert safe_stem(uid, "row-7") == expected


@pytest.mark.parametrize("uid", [CLIMB, "\uff23\uff2f\uff2e", "\ufb01", "\u33cf.png", "x\u2025"])
def test_a_name_is_the_same_as_for_its_nfkc_form(uid: str) -> None:
    name = safe_stem(uid, "row-7")
    assert name == safe_stem(unicodedata.normalize("NFKC", uid), "row-7")
    assert unicodedata.is_normalized("NFKC", name)
    assert not {FULLWIDTH_DOT, FULLWIDTH_SLASH, FULLWIDTH_BACKSLASH} & set(name)
