"""Where skia writes the PDF: an unlinked temporary file whose new bytes are read and freed
after each page, so a long sheet never holds more than about a page, in memory or on disk.

skia's PDF writer takes its cross-reference offsets from the stream's byte count, so the
stream must count from the first byte: an in-memory stream that is emptied after each page
would restart that count and corrupt the offsets. A file keeps counting; cutting its length
back to zero after each read turns what was read into a hole that takes no disk space.
"""

from __future__ import annotations

import os
import tempfile

import skia


class Spool:
    """A skia stream (`.stream`) and the bytes it has written since the last `take()`."""

    def __init__(self) -> None:
        fd, path = tempfile.mkstemp(prefix="bulkqr-sheet-", suffix=".pdf")
        try:
            self.stream = skia.FILEWStream(path)
        finally:
            os.unlink(path)  # skia and we keep it open; it vanishes with the last handle
        self._fd, self._taken = fd, 0
        if not self.stream.isValid():
            self.close()
            raise OSError("could not open a temporary file for the sheet")

    def take(self) -> bytes:
        """What was written since the last call; frees it on disk."""
        self.stream.flush()
        end = self.stream.bytesWritten()
        chunks = []
        while self._taken < end:
            chunk = os.pread(self._fd, end - self._taken, self._taken)
            if not chunk:
                raise OSError("the sheet's temporary file was cut short")
            chunks.append(chunk)
            self._taken += len(chunk)
        os.ftruncate(self._fd, 0)
        return b"".join(chunks)

    def close(self) -> None:
        del self.stream  # skia closes its FILE when the stream is freed
        os.close(self._fd)
