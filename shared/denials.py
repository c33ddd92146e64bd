"""Turning the server's permission refusals into a clear, immediate error.

nats-server answers a publish or subscribe that the user's permissions forbid with an
asynchronous ``-ERR 'Permissions Violation for Publish to "x"'`` and otherwise drops it: the
request is never answered and a JetStream call retries until its timeout. ``Denials`` collects
those errors from the connection's error callback, and ``guard`` races an operation against
them so the caller gets ``PermissionDenied`` naming the user and the subject instead of a hang.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import TypeVar

from shared.bus import permission_denial
from shared.errors import PermissionDenied

T = TypeVar("T")


class Denials:
    """Permission violations one connection has seen, for ``guard`` to wait on."""

    def __init__(self, user: str | None) -> None:
        self.user = user or "(anonymous)"
        self.count = 0
        self.last = ""
        self._waiters: list[asyncio.Future[None]] = []

    def on_error(self, exc: Exception) -> None:
        """The connection's error callback (bus.connect ``on_error``)."""
        denied = permission_denial(exc)
        if denied is None:
            return
        self.count += 1
        self.last = denied
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def error(self) -> PermissionDenied:
        return PermissionDenied(
            f"NATS user {self.user!r} is not allowed to {self.last} (server permissions of this role; "
            "see docs/operations.md, 'Roles')"
        )

    async def _after(self, seen: int) -> None:
        if self.count > seen:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        await waiter

    async def guard(self, operation: Awaitable[T]) -> T:
        """``operation``'s result, or PermissionDenied as soon as the server refuses something.

        Any refusal on the connection while the operation runs counts: the client does one
        thing at a time, and the server's error does not say which request it belonged to.
        """
        seen = self.count
        task = asyncio.ensure_future(operation)
        denied = asyncio.ensure_future(self._after(seen))
        try:
            await asyncio.wait({task, denied}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            # The caller was cancelled (e.g. its own timeout): the operation goes with it.
            task.cancel()
            raise
        finally:
            denied.cancel()
        if task.done() and (task.cancelled() or task.exception() is None):
            return task.result()
        if self.count > seen:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            raise self.error() from None
        return task.result()  # the operation's own exception
