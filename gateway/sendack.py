"""Wait until the peer's TCP stack has acknowledged every byte written to a connection.

A finished `write_eof` only means the body is in this process's and the kernel's send
buffers: a client that dies then never had it. On Linux, `SIOCOUTQ` (`TIOCOUTQ` on a TCP
socket) counts the bytes sent but not yet acknowledged; once the transport's own buffer
is empty and that count is 0 while the connection is still up, the peer has all of it.
Behind a proxy the peer is the proxy: it acknowledged the bytes, the end client may not
have them yet. Where the count cannot be read (not Linux, not TCP), an empty transport
buffer is all there is to wait for.
"""

from __future__ import annotations

import asyncio
import fcntl
import socket
import struct
import sys
import termios
import time
from typing import Any

POLL_S = 0.01
# Linux TCP states (include/net/tcp_states.h) in which the peer can still acknowledge:
# ESTABLISHED, and CLOSE_WAIT once it has read everything and closed its side.
LIVE_TCP_STATES = {1, 8}


class NotAcknowledged(ConnectionError):
    """The connection broke, or stayed unacknowledged past the timeout, before the peer
    acknowledged the whole body."""


async def wait_acknowledged(transport: asyncio.BaseTransport | None, timeout_s: float) -> None:
    """Return once every written byte is acknowledged; NotAcknowledged if that fails."""
    deadline = time.monotonic() + timeout_s
    while True:
        if transport is None or transport.is_closing():
            raise NotAcknowledged("the connection closed before the body was acknowledged")
        if _buffered(transport) == 0 and _unacknowledged(transport) == 0:
            return
        if time.monotonic() > deadline:
            raise NotAcknowledged(f"the body was not acknowledged within {timeout_s:g} s")
        await asyncio.sleep(POLL_S)


def _buffered(transport: asyncio.BaseTransport) -> int:
    size = getattr(transport, "get_write_buffer_size", None)
    return int(size()) if size is not None else 0


def _unacknowledged(transport: asyncio.BaseTransport) -> int:
    """Bytes the kernel still holds for the peer; 0 where it cannot tell."""
    sock: Any = transport.get_extra_info("socket")
    if sock is None or not sys.platform.startswith("linux"):
        return 0
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.type != socket.SOCK_STREAM:
        return 0
    # A reset empties the send queue too: a count of 0 means something only while the
    # connection is still up.
    state = _tcp_state(sock)
    if state not in LIVE_TCP_STATES:
        raise NotAcknowledged(f"the connection is no longer open (TCP state {state})")
    queued = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, struct.pack("i", 0))
    return int(struct.unpack("i", queued)[0])


def _tcp_state(sock: Any) -> int:
    """The Linux TCP state: the first byte of struct tcp_info."""
    return int(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0])
