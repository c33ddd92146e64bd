"""The one retry layer: a cell's provider calls, under the cell's deadline.

NATS redelivery is crash recovery, not a retry loop: everything a provider can do wrong is
handled here and ends in exactly one result with an explicit status. Transient classes are
retried with capped exponential backoff and full jitter (or the provider's Retry-After, up to
a cap) while the deadline allows; permanent classes end after one attempt; auth and config
errors latch the model so its remaining cells end at once without another HTTP call.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

import httpx

from services.adapter.breaker import CircuitBreaker
from services.adapter.limits import AimdLimiter, TokenBucket
from services.adapter.prompt import user_message
from shared.catalogue import ModelSpec
from shared.contracts import CellResult, ErrorInfo, Job, Usage
from shared.errors import CellError, CircuitOpen, ContentFiltered, DeadlineExceeded, RateLimited, to_error_info
from shared.providers import Completion, Prompt, complete


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay_s: float = 1.0
    max_delay_s: float = 30.0
    # A provider asking for a longer pause than this is treated as a failure of this attempt.
    max_retry_after_s: float = 60.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        # Full jitter (AWS architecture blog): spreads retries of many cells over the window.
        return rng.uniform(0.0, min(self.max_delay_s, self.base_delay_s * (2 ** (attempt - 1))))


@dataclass
class Latch:
    """Set on the first auth/config error; the model stays misconfigured until restarted."""

    status: str | None = None
    error: ErrorInfo | None = None


@dataclass
class CallerStats:
    http_calls: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


class Caller:
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
    ) -> None:
        self.spec = spec
        self._api_key = api_key
        self.client = client
        self.policy = policy or RetryPolicy()
        self.breaker = breaker or CircuitBreaker()
        self.limiter = AimdLimiter(spec.concurrency)
        self.bucket = TokenBucket(spec.rpm)
        self.latch = Latch()
        self.adapter_id = adapter_id
        self.stats = CallerStats()
        self._rng = rng or random.Random()
        # Until one call has proven the credentials, calls go one at a time: a bad key then
        # costs exactly one HTTP request instead of `concurrency` of them.
        self._verified = asyncio.Event()
        self._probe = asyncio.Lock()

    def _result(self, job: Job, status: str, **fields: object) -> CellResult:
        self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
        return CellResult(
            run_id=job.run_id, cell_id=job.cell_id, model=job.model, status=status,  # type: ignore[arg-type]
            adapter_id=self.adapter_id, **fields,  # type: ignore[arg-type]
        )

    def _cost(self, usage: Usage) -> tuple[float | None, str | None]:
        price = self.spec.price
        if price is None or usage.input_tokens is None or usage.output_tokens is None:
            return None, None
        cost = (usage.input_tokens * price.input_per_mtok + usage.output_tokens * price.output_per_mtok) / 1e6
        return round(cost, 8), price.currency

    async def _attempt(self, prompt: Prompt) -> Completion:
        await self.bucket.take()
        await self.limiter.acquire()
        try:
            self.stats.http_calls += 1
            return await complete(self.client, self.spec, self._api_key, prompt)
        finally:
            await self.limiter.release()

    async def _guarded_attempt(self, prompt: Prompt) -> Completion:
        if self._verified.is_set():
            return await self._attempt(prompt)
        async with self._probe:
            if self.latch.status is not None:
                raise _Latched()
            completion = await self._attempt(prompt)
            self._verified.set()
            return completion

    async def call(self, job: Job) -> CellResult:
        """Ask the model until an outcome is final; never raises (except cancellation)."""
        started = time.time()
        if self.latch.status is not None:
            return self._result(job, self.latch.status, attempts=0, error=self.latch.error,
                                started_at=started, finished_at=started)
        remaining = job.deadline_at - started
        if remaining <= 0:
            return self._result(job, "deadline_exceeded", attempts=0, started_at=started, finished_at=started,
                                error=ErrorInfo(error_class="deadline_exceeded",
                                                message="the run's deadline passed before the call"))
        prompt = Prompt(system=None, user=user_message(job), max_tokens=self.spec.max_tokens,
                        temperature=self.spec.temperature)
        attempts = 0
        waited_on_breaker = False
        last_error: CellError | None = None
        loop = asyncio.get_running_loop()
        deadline_loop = loop.time() + remaining
        try:
            async with asyncio.timeout_at(deadline_loop):
                while True:
                    wait = self.breaker.retry_in()
                    if wait > 0 or not self.breaker.acquire():
                        # The job waits here (kept alive by in-progress acks) rather than being
                        # nak'ed with a delay: every nak counts towards MaxDeliver, which would
                        # turn a provider outage into "crashed" cells.
                        waited_on_breaker = True
                        await asyncio.sleep(max(wait, 0.2))
                        continue
                    attempts += 1
                    t0 = time.monotonic()
                    try:
                        completion = await self._guarded_attempt(prompt)
                    except _Latched:
                        return self._result(job, self.latch.status or "auth_error", attempts=attempts - 1,
                                            error=self.latch.error, started_at=started, finished_at=time.time())
                    except CellError as exc:
                        last_error = exc
                        self.breaker.record(exc.cell_status)
                        if isinstance(exc, ContentFiltered):
                            return self._result(
                                job, "filtered", answer=exc.partial_text or "", attempts=attempts,
                                latency_ms=int((time.monotonic() - t0) * 1000), error=to_error_info(exc),
                                started_at=started, finished_at=time.time(),
                            )
                        if exc.latches_model:
                            self.latch.status = exc.cell_status
                            self.latch.error = to_error_info(exc)
                        if isinstance(exc, RateLimited):
                            await self.limiter.on_rate_limited()
                        if not exc.transient or attempts >= self.policy.max_attempts:
                            break
                        delay = self.policy.backoff(attempts, self._rng)
                        if exc.retry_after_s is not None:
                            if exc.retry_after_s > self.policy.max_retry_after_s:
                                break
                            delay = max(delay, exc.retry_after_s)
                        if loop.time() + delay >= deadline_loop:
                            break
                        await asyncio.sleep(delay)
                        continue
                    self.breaker.record("ok")
                    self.limiter.on_success()
                    cost, currency = self._cost(completion.usage)
                    return self._result(
                        job, "ok", answer=completion.text, reasoning=completion.reasoning,
                        finish_reason=completion.finish_reason, usage=completion.usage, cost=cost,
                        currency=currency, citations=completion.citations,
                        provider_request_id=completion.provider_request_id, attempts=attempts,
                        latency_ms=int((time.monotonic() - t0) * 1000), started_at=started, finished_at=time.time(),
                    )
        except TimeoutError:
            if waited_on_breaker and (last_error is None or last_error.counts_for_breaker):
                last_error = CircuitOpen("the model's circuit breaker stayed open until the run's deadline")
            else:
                # The deadline cancelled the in-flight HTTP request (its connection is closed).
                last_error = DeadlineExceeded("the run's deadline passed during the call")
        assert last_error is not None
        return self._result(
            job, last_error.cell_status, attempts=attempts, error=to_error_info(last_error),
            latency_ms=int((time.time() - started) * 1000), started_at=started, finished_at=time.time(),
        )


class _Latched(Exception):
    """Raised inside the probe gate when the model latched while this call was waiting."""
