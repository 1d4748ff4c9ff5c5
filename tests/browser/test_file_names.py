"""The dashboard names files exactly as the server does: gateway/static/names.js against
shared/formats/names.py (and the server's ZIP) over hostile and random uids, in Chromium."""

from __future__ import annotations

import io
import random
import re
import unicodedata
import zipfile
from typing import Any

from playwright.async_api import BrowserContext, Page

from gateway import nametables
from shared.formats.names import NameRegistry, safe_stem
from shared.formats.ziprows import IMAGES_FOLDER, Manifest, ZipRows
from shared.formats.zipstream import ZipStream, date_time_of
from tests.browser.staticsite import ASSETS, dashboard_page

Text = str | int | None
HOSTILE: list[Text] = [
    "plain", "Plain-Name_1.v2", "café", "cafe\u0301", "\uff23\uff21\uff26É", "二维码", "😀🇫🇷",
    "👩\u200d👩\u200d👧", "שלום", "مرحبا", "a\u202eexe.png", "x\u0300\u0301\u0302\u0303",
    "\u0301start", "a" * 200, "é" * 200, "😀" * 60, "a" * 99 + "é", "a" * 99 + "😀",
    "ab" * 49 + ".", "..", ".", "../etc/passwd", "..\\..\\win", "a/b", "a\\b", "a\x00b",
    "\x00", "\x1f\x7f\x85", "tab\there", "line\nbreak", "\u2028\u2029", "\ufeffbom",
    "soft\u00adhyphen", "zw\u200bsp", "CON", "con", "Con.txt", "nul.txt", "NUL", "COM1",
    "lpt9.tar.gz", "COM10", "AUX.", "prn ", "\uff23\uff2f\uff2e", "\uff4e\uff55\uff4c.txt",
    "...hidden", ". . .x", "trail...", "trail   ", "   lead", " . ", "\u3000wide\u3000",
    "\u00a0nbsp\u00a0", "\u1680ogham", "", " ", "...", "-rf", "=SUM(A1)", "+1", "@cmd",
    "\uff0dx", "\uff1d1", "a:b", 'q"uote', "p|ipe", "w*i?ld", "<tag>", "<\u0338", "=\u0338",
    "ﬁle", "①②", "㎏", "Å", "K", "\u017f", "ß", "STRASSE", "straße", "ΣΑΣ", "σας", "İstanbul",
    "ǰ", "ﬀ", "\ue000private", "\U000f0000", "\U00031350", "\U0001e030", "\U00011f00",
    "\U0010ffff", "\ud800", "a\udfffb", 0, 7, -3, 2**53 - 1, 10**15, "0", "007",
]
FALLBACK = "row-7"
EXTENSIONS = [".png", ".PNG", ".svg", ".pdf"]
SAFE_STEM = """async ([module, cases]) => {
  const { safeStem } = await import(module);
  const text = (c) => (c.none ? null : c.int ?? String.fromCodePoint(...c.cps));
  const stems = cases.map((c) => safeStem(text(c), c.fallback));
  return stems.map((stem) => [...stem].map((ch) => ch.codePointAt(0)));
}"""
CLAIMS = """async ([module, claims]) => {
  const { NameRegistry } = await import(module);
  const names = new NameRegistry();
  return claims.map(([cps, ext]) => names.claim(String.fromCodePoint(...cps), ext));
}"""


def encoded(value: Text, fallback: str = FALLBACK) -> dict[str, Any]:
    """A case for the page: code points (lone surrogates survive the trip), an int or None."""
    if value is None:
        return {"none": True, "fallback": fallback}
    if isinstance(value, int):
        return {"int": value, "fallback": fallback}
    return {"cps": [ord(char) for char in value], "fallback": fallback}


def text_of(code_points: list[int]) -> str:
    return "".join(chr(cp) for cp in code_points)


async def js_stems(page: Page, values: list[Text]) -> list[str]:
    cases = [encoded(value) for value in values]
    answer = await page.evaluate(SAFE_STEM, [ASSETS + "names.js", cases])
    return [text_of(cps) for cps in answer]


