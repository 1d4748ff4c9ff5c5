"""Wait until the peer's TCP stack has acknowledged every byte written to a connection.

A finished `write_eof` only means the body is in this process's and the kernel's send
buffers: a client that dies then never had it. On Linux, `SIOCOUTQ` (`TIOCOUTQ` on a TCP
socket) counts the bytes sent but not yet acknowledged; once the transport's own buffer
is empty and that count is 0 while the connection is still up, the peer has all of it.
Behind a proxy the peer is the proxy: it acknowledged the bytes, the end client may not
have them yet. Where the count cannot be read (not Linux, not TCP), an empty transport
buffer is all there is to wait for.

A client that reads the last byte and closes at once (a CLI that exits) makes the event
loop close the transport on its FIN, within a poll interval. So the connection's socket
is watched through a duplicate descriptor taken before the body is sent: it keeps the
kernel's socket, and so its counters and TCP state, readable after the transport let go.
A peer that closed after reading everything is in CLOSE_WAIT with nothing unacknowledged;
one that reset the connection (cut it mid-way) is not.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import socket
import struct
import sys
import termios
import time
from collections.abc import Iterator
from typing import Any

POLL_S = 0.01
# Linux TCP states (include/net/tcp_states.h) in which the peer can still acknowledge:
# ESTABLISHED, and CLOSE_WAIT once it has read everything and closed its side.
LIVE_TCP_STATES = {1, 8}


class NotAcknowledged(ConnectionError):
    """The connection broke, or stayed unacknowledged past the timeout, before the peer
    acknowledged the whole body."""


class Watch:
    """One response's connection, watched until its body is acknowledged."""

    def __init__(self, transport: asyncio.BaseTransport | None,
                 sock: socket.socket | None) -> None:
        self._transport, self._sock = transport, sock

    async def acknowledged(self, timeout_s: float) -> None:
        """Return once every written byte is acknowledged; NotAcknowledged if that fails."""
        deadline = time.monotonic() + timeout_s
        while True:
            if self._transport is None or (self._sock is None and
                                           self._transport.is_closing()):
                raise NotAcknowledged("the connection closed before the body was acknowledged")
            buffered = _buffered(self._transport)
            if buffered and self._transport.is_closing():
                raise NotAcknowledged("the connection closed with part of the body unsent")
            if buffered == 0 and _unacknowledged(self._sock) == 0:
                return
            if time.monotonic() > deadline:
                raise NotAcknowledged(f"the body was not acknowledged within {timeout_s:g} s")
            await asyncio.sleep(POLL_S)


@contextlib.contextmanager
def watch_connection(transport: asyncio.BaseTransport | None) -> Iterator[Watch]:
    """A Watch of `transport`, holding a duplicate of its TCP socket (on Linux) meanwhile."""
    sock = _duplicate(transport)
    try:
        yield Watch(transport, sock)
    finally:
        if sock is not None:
            sock.close()


def _duplicate(transport: asyncio.BaseTransport | None) -> socket.socket | None:
    original: Any = None if transport is None else transport.get_extra_info("socket")
    if original is None or not sys.platform.startswith("linux"):
        return None
    if original.family not in (socket.AF_INET, socket.AF_INET6):
        return None
    if original.type != socket.SOCK_STREAM or original.fileno() < 0:
        return None
    return socket.fromfd(original.fileno(), original.family, original.type)


def _buffered(transport: asyncio.BaseTransport) -> int:
    size = getattr(transport, "get_write_buffer_size", None)
    return int(size()) if size is not None else 0


def _unacknowledged(sock: socket.socket | None) -> int:
    """Bytes the kernel still holds for the peer; 0 where it cannot tell."""
    if sock is None:
        return 0
    # A reset empties the send queue too: a count of 0 means something only while the
    # connection is still up.
    state = _tcp_state(sock)
    if state not in LIVE_TCP_STATES:
        raise NotAcknowledged(f"the connection is no longer open (TCP state {state})")
    queued = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, struct.pack("i", 0))
    return int(struct.unpack("i", queued)[0])


def _tcp_state(sock: socket.socket) -> int:
    """The Linux TCP state: the first byte of struct tcp_info."""
    return int(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0])
