"""A ZIP written front to back reads back whole, with Zip64 wherever it is needed, and with
entries spliced in from another ZIP where they land."""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

import pytest

from shared.formats.zipstream import ZipStream

WHEN = (2026, 3, 4, 5, 6, 8)
PART_WHEN = (2025, 12, 31, 23, 59, 58)


def test_entries_read_back_with_their_methods_and_time() -> None:
    out = ZipStream(WHEN)
    body = bytearray()
    out.add("images/ünï.png", b"\x89PNG" * 100, compress=False)
    body += out.drain()
    for piece in out.stream("manifest.csv", [b"a,b\n"] * 1000, compress=True, max_bytes=4000):
        body += piece
    entry = out.open("result.json", compress=True, max_bytes=2**33)
    entry.write(b"[1,2,3]")
    entry.close()
    body += out.close()
    with zipfile.ZipFile(io.BytesIO(bytes(body))) as archive:
        assert archive.testzip() is None
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["images/ünï.png", "manifest.csv", "result.json"]
        assert [i.compress_type for i in infos] == [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED,
                                                    zipfile.ZIP_DEFLATED]
        assert {i.date_time for i in infos} == {WHEN}
        assert archive.read("manifest.csv") == b"a,b\n" * 1000
        assert infos[1].compress_size < 200
        assert archive.read("result.json") == b"[1,2,3]"
    assert out.entries == 3


def test_more_entries_than_plain_zip_counts(tmp_path: Path) -> None:
    out = ZipStream(WHEN)
    path = tmp_path / "many.zip"
    with path.open("wb") as file:
        for i in range(70_000):
            out.add(f"images/{i}.png", b"x", compress=False)
            if i % 1000 == 0:
                file.write(out.drain())
        file.write(out.close())
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert len(names) == 70_000 and names[-1] == "images/69999.png"
        assert archive.read("images/12345.png") == b"x"
    listed = subprocess.run(["unzip", "-tqq", str(path)], capture_output=True, text=True,
                            check=False)
    assert listed.returncode == 0, listed.stdout + listed.stderr


def test_offsets_past_4_gib_get_zip64_fields(tmp_path: Path) -> None:
    """Entries that start past 4 GiB, without writing 4 GiB: the stream is told it already
    holds that much, and zipfile, which reads a ZIP whose offsets are all shifted by the
    same amount (as it reads one appended to other data), finds every entry through the
    Zip64 offsets of its directory records."""
    out = ZipStream(WHEN)
    out._offset = 5 * 2**30  # what the records say precedes the first entry
    out.add("images/a.png", b"\x89PNG" * 10, compress=False)
    out.add("images/b.svg", b"<svg/>" * 100, compress=True)
    with out.open("result.json", compress=False, max_bytes=100) as entry:
        entry.write(b"[]")
    body = out.drain() + out.close()
    assert b"PK\x06\x06" in body and b"PK\x06\x07" in body  # the Zip64 end records
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.testzip() is None
        assert archive.read("images/a.png") == b"\x89PNG" * 10
        assert archive.read("images/b.svg") == b"<svg/>" * 100
        assert archive.read("result.json") == b"[]"


def test_a_streamed_zip64_entry_passes_unzip(tmp_path: Path) -> None:
    out = ZipStream(WHEN)
    path = tmp_path / "streamed.zip"
    with path.open("wb") as file:
        entry = out.open("result.json", compress=False, max_bytes=2**33)
        entry.write(b"[" * 1000)
        entry.close()
        entry.close()  # idempotent
        for piece in out.stream("manifest.csv", [b"x,y\n"] * 10, compress=True, max_bytes=40):
            file.write(piece)
        file.write(out.close())
    listed = subprocess.run(["unzip", "-tqq", str(path)], capture_output=True, text=True,
                            check=False)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    with zipfile.ZipFile(path) as archive:
        assert archive.read("result.json") == b"[" * 1000
        assert archive.read("manifest.csv") == b"x,y\n" * 10


def made_elsewhere() -> tuple[bytes, bytes]:
    """A ZIP part's entries and records, made from offset 0 at another time."""
    part = ZipStream(PART_WHEN)
    part.add("images/a.png", b"\x89PNG" * 10, compress=False)
    part.add("images/b.svg", b"<svg/>" * 100, compress=True)
    part.add("images/c.png", b"c" * 7, compress=False)
    try:
        return part.drain(), part.records()
    finally:
        part.release()


@pytest.mark.parametrize("offset", [0, 5 * 2**30])
def test_spliced_entries_keep_their_data_and_time_and_may_be_renamed(
    tmp_path: Path, offset: int
) -> None:
    local, records = made_elsewhere()
    out = ZipStream(WHEN)
    out._offset = offset  # past 4 GiB: every spliced record needs a Zip64 offset
    out.add("images/first.png", b"1", compress=False)
    renames = {1: "images/b-ünï.svg"}
    renamed = out.splice(local, records, lambda i, name: renames.get(i, name))
    assert renamed == [(1, "images/b-ünï.svg")]
    assert out.splice(local, records, lambda i, name: name.replace("images/", "images/2-")) == [
        (0, "images/2-a.png"), (1, "images/2-b.svg"), (2, "images/2-c.png")]
    with out.open("result.json", compress=False, max_bytes=100) as entry:
        entry.write(b"[]")
    path = tmp_path / "spliced.zip"
    path.write_bytes(out.drain() + out.close())
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        infos = archive.infolist()
        assert [i.filename for i in infos] == [
            "images/first.png", "images/a.png", "images/b-ünï.svg", "images/c.png",
            "images/2-a.png", "images/2-b.svg", "images/2-c.png", "result.json"]
        assert [i.date_time for i in infos] == [WHEN, *[PART_WHEN] * 6, WHEN]
        assert archive.read("images/b-ünï.svg") == archive.read("images/2-b.svg") == (
            b"<svg/>" * 100)
        assert archive.read("images/c.png") == b"c" * 7
    if offset == 0:  # unzip cannot follow a ZIP whose first entry is not where it says
        listed = subprocess.run(["unzip", "-tqq", str(path)], capture_output=True, text=True,
                                check=False)
        assert listed.returncode == 0, listed.stdout + listed.stderr
    assert out.entries == 8
