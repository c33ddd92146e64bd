"""A scriptable fake provider: a real aiohttp server on a free port that answers as scripted.

Each test scripts the next answer (status, body from a fixture file, headers, or an SSE stream)
and reads back what the client sent (path, query, headers, JSON body), so the client under test
goes through real sockets and the real httpx-aiohttp transport.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from aiohttp import web

from shared.catalogue import ModelSpec
from shared.providers import make_http_client

FIXTURES = Path(__file__).with_name("fixtures")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass
class Seen:
    method: str
    path_qs: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeProvider:
    port: int = 0
    seen: list[Seen] = field(default_factory=list)
    handler: Handler | None = None
    # Set by the slow handlers when they notice the client went away.
    disconnected: asyncio.Event = field(default_factory=asyncio.Event)
    started: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        self.seen.clear()
        self.handler = None
        self.disconnected = asyncio.Event()
        self.started = asyncio.Event()

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = msgspec.json.decode(raw) if raw else None
        except msgspec.DecodeError:
            body = raw
        self.seen.append(Seen(request.method, request.path_qs, dict(request.headers), body))
        self.started.set()
        if self.handler is None:
            return web.Response(status=500, text="no script")
        return await self.handler(request)

    # --- scripts ---------------------------------------------------------------------------

    def reply(
        self,
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> None:
        async def handler(_: web.Request) -> web.StreamResponse:
            return web.Response(status=status, body=body, headers=headers, content_type=content_type)

        self.handler = handler

    def reply_fixture(self, name: str, status: int = 200, headers: dict[str, str] | None = None) -> None:
        content_type = "text/html" if name.endswith(".html") else "application/json"
        self.reply(status, fixture_bytes(name), headers, content_type)

    def stream_fixture(self, name: str, headers: dict[str, str] | None = None) -> None:
        payload = fixture_bytes(name)

        async def handler(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse(status=200, headers={"content-type": "text/event-stream", **(headers or {})})
            await response.prepare(request)
            # Split mid-event and mid-line to prove reassembly does not depend on chunk edges.
            for start in range(0, len(payload), 37):
                await response.write(payload[start : start + 37])
            await response.write_eof()
            return response

        self.handler = handler

    def hang(self, *, after_headers: bool = False, seconds: float = 10.0) -> None:
        """Never answer (or answer headers then stall), watching for the client to disconnect."""

        async def handler(request: web.Request) -> web.StreamResponse:
            response: web.StreamResponse | None = None
            if after_headers:
                response = web.StreamResponse(status=200, headers={"content-type": "text/event-stream"})
                await response.prepare(request)
                await response.write(b'data: {"choices":[{"index":0,"delta":{"content":"partial"}}]}\n\n')
            loop = asyncio.get_running_loop()
            deadline = loop.time() + seconds
            while loop.time() < deadline:
                transport = request.transport
                if transport is None or transport.is_closing():
                    self.disconnected.set()
                    break
                await asyncio.sleep(0.01)
            return response or web.Response(status=200, body=b"{}")

        self.handler = handler


@pytest.fixture(scope="session")
async def fake_server() -> AsyncIterator[FakeProvider]:
    fake = FakeProvider()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.dispatch)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fake.port = runner.addresses[0][1]
    yield fake
    await runner.cleanup()


@pytest.fixture
def provider(fake_server: FakeProvider) -> FakeProvider:
    fake_server.reset()
    return fake_server


@pytest.fixture(scope="session")
async def http_client() -> AsyncIterator[httpx.AsyncClient]:
    client = make_http_client(max_connections=16, timeout_s=10.0)
    yield client
    await client.aclose()


def spec_for(
    provider: FakeProvider, protocol: str = "openai", *, path: str = "/v1", **fields: Any
) -> ModelSpec:
    """A catalogue entry pointing at the fake provider."""
    defaults: dict[str, Any] = {"name": "test-model", "model": "test-model-id", "timeout_s": 5.0}
    defaults.update(fields)
    return msgspec.convert(
        {"protocol": protocol, "base_url": provider.url + path, **defaults}, ModelSpec
    )
