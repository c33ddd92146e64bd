"""A TCP fault proxy for the link between one service and nats-server, switchable at runtime.

Modes:
- ``pass``: bytes flow both ways.
- ``latency``: each chunk is forwarded after ``latency_s``.
- ``reset``: every open connection is aborted with a TCP RST and new ones are reset at once —
  a cut link that the client notices immediately.
- ``blackhole``: connections stay open but no byte moves in either direction, as in a network
  partition that TCP rides out; held bytes flow again when the mode changes.

Only ever listens on and connects to loopback addresses.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from typing import Literal

Mode = Literal["pass", "latency", "reset", "blackhole"]


class FaultProxy:
    def __init__(self, target_host: str, target_port: int, *, host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.host = host
        self.port = 0
        self.mode: Mode = "pass"
        self.latency_s = 0.0
        self.connections = 0
        self.resets = 0
        self._server: asyncio.Server | None = None
        # Open links: client side -> server side.
        self._links: dict[asyncio.StreamWriter, asyncio.StreamWriter] = {}
        self._flowing = asyncio.Event()
        self._flowing.set()

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    async def start(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._accept, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for client, server in list(self._links.items()):
            _abort(client)
            _abort(server)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    def set_mode(self, mode: Mode, latency_s: float = 0.0) -> None:
        self.mode = mode
        self.latency_s = latency_s
        if mode == "blackhole":
            self._flowing.clear()
        else:
            self._flowing.set()
        if mode == "reset":
            for client, server in list(self._links.items()):
                _abort(client)
                _abort(server)
                self.resets += 1

    def _resetting(self) -> bool:
        # A call, not ``self.mode == "reset"`` inline, so that the check after an await is not
        # narrowed away by the one before it: the mode can change while we wait.
        return self.mode == "reset"

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self.mode == "reset":
            self.resets += 1
            _abort(client_writer)
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            _abort(client_writer)
            return
        self.connections += 1
        self._links[client_writer] = server_writer
        if self._resetting():  # switched while connecting upstream
            self.resets += 1
            _abort(client_writer)
            _abort(server_writer)
        try:
            await asyncio.gather(
                self._pipe(client_reader, server_writer, client_writer),
                self._pipe(server_reader, client_writer, server_writer),
            )
        finally:
            self._links.pop(client_writer, None)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    other: asyncio.StreamWriter) -> None:
        try:
            while True:
                chunk = await reader.read(65536)
                if not chunk:
                    break
                await self._flowing.wait()
                if self.mode == "latency" and self.latency_s > 0:
                    await asyncio.sleep(self.latency_s)
                if self.mode == "reset" or writer.is_closing():
                    break
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            # One side gone: end the other too, as a real broken link would.
            _abort(writer)
            _abort(other)


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close with RST (SO_LINGER 0) rather than FIN: the peer sees a reset link."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(Exception):
        writer.transport.abort()
