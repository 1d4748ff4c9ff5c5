"""Repeated uids of a whole batch, found with two int64 columns per row instead of a set.

Each row's uid becomes a 128-bit key: an integer uid is its value and a mark (exact); a
string uid is two independent keyed hashes of it (a false match needs both 64-bit hashes
to collide); a row without a usable uid gets its index, so it repeats nothing. One
stable sort at the end gives every occurrence after the first. The columns are reserved
for the most rows a body could hold, but only the pages written are ever resident.
"""

from __future__ import annotations

import operator
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt

INT64_MIN, INT64_MAX, UINT64_END = -(2**63), 2**63 - 1, 2**64
INT_MARK, BIG_INT_MARK, NO_UID_MARK = 1, 2, 3
Column = npt.NDArray[np.int64]


class UidIndex:
    def __init__(self, capacity_rows: int) -> None:
        self.count = 0
        self._values: Column = np.empty(capacity_rows, dtype=np.int64)
        self._marks: Column | None = None  # only once a uid is not a plain int64

    def add(self, rows: list[Any]) -> None:
        """The uids of the next rows of the batch, in order."""
        try:  # C speed when every row is an object, as in any sensible batch
            uids = list(map(dict.get, rows, repeat("uid")))
        except TypeError:
            uids = [row.get("uid") if row.__class__ is dict else None for row in rows]
        if not uids:
            return
        start, end = self.count, self.count + len(uids)
        if self._plain_ints(uids, start, end):
            if self._marks is not None:
                self._marks[start:end] = INT_MARK
        elif self._strings(uids, start, end):
            pass
        else:
            values, marks = zip(*(_key(start + i, uid) for i, uid in enumerate(uids)),
                                strict=True)
            self._values[start:end] = values
            self._mark_column()[start:end] = marks
        self.count = end

    def _plain_ints(self, uids: list[Any], start: int, end: int) -> bool:
        """Store the uids as they are when all are integers that fit 64 bits."""
        if set(map(type, uids)) != {int}:
            return False
        try:
            self._values[start:end] = uids
        except OverflowError:
            return False
        return True

    def _strings(self, uids: list[Any], start: int, end: int) -> bool:
        """Store the two keyed hashes of each uid when all are strings (at C speed)."""
        if set(map(type, uids)) != {str}:
            return False
        count = end - start
        self._values[start:end] = np.fromiter(map(hash, uids), np.int64, count)
        salted = map(operator.add, uids, repeat("\0"))
        self._mark_column()[start:end] = np.fromiter(map(hash, salted), np.int64, count)
        return True

    def _mark_column(self) -> Column:
        if self._marks is None:
            self._marks = np.empty(len(self._values), dtype=np.int64)
            self._marks[: self.count] = INT_MARK
        return self._marks

    def repeated_rows(self) -> Column:
        """Sorted indexes of the rows whose uid an earlier row already gave (blocking numpy
        work that releases the GIL: run it in a thread for a big batch)."""
        values = self._values[: self.count]
        if self._marks is None:
            order = np.argsort(values, kind="stable")
            same = values[order][1:] == values[order][:-1]
        else:
            marks = self._marks[: self.count]
            order = np.lexsort((marks, values))
            same = values[order][1:] == values[order][:-1]
            same &= marks[order][1:] == marks[order][:-1]
        return np.sort(order[1:][same])


def _key(index: int, uid: Any) -> tuple[int, int]:
    kind = uid.__class__
    if kind is int:
        if uid > INT64_MAX:  # orjson reads integers up to 2^64-1
            return uid - UINT64_END, BIG_INT_MARK
        return uid, INT_MARK
    if kind is str:
        return hash(uid), hash(uid + "\0")
    return index, NO_UID_MARK
