"""A fault proxy in front of the S3 server: 503s, connection resets and failing final
multipart steps, on a schedule, forwarding everything else untouched."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from tests.processes import free_port

SLOW_DOWN = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
             b"<Message>Please reduce your request rate.</Message></Error>")
INTERNAL = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>'
            b"<Message>We encountered an internal error.</Message></Error>")


@dataclass
class FaultPlan:
    every_503: int = 5          # every Nth request answers 503 SlowDown
    every_reset: int = 11       # every Nth request has its connection reset
    failing_completes: int = 2  # the first N CompleteMultipartUpload calls answer 500
    injected: Counter[str] = field(default_factory=Counter)
    seen: int = 0


class FaultProxy:
    """Runs on its own event loop in a thread, so the test may block (e.g. while it waits
    for a process to start) without stalling the proxy."""

    def __init__(self, upstream: str, plan: FaultPlan) -> None:
        self.upstream, self.plan = upstream.rstrip("/"), plan
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = 0

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        self.port = free_port()
        asyncio.run_coroutine_threadsafe(self.start(self.port), self._loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def start(self, port: int) -> None:
        self._http = aiohttp.ClientSession(auto_decompress=False)
        app = web.Application(client_max_size=1024**3)
        app.router.add_route("*", "/{tail:.*}", self.forward)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.port = port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()

    def _fault(self, request: web.Request) -> str | None:
        plan = self.plan
        plan.seen += 1
        completing = request.method == "POST" and "uploadId" in request.query
        if completing and plan.injected["complete_500"] < plan.failing_completes:
            return "complete_500"
        if plan.seen % plan.every_reset == 0:
            return "reset"
        if plan.seen % plan.every_503 == 0:
            return "503"
        return None

    async def forward(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        fault = self._fault(request)
        if fault is not None:
            self.plan.injected[fault] += 1
        if fault == "reset":
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=500)
        if fault == "503":
            return web.Response(status=503, body=SLOW_DOWN, content_type="application/xml")
        if fault == "complete_500":
            return web.Response(status=500, body=INTERNAL, content_type="application/xml")
        assert self._http is not None
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in {"content-length", "transfer-encoding"}}
        async with self._http.request(request.method, self.upstream + request.path_qs,
                                      headers=headers, data=body) as answer:
            payload = await answer.read()
            dropped = {"transfer-encoding", "connection"}
            if request.method != "HEAD":  # a HEAD answer's length describes the object
                dropped.add("content-length")
            out = {k: v for k, v in answer.headers.items() if k.lower() not in dropped}
            return web.Response(status=answer.status, body=payload or None, headers=out)
