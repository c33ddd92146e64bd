"""The adapters' buffered POST (``send_buffered``) through the pooled client's public API.

These pin what a provider call needs from the client: the default headers, a decoded gzip body,
and the proxy the environment names — over real sockets, with a real forwarding proxy.
"""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from shared.providers import Prompt, complete, make_http_client
from shared.providers.http import send_buffered
from shared.providers.types import Completion
from tests.providers.conftest import FakeProvider, fixture_bytes, spec_for

KEY = "sk-direct-0123456789"


async def _complete_once(provider: FakeProvider) -> Completion:
    """One buffered call through a fresh pooled client, as an adapter makes it."""
    client = make_http_client(max_connections=2, timeout_s=5)
    try:
        return await complete(client, spec_for(provider), KEY, Prompt(user="q"))
    finally:
        await client.aclose()


class TestWhatTheProviderSees:
    async def test_default_headers_travel_with_the_callers(self, provider: FakeProvider) -> None:
        """User-Agent (brandlens/…), Accept and Accept-Encoding are sent along with the caller's headers."""
        provider.reply(200, b"{}")
        client = make_http_client(max_connections=2, timeout_s=5)
        try:
            response = await send_buffered(client, provider.url + "/x", {"x-custom": "1"}, b"{}", 5.0)
        finally:
            await client.aclose()
        assert response.status_code == 200
        headers = {k.lower(): v for k, v in provider.seen[-1].headers.items()}
        assert headers["user-agent"].startswith("brandlens")
        assert headers["accept-encoding"] == "gzip, deflate"
        assert headers["x-custom"] == "1"
        assert headers["content-length"] == "2"

    async def test_gzip_body_is_decoded(self, provider: FakeProvider) -> None:
        """A gzip-encoded answer comes back as the decoded JSON a provider client parses."""
        provider.reply(200, gzip.compress(fixture_bytes("openai/chat_completion.json")), {"content-encoding": "gzip"})
        assert (await _complete_once(provider)).text


@pytest.fixture
async def forwarding_proxy() -> AsyncIterator[tuple[str, list[str]]]:
    """A plain HTTP forward proxy: takes absolute-form requests, forwards them, records each URL."""
    seen: list[str] = []
    session = aiohttp.ClientSession()

    async def forward(request: web.Request) -> web.Response:
        seen.append(str(request.url))
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in {"host", "content-length"}}
        async with session.request(request.method, request.url, data=body, headers=headers,
                                   auto_decompress=False) as upstream:
            payload = await upstream.read()
            kept = {k: v for k, v in upstream.headers.items()
                    if k.lower() not in {"content-length", "transfer-encoding", "connection"}}
            return web.Response(status=upstream.status, body=payload, headers=kept)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}", seen
    await runner.cleanup()
    await session.close()


class TestProxyFromTheEnvironment:
    async def test_http_proxy_env_routes_the_call_through_the_proxy(
        self, provider: FakeProvider, forwarding_proxy: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With HTTP_PROXY set when the client is made, the provider call goes through that proxy."""
        proxy_url, seen = forwarding_proxy
        for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        provider.reply_fixture("openai/chat_completion.json")
        assert (await _complete_once(provider)).text
        assert seen == [provider.url + "/v1/chat/completions"]
        assert len(provider.seen) == 1
