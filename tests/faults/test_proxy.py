"""The fault proxy itself: each mode does what the fault tests rely on (loopback echo server)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from tests.faults.proxy import FaultProxy

pytestmark = pytest.mark.faults


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()
    writer.close()


@pytest.fixture
async def proxy() -> AsyncIterator[FaultProxy]:
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    fault_proxy = await FaultProxy("127.0.0.1", server.sockets[0].getsockname()[1]).start()
    yield fault_proxy
    await fault_proxy.close()
    server.close()
    await server.wait_closed()


async def _round_trip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, data: bytes) -> bytes:
    writer.write(data)
    await writer.drain()
    return await reader.readexactly(len(data))


class TestFaultProxy:
    async def test_pass_and_latency_forward_every_byte(self, proxy: FaultProxy) -> None:
        """`pass` echoes bytes unchanged; `latency` delivers the same bytes after the delay."""
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        assert await _round_trip(reader, writer, b"hello") == b"hello"
        proxy.set_mode("latency", latency_s=0.2)
        started = time.monotonic()
        assert await _round_trip(reader, writer, b"slow") == b"slow"
        assert time.monotonic() - started >= 0.4  # delayed on the way there and back
        writer.close()

    async def test_reset_aborts_open_connections_and_refuses_new_ones(self, proxy: FaultProxy) -> None:
        """`reset` kills the open connection (the client reads EOF or a reset) and resets every
        new one until the mode changes back; then connections work again."""
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        proxy.set_mode("reset")
        with pytest.raises((ConnectionError, asyncio.IncompleteReadError)):
            await asyncio.wait_for(_round_trip(reader, writer, b"x"), 2)
        reader2, writer2 = await asyncio.open_connection("127.0.0.1", proxy.port)
        with pytest.raises((ConnectionError, asyncio.IncompleteReadError)):
            await asyncio.wait_for(_round_trip(reader2, writer2, b"y"), 2)
        proxy.set_mode("pass")
        reader3, writer3 = await asyncio.open_connection("127.0.0.1", proxy.port)
        assert await _round_trip(reader3, writer3, b"back") == b"back"
        assert proxy.resets >= 2
        writer3.close()

    async def test_blackhole_holds_bytes_until_the_link_heals(self, proxy: FaultProxy) -> None:
        """`blackhole` moves no byte while it lasts (the read times out) and delivers what was
        held once the mode is back to `pass`, on the same connection."""
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        proxy.set_mode("blackhole")
        writer.write(b"held")
        await writer.drain()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(reader.readexactly(4), 0.5)
        proxy.set_mode("pass")
        assert await asyncio.wait_for(reader.readexactly(4), 2) == b"held"
        writer.close()
