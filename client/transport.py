"""HTTP for the client: one aiohttp session, auth headers, typed errors, retries of safe calls."""

from __future__ import annotations

import asyncio
import io
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import aiohttp
import orjson

from client.config import ClientConfig
from client.errors import ProtocolError, ServerError, TransportError, error_for

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
TRANSPORT_ERRORS = (aiohttp.ClientError, TimeoutError)


class Transport:
    """Sends requests for one client; owns its aiohttp session unless it was given one."""

    def __init__(self, config: ClientConfig, session: aiohttp.ClientSession | None = None,
                 *, sleep: Sleep = asyncio.sleep, rng: random.Random | None = None) -> None:
        self.config = config
        self._session = session
        self._owns_session = session is None
        self._sleep = sleep
        self._rng = rng

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:  # made lazily: a session belongs to the running loop
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(
                total=None, connect=self.config.connect_timeout_s,
                sock_connect=self.config.connect_timeout_s,
                sock_read=self.config.read_timeout_s))
        return self._session

    @asynccontextmanager
    async def open(self, method: str, path: str, *, params: Mapping[str, str] | None = None,
                   data: bytes | None = None, headers: Mapping[str, str] | None = None,
                   ) -> AsyncIterator[aiohttp.ClientResponse]:
        """A successful answer with its body unread; an error answer raises its typed error.

        Connection failures, including a body cut off while the caller reads it inside the
        `async with`, become `TransportError`.
        """
        sent = {**self.config.auth_headers, **(headers or {})}
        # A file-like body is streamed in pieces (raw bytes would be sent in one blocking go).
        body = io.BytesIO(data) if data is not None else None
        try:
            # Redirects are not followed: the API has none, and the api-key must not be
            # sent on to wherever a redirect points.
            async with self._http().request(method, self.config.url(path), params=params,
                                            data=body, headers=sent,
                                            allow_redirects=False) as response:
                if response.status >= 400:
                    raise error_for(response.status, await response.read(),
                                    response.headers.get("Retry-After"))
                if response.status >= 300:
                    raise ProtocolError(f"{method} {path}: unexpected redirect "
                                        f"(HTTP {response.status}); check the base URL")
                yield response
        except TRANSPORT_ERRORS as exc:
            raise TransportError(f"{method} {path}: {_describe(exc)}") from exc

    async def call(self, method: str, path: str, *, retry: bool,
                   params: Mapping[str, str] | None = None, data: bytes | None = None,
                   headers: Mapping[str, str] | None = None) -> Any:
        """The parsed JSON answer; transient failures are retried only when `retry`."""

        async def once() -> Any:
            async with self.open(method, path, params=params, data=data,
                                 headers=headers) as response:
                body = await response.read()
            try:
                return orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                raise ProtocolError(f"{method} {path}: the answer is not JSON") from exc

        return await self.retrying(once, retry=retry)

    async def retrying(self, attempt: Callable[[], Awaitable[T]], *, retry: bool) -> T:
        """Run `attempt`; after a 5xx or a connection failure, back off and run it again."""
        delays = self.config.retry.delays(self._rng) if retry else iter(())
        while True:
            try:
                return await attempt()
            except (ServerError, TransportError) as exc:
                delay = next(delays, None)
                if delay is None:
                    raise
                asked = exc.retry_after_s if isinstance(exc, ServerError) else None
                await self._sleep(self.config.retry.pause_s(delay, asked))

    async def sleep(self, seconds: float) -> None:
        await self._sleep(seconds)

    def random(self) -> random.Random | None:
        return self._rng


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out waiting for the server"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return f"the answer was cut off ({exc})"
    return str(exc) or type(exc).__name__
