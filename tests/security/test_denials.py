"""shared/denials.py: a server refusal ends the guarded operation at once as PermissionDenied;
other outcomes pass through unchanged; a cancelled caller cancels the operation."""

from __future__ import annotations

import asyncio

import nats.errors
import pytest

from shared.denials import Denials
from shared.errors import PermissionDenied

VIOLATION = nats.errors.Error("nats: permissions violation for publish to \"brandlens.runs.submit\"")


class TestGuard:
    async def test_a_refusal_while_the_operation_waits_raises_permission_denied(self) -> None:
        """The refusal names the user and the subject; the pending operation is cancelled."""
        denials = Denials("adapter-x")
        never = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_later(0.01, denials.on_error, VIOLATION)
        with pytest.raises(PermissionDenied, match="adapter-x") as caught:
            await denials.guard(never)
        assert 'publish to "brandlens.runs.submit"' in str(caught.value)
        assert never.cancelled()

    async def test_results_and_other_errors_pass_through(self) -> None:
        """No refusal: the operation's value, or its own exception, reaches the caller."""
        denials = Denials("client")

        async def value() -> int:
            return 7

        async def boom() -> None:
            raise nats.errors.TimeoutError

        assert await denials.guard(value()) == 7
        with pytest.raises(nats.errors.TimeoutError):
            await denials.guard(boom())
        denials.on_error(nats.errors.Error("nats: stale connection"))
        assert denials.count == 0

    async def test_a_cancelled_caller_cancels_the_operation(self) -> None:
        """An outer timeout does not leave the guarded operation running."""
        denials = Denials("client")
        never = asyncio.get_running_loop().create_future()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.01):
                await denials.guard(never)
        await asyncio.sleep(0)
        assert never.cancelled()
