"""A TCP proxy in front of the gateway that cuts chosen connections, as a failing network does.

Connection number i (0-based) is cut after `cuts[i]` bytes of the gateway's answer have
been relayed (0: after the gateway has answered, before the client sees a byte); later
connections pass through. A cut resets both sides, so the gateway sees it too.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Sequence


class CuttingProxy:
    def __init__(self, upstream_port: int, cuts: Sequence[int]) -> None:
        self.upstream_port = upstream_port
        self.cuts = list(cuts)
        self.connections = 0
        self.cut_done = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def __aenter__(self) -> CuttingProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        me = asyncio.current_task()
        assert me is not None
        self._tasks.add(me)
        index, self.connections = self.connections, self.connections + 1
        cut = self.cuts[index] if index < len(self.cuts) else None
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        upload = asyncio.create_task(_pump(reader, up_writer))
        was_cut = False
        try:
            was_cut = await self._relay_answer(up_reader, writer, cut)
        finally:
            upload.cancel()
            for side in (writer, up_writer):
                if was_cut:
                    _reset(side)
                else:
                    side.close()
            self._tasks.discard(me)

    async def _relay_answer(self, up_reader: asyncio.StreamReader,
                            writer: asyncio.StreamWriter, cut: int | None) -> bool:
        """Relay until the gateway closes (False) or the cut is made (True)."""
        relayed = 0
        while piece := await up_reader.read(64 * 1024):
            if cut is not None and relayed + len(piece) > cut:
                writer.write(piece[: cut - relayed])
                with contextlib.suppress(ConnectionError):
                    await writer.drain()
                self.cut_done += 1
                return True
            writer.write(piece)
            relayed += len(piece)
            try:
                await writer.drain()
            except ConnectionError:
                return False
        return False


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Client to gateway; when the client hangs up, so does the proxy's upstream side."""
    with contextlib.suppress(ConnectionError):
        while piece := await reader.read(64 * 1024):
            writer.write(piece)
            await writer.drain()
    writer.close()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset (SO_LINGER 0), not a polite FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