async def js_claims(page: Page, claims: list[tuple[str, str]]) -> list[str]:
    encoded_claims = [[[ord(c) for c in stem], extension] for stem, extension in claims]
    answer: list[str] = await page.evaluate(CLAIMS, [ASSETS + "names.js", encoded_claims])
    return answer


def py_claims(claims: list[tuple[str, str]]) -> list[str]:
    names = NameRegistry()
    return [names.claim(stem, extension) for stem, extension in claims]


def random_uids(seed: int, count: int) -> list[Text]:
    """Strings from a pool of the characters names.py treats specially, and of others."""
    rng = random.Random(seed)
    pool = ("aAzZ09_-.  ..//\\\\:*?\"<>|=+@\x00\x01\x1f\x7f\x85\t\n\u00a0\u3000\u2028\u202e"
            "\u200d\ufeff\u00ad\u0301\u0338\u0300éÉß\u017fςΣİ\u0131ǰﬁﬀ①㎏\uff21\uff23\uff2f\uff2e\uff4e\uff55\uff4c\uff0e\uff0f\uff3c"
            "二维码😀🇫\u05e9\u0627\ue000\U000f0000\U00031350\U0001e030\ud800\udfff")
    uids: list[Text] = []
    for _ in range(count):
        size = rng.choice([0, 1, 2, 3, 5, 8, 20, 60, 99, 100, 101, 150])
        chars = [rng.choice(pool) if rng.random() < 0.7 else chr(rng.randrange(0x20, 0x30000))
                 for _ in range(size)]  # the pool, or any character of the first 3 planes
        # A high surrogate before a low one is one character in JavaScript (and in JSON).
        word = re.sub("([\ud800-\udbff])(?=[\udc00-\udfff])", "\\1.", "".join(chars))
        if rng.random() < 0.15:
            word = rng.choice(["CON", "nul", "Com3", "lpt1"]) + word[:3]
        uids.append(word)
    uids.extend(rng.randrange(-10**6, 10**6) for _ in range(20))
    return uids


def collisions(stems: list[str], seed: int) -> list[tuple[str, str]]:
    """Claims that collide: each stem again, in other case, and with `-2` already taken."""
    rng = random.Random(seed)
    claims = [(stem, rng.choice(EXTENSIONS)) for stem in stems]
    claims += [(stem.upper(), ".png") for stem in stems[::3]]
    claims += [(stem.swapcase(), ".PNG") for stem in stems[1::3]]
    claims += [(f"{stem}-2", ".png") for stem in stems[2::5]]
    return claims + [(stem, ".png") for stem in stems]


async def test_hostile_uids_become_the_same_stems(context: BrowserContext) -> None:
    page = await dashboard_page(context)
    values = [*HOSTILE, None]
    assert await js_stems(page, values) == [safe_stem(value, FALLBACK) for value in values]


async def test_hostile_uids_that_collide_get_the_same_names(context: BrowserContext) -> None:
    """Stems equal after sanitising (`a/b`, `a\\b`), after truncation (200 `a`s and 201),
    or only in case: `a.png`, `a-2.png`, … in the same order."""
    page = await dashboard_page(context)
    stems = [safe_stem(value, FALLBACK) for value in HOSTILE]
    stems += [safe_stem("a" * 201, FALLBACK), safe_stem("A" * 150, FALLBACK), "a-2", "STRASSE"]
    claims = collisions(stems, seed=7)
    names = py_claims(claims)
    a_b = [name for name in names if name.lower().startswith("a_b")]
    assert len(a_b) == len({name.lower() for name in a_b}) >= 4 and "a_b-2.png" in a_b
    assert await js_claims(page, claims) == names


