"""Keeping every free slot asked for: continuous pull requests on the adapter's durable consumer.

Why not ``PullSubscription.fetch(batch=N)``: a fetch returns when N jobs arrived or its timeout
ran out, so the jobs it already holds wait for the rest (or it returns early with fewer, and the
free slots wait for the next fetch). Measured in issue #15: in a run's first second each model had
one call in flight instead of six. This is NATS's own "consume" pattern (nats.go ``Consume``,
nats.js ``consume()``) on nats-py's public API: a pull request (``$JS.API.CONSUMER.MSG.NEXT``)
for exactly the free slots stays open on the server, each job is handed over the moment it is
delivered, and every freed slot is asked for again within one event-loop turn.

Each pull request has its own reply subject under one wildcard inbox, so its heartbeats and its
end (408 expired, 409 e.g. leadership change: the rest of it is dropped) name it. A delivered job
carries the stream subject, not the inbox, so it is counted against the oldest request still
owing jobs: the server fills waiting requests first-in first-out. A request that goes silent
past its idle heartbeats (a reconnect or a server restart loses the server's side) is forgotten
and asked again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from shared.logging import get_logger

log = get_logger("brandlens.adapter.puller")

STATUS_HEADER = "Status"
HEARTBEAT_STATUS = "100"
# 404 no messages, 408 request expired, 409 request ended (leadership change, max waiting, ...).
ENDED_STATUSES = {"404", "408", "409"}


@dataclass
class _PullRequest:
    owed: int
    expires_at: float
    last_seen: float


class JobPuller:
    """Asks the consumer for ``free_slots()`` jobs and hands each to ``on_job`` as it arrives."""

    def __init__(
        self,
        nc: Client,
        stream: str,
        consumer: str,
        free_slots: Callable[[], int],
        on_job: Callable[[Msg], None],
        *,
        expires_s: float = 30.0,
        heartbeat_s: float = 2.0,
    ) -> None:
        self.nc = nc
        self.next_subject = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}"
        self.free_slots = free_slots
        self.on_job = on_job
        self.expires_s = expires_s
        self.heartbeat_s = heartbeat_s
        self._inbox = ""
        self._sub: Subscription | None = None
        self._requests: dict[str, _PullRequest] = {}
        self._seq = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopped = False
        self.pull_requests = 0

    @property
    def owed(self) -> int:
        """Jobs asked for and not yet delivered."""
        return sum(r.owed for r in self._requests.values())

    async def start(self) -> None:
        self._inbox = self.nc.new_inbox()
        self._sub = await self.nc.subscribe(f"{self._inbox}.*", cb=self._on_msg)
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._sub is not None:
            # Unsubscribing ends the server's side of every open request (no interest left).
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()

    def stopping(self) -> None:
        """Ask for nothing more; jobs still delivered on open requests are handed back (nak)."""
        self._stopped = True

    def top_up(self) -> None:
        """A slot was freed (or may have been): ask for it in this event-loop turn."""
        self._wake.set()

    def reset(self) -> None:
        """Forget every open request (after a reconnect the server's side may be gone)."""
        self._requests.clear()
        self._wake.set()

    def expire_silent(self, now: float | None = None) -> None:
        """Forget requests past their expiry or silent for longer than their idle heartbeats allow."""
        now = time.monotonic() if now is None else now
        lost = [key for key, r in self._requests.items()
                if now > r.expires_at + self.heartbeat_s or now - r.last_seen > 2.5 * self.heartbeat_s]
        for key in lost:
            del self._requests[key]
        if lost:
            log.info("pull_requests_lost", count=len(lost))
            self._wake.set()

    async def _loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            want = self.free_slots() - self.owed
            if want <= 0 or self._stopped:
                continue
            try:
                await self._request(want)
            except Exception as exc:  # noqa: BLE001 - e.g. reconnecting: the next wake-up asks again
                log.warning("pull_request_failed", error=type(exc).__name__)
                await asyncio.sleep(0.5)
                self._wake.set()

    async def _request(self, batch: int) -> None:
        self._seq += 1
        reply = f"{self._inbox}.{self._seq}"
        now = time.monotonic()
        # Registered before publishing: the first job can arrive before publish() returns.
        self._requests[reply] = _PullRequest(owed=batch, expires_at=now + self.expires_s, last_seen=now)
        body = {"batch": batch, "expires": int(self.expires_s * 1e9), "idle_heartbeat": int(self.heartbeat_s * 1e9)}
        try:
            await self.nc.publish(self.next_subject, json.dumps(body).encode(), reply=reply)
        except BaseException:
            self._requests.pop(reply, None)
            raise
        self.pull_requests += 1

    async def _on_msg(self, msg: Msg) -> None:
        status = msg.headers.get(STATUS_HEADER) if msg.headers and not msg.data else None
        if status is None:
            # dicts keep insertion order: the first entry is the oldest open request.
            oldest = next(iter(self._requests), None)
            if oldest is not None:
                owing = self._requests[oldest]
                owing.owed -= 1
                owing.last_seen = time.monotonic()
                if owing.owed <= 0:
                    del self._requests[oldest]
            if self._stopped:
                with contextlib.suppress(Exception):
                    await msg.nak()  # stopping: another replica (or the restarted one) takes it now
                return
            # A job for a request already forgotten (lost, then delivered late) is still worked on:
            # the caller's concurrency limiter keeps the provider's limit, and the slot count heals.
            self.on_job(msg)
            return
        request = self._requests.get(msg.subject)
        if status == HEARTBEAT_STATUS:
            if request is not None:
                request.last_seen = time.monotonic()
            return
        if request is not None and status in ENDED_STATUSES:
            del self._requests[msg.subject]
            if status == "409":
                # e.g. "Exceeded MaxWaiting" or a leadership change: ask again shortly, not in a spin.
                log.info("pull_request_ended", description=(msg.headers or {}).get("Description"))
                asyncio.get_running_loop().call_later(0.5, self._wake.set)
            else:
                self._wake.set()
