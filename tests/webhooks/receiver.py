"""A real HTTP receiver on loopback that records webhook requests and answers as scripted."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
from aiohttp import web
from standardwebhooks.webhooks import Webhook

from tests.processes import free_port


class Receiver:
    """Answers each request with the next scripted action (a status; "slow": 204 after the
    sender's timeout; "hang": 204 after 4 s), then 204 once the script is used up."""

    def __init__(self, script: list[str] | None = None) -> None:
        self.port = free_port()
        self.script = list(script or [])
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.answer: web.Response | None = None
        self.hanging = asyncio.Event()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((dict(request.headers), await request.read()))
        action = self.script.pop(0) if self.script else "204"
        if action in ("slow", "hang"):
            self.hanging.set()
            await asyncio.sleep(6.5 if action == "slow" else 4.0)  # past / within 5 s
            action = "204"
        if self.answer is not None:
            return self.answer
        return web.Response(status=int(action), text="ok" if int(action) < 300 else "nope")

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_requests(self, count: int, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.requests) < count:
            assert time.monotonic() < deadline, f"{len(self.requests)} of {count} requests"
            await asyncio.sleep(0.1)

    def verified(self, secret: str) -> list[dict[str, Any]]:
        """Every request's payload, each checked with the standardwebhooks package."""
        return [Webhook(secret).verify(body, headers) for headers, body in self.requests]

    def ids(self) -> list[str]:
        return [headers["webhook-id"] for headers, _ in self.requests]

    def events(self, event: str) -> list[dict[str, Any]]:
        return [p for p in (orjson.loads(b) for _, b in self.requests) if p["type"] == event]
