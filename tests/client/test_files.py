"""Durable writes: a file appears under its name only when complete, and never replaces one."""

from __future__ import annotations

from pathlib import Path

import pytest

from client.files import PartFile, write_durably


def test_commit_names_the_file_and_leaves_no_part(tmp_path: Path) -> None:
    with PartFile(tmp_path, "result.json") as part:
        part.write(b"[1,")
        assert [p.name for p in tmp_path.iterdir()] == [part.temp_path.name]
        assert part.temp_path.name.startswith(".result.json.")
        assert not (tmp_path / "result.json").exists()
        part.write(b"2]")
        final = part.commit()
    assert final == tmp_path / "result.json"
    assert final.read_bytes() == b"[1,2]"
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


def test_an_error_while_writing_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="disk on fire"), PartFile(tmp_path, "a.json") as part:
        part.write(b"half")
        raise RuntimeError("disk on fire")
    assert list(tmp_path.iterdir()) == []


def test_a_taken_name_is_kept_and_the_new_file_gets_the_next_one(tmp_path: Path) -> None:
    (tmp_path / "result.json").write_bytes(b"earlier archive")
    (tmp_path / "result-2.json").write_bytes(b"another")
    assert write_durably(tmp_path, "result.json", b"new") == tmp_path / "result-3.json"
    assert (tmp_path / "result.json").read_bytes() == b"earlier archive"
    assert (tmp_path / "result-3.json").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "result-2.json", "result-3.json", "result.json"]


def test_commit_twice_is_refused_and_discard_after_commit_keeps_the_file(tmp_path: Path) -> None:
    part = PartFile(tmp_path, "x.bin")
    part.write(b"x")
    final = part.commit()
    part.discard()
    assert final.read_bytes() == b"x"
    with pytest.raises(RuntimeError, match="already"):
        part.commit()
