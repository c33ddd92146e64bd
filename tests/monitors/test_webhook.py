"""The alert webhook: signed body, bounded retries, and a failing receiver costs a bounded time.

Real HTTP to a local aiohttp receiver; attempts are counted on the receiver's side.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Awaitable, Callable

import pytest
from aiohttp import web

from services.monitors.webhook import SIGNATURE_HEADER, deliver, signature, verify

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
BODY = b'{"id": "m1.visibility_drop.A.sim.r1", "kind": "visibility_drop"}'


class Receiver:
    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.headers: list[str] = []
        self.bodies: list[bytes] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.headers.append(request.headers.get(SIGNATURE_HEADER, ""))
        self.bodies.append(await request.read())
        if self.mode == "hang":
            await asyncio.sleep(30)
        if self.mode == "500" or (self.mode == "500-then-ok" and len(self.bodies) == 1):
            return web.json_response({"error": "boom"}, status=500)
        if self.mode == "400":
            return web.json_response({"error": "bad"}, status=400)
        return web.json_response({"ok": True})


async def _serve(receiver: Receiver) -> AsyncGenerator[str, None]:
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.2)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    finally:
        await runner.cleanup()


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TEST_HOOK_SECRET", "s3cret")
    return "s3cret"


async def _deliver(mode: str, **kwargs: float) -> tuple[bool, Receiver, float]:
    receiver = Receiver(mode)
    server = _serve(receiver)
    url = await server.__anext__()
    started = time.monotonic()
    try:
        ok = await deliver(url, BODY, "TEST_HOOK_SECRET", attempts=3, backoff_s=0.05, **kwargs)
    finally:
        await server.aclose()
    return ok, receiver, time.monotonic() - started


async def test_body_is_signed_with_the_secret_from_the_environment(secret: str) -> None:
    """The receiver can verify HMAC-SHA256 over `<t>.<body>`; a tampered body fails."""
    ok, receiver, _ = await _deliver("ok")
    assert ok and receiver.bodies == [BODY]
    assert verify(secret, BODY, receiver.headers[0])
    assert not verify(secret, BODY + b" ", receiver.headers[0])
    assert not verify("other", BODY, receiver.headers[0])
    assert signature(secret, BODY, 1) != signature(secret, BODY, 2)


async def test_5xx_is_retried_then_given_up(secret: str) -> None:
    """A 500 is retried up to the attempt limit, then delivery reports failure; a later 200 succeeds."""
    ok, receiver, _ = await _deliver("500")
    assert not ok and len(receiver.bodies) == 3
    ok, receiver, _ = await _deliver("500-then-ok")
    assert ok and len(receiver.bodies) == 2


async def test_4xx_is_not_retried(secret: str) -> None:
    """A receiver that rejects the request (400) is not asked again."""
    ok, receiver, _ = await _deliver("400")
    assert not ok and len(receiver.bodies) == 1


async def test_hanging_receiver_costs_at_most_attempts_times_timeout(secret: str) -> None:
    """Each attempt is bounded by the timeout: a receiver that never answers fails in bounded time."""
    ok, receiver, elapsed = await _deliver("hang", timeout_s=0.3)
    assert not ok and len(receiver.bodies) == 3
    assert elapsed < 3 * 0.3 + 0.5 + 1.0


async def test_without_a_secret_nothing_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    """No secret in the environment: the alert is not POSTed unsigned."""
    monkeypatch.delenv("TEST_HOOK_SECRET", raising=False)
    ok, receiver, _ = await _deliver("ok")
    assert not ok and receiver.bodies == []