async def test_random_uids_become_the_same_stems_and_names(context: BrowserContext) -> None:
    page = await dashboard_page(context)
    uids = random_uids(seed=33, count=400)
    stems = [safe_stem(uid, FALLBACK) for uid in uids]
    assert await js_stems(page, uids) == stems
    claims = collisions(stems, seed=33)
    assert await js_claims(page, claims) == py_claims(claims)


async def test_every_character_folds_as_python_casefolds_it(context: BrowserContext) -> None:
    """Names compared without case: each character Python 3.11 knows (the surrogates
    aside), folded by names.js as by str.casefold()."""
    page = await dashboard_page(context)
    chars = "".join(chr(cp) for cp in range(0x80, 0x110000)
                    if unicodedata.category(chr(cp)) not in {"Cn", "Cs", "Co"})
    differ = await page.evaluate("""async ([module, text]) => {
      const { foldCase } = await import(module);
      return [...text].map((ch) => foldCase(ch));
    }""", [ASSETS + "names.js", chars])
    expected = [char.casefold() for char in chars]
    wrong = [(hex(ord(c)), got, want) for c, got, want in zip(chars, differ, expected, strict=True)
             if got != want]
    assert wrong == []


def test_the_tables_are_those_of_this_python_and_names_py() -> None:
    """nametables.js as `python -m gateway.nametables` writes it now."""
    assert nametables.TARGET.read_text(encoding="utf-8") == nametables.module_text()


PNG = "data:image/png;base64,iVBORw0KGgo="
SVG = "data:image/svg+xml;charset=utf-8,%3Csvg%2F%3E"
PDF = "data:application/pdf;base64,JVBERi0xLjQK"
EPS = "data:application/postscript;base64,JSFQUy1BZG9iZQ=="
ARCHIVE: list[Any] = [
    PNG, SVG, PNG, PNG, PDF,
    {"uid": "d/1", "QRs": PNG, "url": "https://s.test/a",
     "sources": [{"source": "flyer", "QRs": SVG}, {"source": "Flyer", "QRs": SVG},
                 {"source": "", "QRs": PNG}, {"source": None, "QRs": PNG}, {"QRs": EPS}]},
    {"uid": "D_1", "QRs": EPS},
    {"uid": None, "QRs": PNG},
    {"QRs": PDF},
    {"uid": "failed", "status": "failed", "code": 400, "message": "bad"},
    {"uid": "no image"},
    42,
    {"uid": 12, "QRs": PNG},
    {"uid": "CON", "QRs": PNG},
]
ROW_UIDS: list[Any] = ["a", "A", None, "ROW-3", "x" * 150, "dyn", "r", "r", "nul", "f", "n",
                       "z", 7, "con"]


def server_names(archive: list[Any], uids: list[Any]) -> list[str]:
    """The image names in the ZIP the server builds from `archive` (shared/formats/ziprows)."""
    zip_stream, manifest = ZipStream(date_time_of(0)), Manifest()
    rows = ZipRows(zip_stream, manifest)
    for index, raw in enumerate(archive):
        rows.add(index, raw, uids[index] if isinstance(uids[index], str | int) else None, None)
    data = zip_stream.drain() + zip_stream.close()
    manifest.close()
    with zipfile.ZipFile(io.BytesIO(data)) as archive_zip:
        return [name.removeprefix(IMAGES_FOLDER) for name in archive_zip.namelist()]


async def test_an_archive_is_named_as_the_servers_zip_names_it(context: BrowserContext) -> None:
    """Static rows by their row's uid, dynamic ones by their own, `row-N` without one,
    sources as `stem--source`, failed rows skipped, duplicates numbered."""
    page = await dashboard_page(context)
    named = await page.evaluate("""async ([module, entries, uids]) => {
      const { imageFiles } = await import(module);
      return imageFiles(entries, uids).flat().map((file) => file.name);
    }""", [ASSETS + "names.js", ARCHIVE, ROW_UIDS])
    expected = server_names(ARCHIVE, ROW_UIDS)
    assert {"d_1--flyer.svg", "row-8.png", "ROW-3-2.png"} <= set(expected)
    assert named == expected
