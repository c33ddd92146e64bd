"""The one retry layer: a cell's provider calls, under the cell's deadline.

NATS redelivery is crash recovery, not a retry loop: everything a provider can do wrong is
handled here and ends in exactly one result with an explicit status. Transient classes are
retried with capped exponential backoff and full jitter (or the provider's Retry-After, up to
a cap) while the deadline allows; permanent classes end after one attempt; auth and config
errors latch the model so its remaining cells end at once without another HTTP call.

Each HTTP attempt passes, in this order: the circuit breaker (wait while it is open), a
concurrency slot (AIMD), the credential gate (one call at a time until the key has been
accepted once), a rate token (rpm), then a last breaker admission just before the request.
The rate token comes last so that request times at the provider follow the bucket's rate.
The rules and their defaults are in docs/resilience.md.

This module is the loop and its gates; beside it are the retry numbers (retry_policy), the
model latch (latch), a cell's place in the loop (cell_progress) and the results a cell ends in
(cell_results).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx

from services.adapter.breaker import CircuitBreaker, Permit
from services.adapter.cell_progress import CellProgress, deadline_error
from services.adapter.cell_results import CallerStats, CellResults
from services.adapter.latch import Latch
from services.adapter.limits import AimdLimiter, Slot, TokenBucket
from services.adapter.prompt import user_message
from services.adapter.retry_policy import RetryPolicy
from shared.catalogue import ModelSpec
from shared.contracts import CellResult, CellStatus, ErrorInfo, Job, Usage
from shared.errors import (
    CellError,
    CircuitOpen,
    ContentFiltered,
    DeadlineExceeded,
    Malformed,
    RateLimited,
    sanitize,
    to_error_info,
)
from shared.logging import get_logger
from shared.providers import Completion, Prompt, complete

log = get_logger("brandlens.adapter.caller")

# Outcomes that prove the provider's API accepted the key: it answered, or judged the request
# itself. A 5xx, a timeout or a refused connection may come from a load balancer in front of
# authentication, so they prove nothing.
CREDENTIALS_PROVEN: frozenset[str] = frozenset({"ok", "filtered", "truncated", "bad_request", "rate_limited"})


class Caller:
    """Calls one model for one adapter; ``call`` turns a Job into exactly one CellResult.

    ``latch``, ``breaker.state`` and ``limiter.current`` are what health reports.
    """

    def __init__(
        self,
        spec: ModelSpec,
        api_key: str | None,
        client: httpx.AsyncClient,
        *,
        policy: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        adapter_id: str = "",
        rng: random.Random | None = None,
        on_health_change: Callable[[], None] | None = None,
    ) -> None:
        self.spec = spec
        self._api_key = api_key
        self.client = client
        self.policy = policy or RetryPolicy.from_spec(spec)
        self.breaker = breaker or CircuitBreaker.from_spec(spec)
        self.limiter = AimdLimiter(spec.concurrency)
        self.bucket = TokenBucket(spec.rpm)
        self.latch = Latch()
        self.adapter_id = adapter_id
        self.stats = CallerStats()
        self._results = CellResults(spec, adapter_id, self.stats)
        self._rng = rng or random.Random()
        # Until one call has proven the credentials, calls go one at a time: a bad key then
        # costs exactly one HTTP request instead of `concurrency` of them.
        self.credentials_proven = False
        self._gate = asyncio.Lock()
        # Called (synchronously) when the latch is set or the breaker changes state after a call,
        # so the service can publish health now instead of at its next heartbeat.
        self.on_health_change = on_health_change
        self._health_seen: tuple[str | None, str] = (None, "closed")

    # --- the public call -------------------------------------------------------------------

    async def call(self, job: Job) -> CellResult:
        """Ask the model until the outcome is final. Never raises, except on cancellation."""
        cell = CellProgress(job=job, started=time.time())
        self.latch.expire(cell.started)
        if self.latch.status is not None:
            return self._results.latched(cell, self.latch)
        remaining = job.deadline_at - cell.started
        if remaining <= 0:
            return self._results.failure(cell, DeadlineExceeded("the run's deadline passed before the call"))
        try:
            async with asyncio.timeout(remaining):
                return await self._run(cell)
        except TimeoutError:
            return self._results.failure(cell, deadline_error(cell))
        except Exception as exc:
            # A bug in the adapter, not a provider failure: reported as one, never raised into
            # the consumer loop (a nak would only redeliver the same bug MaxDeliver times).
            log.exception("caller_bug", error=type(exc).__name__)
            return self._results.result(cell, "crashed", error=ErrorInfo(
                error_class=type(exc).__name__, message=sanitize(f"adapter error: {exc}", self._secrets()),
            ))

    # --- the retry loop --------------------------------------------------------------------

    async def _run(self, cell: CellProgress) -> CellResult:
        prompt = Prompt(user=user_message(cell.job), max_tokens=self.spec.max_tokens,
                        temperature=self.spec.temperature, search=cell.job.search)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (cell.job.deadline_at - time.time())
        while True:
            cell.phase = "breaker"
            if self.breaker.state == "open" and loop.time() + self.breaker.retry_in() >= deadline:
                # No probe can go before the deadline: end now rather than hold the job idle.
                return self._results.failure(cell, CircuitOpen(
                    f"the model's circuit breaker is open for {self.breaker.retry_in():.1f}s more, "
                    "past the run's deadline"))
            # Held here rather than nak'ed with a delay: every nak counts towards MaxDeliver,
            # which would turn a provider outage into "crashed" cells. The service keeps the job
            # alive with in-progress acks meanwhile.
            await self.breaker.wait_callable()
            cell.phase = "queue"
            async with self.limiter.slot() as slot, self._credential_gate():
                if self.latch.status is not None:
                    return self._results.latched(cell, self.latch)
                await self.bucket.take()
                permit = self.breaker.try_acquire()
                if permit is None:
                    continue  # the breaker opened (or another cell took the probe) while queued
                cell.phase = "http"
                cell.attempts += 1
                self.stats.http_calls += 1
                t0 = time.monotonic()
                outcome = await self._attempt(prompt, permit)
                latency_ms = int((time.monotonic() - t0) * 1000)
                status: CellStatus = "ok" if isinstance(outcome, Completion) else outcome.cell_status
                self.breaker.record(permit, status)
                if status in CREDENTIALS_PROVEN:
                    self.credentials_proven = True
                elif isinstance(outcome, CellError) and outcome.latches_model:
                    # Latched before the gate opens for the next queued cell, which must see it.
                    self._latch(outcome)
                if isinstance(outcome, RateLimited) and outcome.quota_reset_at is not None:
                    self._latch(outcome, until=outcome.quota_reset_at)
            self._notice_health_change()
            if isinstance(outcome, Completion):
                self.limiter.on_success()
                return self._results.answered(cell, outcome, latency_ms)
            if isinstance(outcome, ContentFiltered):
                self.limiter.on_success()
                usage = outcome.usage or Usage()
                cost, currency = self.cost(usage)
                # A filter that cut in part-way was billed for the partial answer: keep what it cost.
                return self._results.result(cell, "filtered", answer=outcome.partial_text, latency_ms=latency_ms,
                                    usage=usage, cost=cost, currency=currency, error=to_error_info(outcome))
            delay = self._handle_failure(cell, outcome, slot, deadline - loop.time())
            self._notice_health_change()
            if delay is None:
                return self._results.failure(cell, outcome)
            cell.phase = "backoff"
            await asyncio.sleep(delay)

    async def _attempt(self, prompt: Prompt, permit: Permit) -> Completion | CellError:
        try:
            return await complete(self.client, self.spec, self._api_key, prompt)
        except CellError as exc:
            return exc
        except asyncio.CancelledError:
            # The deadline (or shutdown) cut the request: its connection is closed, the provider
            # sees the disconnect. A cut call says nothing about the provider's health.
            self.breaker.abandon(permit)
            raise
        except Exception as exc:  # noqa: BLE001 - a parser tripped on an unexpected body: malformed
            # The protocol clients classify every HTTP failure; anything else escaped a parser
            # on an unexpected body, which is what `malformed` means.
            log.warning("unclassified_provider_failure", error=type(exc).__name__)
            return Malformed(f"unexpected {type(exc).__name__} while reading the answer: {exc}",
                             secrets=self._secrets())

    def _handle_failure(self, cell: CellProgress, error: CellError, slot: Slot, remaining_s: float) -> float | None:
        """Apply the failure's side effects; the pause before the next attempt, or None to stop."""
        cell.last_error = error
        if isinstance(error, RateLimited) and error.transient and self.limiter.on_rate_limited(slot):
            log.warning("concurrency_halved", limit=self.limiter.current)
        if not error.transient or cell.attempts >= self.policy.max_attempts:
            return None
        kind = type(error)
        if kind.retry_limit is not None and cell.retries_by_class.get(kind, 0) >= kind.retry_limit:
            return None
        delay = self.policy.backoff(cell.attempts, self._rng)
        if error.retry_after_s is not None:
            if error.retry_after_s > self.policy.max_retry_after_s:
                return None
            delay = max(delay, error.retry_after_s)
        if delay >= remaining_s:
            return None  # the retry could not finish before the deadline: report what we know
        cell.retries_by_class[kind] = cell.retries_by_class.get(kind, 0) + 1
        log.info("retrying", status=error.cell_status, attempt=cell.attempts, delay_s=round(delay, 3))
        return delay

    def _latch(self, error: CellError, until: float | None = None) -> None:
        if self.latch.status is not None:
            return
        self.latch.status = error.cell_status
        self.latch.error = to_error_info(error)
        self.latch.at = time.time()
        self.latch.until = until
        log.error("model_latched", status=error.cell_status, reason=error.message, until=until)

    def _notice_health_change(self) -> None:
        seen = (self.latch.status, self.breaker.state)
        if seen == self._health_seen:
            return
        self._health_seen = seen
        if self.on_health_change is not None:
            try:
                self.on_health_change()
            except Exception as exc:  # noqa: BLE001 - a health publisher's failure must not fail the cell
                log.warning("health_callback_failed", error=type(exc).__name__)

    @asynccontextmanager
    async def _credential_gate(self) -> AsyncIterator[None]:
        if self.credentials_proven:
            yield
            return
        await self._gate.acquire()
        if self.credentials_proven:
            # Proven while this cell queued: the rest go concurrently, not one by one.
            self._gate.release()
            yield
            return
        try:
            yield
        finally:
            self._gate.release()

    # --- results ---------------------------------------------------------------------------

    def cost(self, usage: Usage) -> tuple[float | None, str | None]:
        """(cost, currency) of ``usage`` at the catalogue's list price; (None, None) when unknown."""
        return self._results.cost(usage)

    def _secrets(self) -> tuple[str, ...]:
        return (self._api_key,) if self._api_key else ()
