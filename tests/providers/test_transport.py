"""Transport faults through make_http_client (httpx on the aiohttp transport), over real sockets.

These pin what the adapter relies on: a refused port is ``unreachable`` (httpx-aiohttp on its
own would call it a ConnectTimeout), a silent server is a ``timeout`` within the model's
timeout_s, and cancelling the awaiting task closes the request so the provider stops work.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import httpx
import pytest

from shared.errors import ProviderTimeout, Unreachable, classify_transport
from shared.providers import Prompt, complete
from tests.providers.conftest import FakeProvider, spec_for

KEY = "sk-transport-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


RawHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def raw_server(handler: RawHandler) -> AsyncIterator[int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def resetting_port() -> AsyncIterator[int]:
    """A server that reads the request and then drops the connection without answering."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.transport.abort()

    async for port in raw_server(handler):
        yield port


@pytest.fixture
async def garbage_port() -> AsyncIterator[int]:
    """A server that answers an HTTP request with bytes that are not HTTP."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
        await writer.drain()
        writer.close()

    async for port in raw_server(handler):
        yield port


class TestConnectFailures:
    async def test_refused_port_is_unreachable(self, http_client: httpx.AsyncClient) -> None:
        """Connecting to a closed port raises Unreachable (transient, counts for the breaker)."""
        port = free_port()
        spec = spec_for(FakeProvider(port=port))
        with pytest.raises(Unreachable) as caught:
            await complete(http_client, spec, KEY, Prompt(user="q"))
        assert caught.value.transient and caught.value.counts_for_breaker
        assert KEY not in caught.value.message

    async def test_reset_after_request_is_unreachable_not_timeout(
        self, resetting_port: int, http_client: httpx.AsyncClient
    ) -> None:
        """A connection dropped by the server is Unreachable although httpx-aiohttp says ConnectTimeout."""
        with pytest.raises(Unreachable):
            await complete(http_client, spec_for(FakeProvider(port=resetting_port)), KEY, Prompt(user="q"))

    async def test_non_http_answer_is_unreachable(self, garbage_port: int, http_client: httpx.AsyncClient) -> None:
        """A peer that does not speak HTTP is a remote-protocol failure: Unreachable."""
        with pytest.raises(Unreachable):
            await complete(http_client, spec_for(FakeProvider(port=garbage_port)), KEY, Prompt(user="q"))

    async def test_tls_to_a_plain_http_server_is_unreachable(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """A TLS handshake failure (https to a plain HTTP port) is Unreachable."""
        spec = spec_for(provider)
        spec = spec_for(provider, base_url=spec.base_url.replace("http://", "https://"))
        with pytest.raises(Unreachable):
            await complete(http_client, spec, KEY, Prompt(user="q"))


class TestTimeouts:
    async def test_silent_server_times_out_at_timeout_s(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """With timeout_s=0.5 a server that never answers yields ProviderTimeout in about 0.5 s."""
        provider.hang(seconds=5)
        started = time.monotonic()
        with pytest.raises(ProviderTimeout) as caught:
            await complete(http_client, spec_for(provider, timeout_s=0.5), KEY, Prompt(user="q"))
        assert 0.45 <= time.monotonic() - started < 2.0
        assert caught.value.counts_for_breaker
        await asyncio.wait_for(provider.disconnected.wait(), 2.0)

    async def test_stalled_stream_times_out(self, provider: FakeProvider, http_client: httpx.AsyncClient) -> None:
        """A stream that sends headers and one chunk, then stalls, also ends as ProviderTimeout."""
        provider.hang(after_headers=True, seconds=5)
        with pytest.raises(ProviderTimeout):
            await complete(http_client, spec_for(provider, timeout_s=0.5, stream=True), KEY, Prompt(user="q"))

    async def test_transport_read_timeout_classifies_as_timeout(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """The aiohttp transport's own read timeout (not ours) is classified as ProviderTimeout."""
        provider.hang(seconds=5)
        with pytest.raises(httpx.HTTPError) as caught:
            await http_client.post(provider.url + "/x", content=b"{}", timeout=0.3)
        assert isinstance(classify_transport(caught.value), ProviderTimeout)


class TestCancellation:
    @pytest.mark.parametrize("stream", [False, True], ids=["waiting-for-headers", "mid-stream"])
    async def test_cancelling_the_task_closes_the_request(
        self, stream: bool, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """Cancelling the awaiting task disconnects from the server, before headers or mid-body."""
        provider.hang(after_headers=stream, seconds=5)
        task = asyncio.create_task(complete(http_client, spec_for(provider, stream=stream), KEY, Prompt(user="q")))
        await asyncio.wait_for(provider.started.wait(), 2.0)
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.wait_for(provider.disconnected.wait(), 2.0)

    async def test_callers_shorter_deadline_wins_and_closes_the_request(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """A caller's asyncio.timeout shorter than timeout_s surfaces as the caller's TimeoutError."""
        provider.hang(seconds=5)
        with pytest.raises(TimeoutError) as caught:
            async with asyncio.timeout(0.3):
                await complete(http_client, spec_for(provider, timeout_s=30), KEY, Prompt(user="q"))
        assert not isinstance(caught.value, ProviderTimeout)
        await asyncio.wait_for(provider.disconnected.wait(), 2.0)


class TestClassifyTransport:
    @pytest.mark.parametrize(
        "exc",
        [httpx.ReadTimeout("r"), httpx.WriteTimeout("w"), httpx.PoolTimeout("p"), httpx.ConnectTimeout("c")],
        ids=lambda e: type(e).__name__,
    )
    def test_httpx_timeouts_are_timeouts(self, exc: Exception) -> None:
        """httpx read/write/pool/connect timeouts (without an aiohttp cause) map to ProviderTimeout."""
        assert isinstance(classify_transport(exc), ProviderTimeout)

    @pytest.mark.parametrize(
        "exc",
        [
            httpx.ConnectError("[Errno -2] Name or service not known"),
            httpx.RemoteProtocolError("peer closed connection"),
            httpx.ReadError("reset"),
            ConnectionResetError(104, "Connection reset by peer"),
        ],
        ids=lambda e: type(e).__name__,
    )
    def test_connection_failures_are_unreachable(self, exc: Exception) -> None:
        """DNS, connect, reset and protocol errors map to Unreachable."""
        assert isinstance(classify_transport(exc), Unreachable)

    def test_aiohttp_cause_beats_httpx_aiohttps_wrapper(self) -> None:
        """A ServerDisconnectedError wrapped as httpx.ConnectTimeout is still Unreachable."""
        try:
            try:
                raise aiohttp.ServerDisconnectedError()
            except aiohttp.ServerDisconnectedError as inner:
                raise httpx.ConnectTimeout(str(inner)) from inner
        except httpx.ConnectTimeout as wrapped:
            assert isinstance(classify_transport(wrapped), Unreachable)

    def test_aiohttp_socket_timeout_is_timeout(self) -> None:
        """aiohttp's sock_read timeout (a ServerTimeoutError) maps to ProviderTimeout."""
        assert isinstance(classify_transport(aiohttp.SocketTimeoutError("Timeout on reading data")), ProviderTimeout)
