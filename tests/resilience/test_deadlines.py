"""Everything happens inside the cell's deadline: the HTTP request is really cancelled at the
deadline, retries and Retry-After waits that cannot finish in time are not started, and the
provider's Retry-After is honoured when they can."""

from __future__ import annotations

import asyncio
import random
import time

from tests.resilience.conftest import MakeCaller, Simulator, eventually, make_job, make_spec


class TestDeadlineCancelsTheCall:
    async def test_deadline_disconnects_the_in_flight_request(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """A provider that never answers is cut at the deadline: deadline_exceeded, and the simulator
        counts the disconnect (the connection was closed, not left to run)."""
        sim.fault(model=model_id, mode="hang")
        caller = make_caller(make_spec(sim, model_id, timeout_s=30))
        started = time.monotonic()
        result = await caller.call(make_job(caller.spec, deadline_s=0.5))
        elapsed = time.monotonic() - started
        assert result.status == "deadline_exceeded" and result.attempts == 1
        assert 0.45 <= elapsed < 1.2, elapsed
        assert await eventually(lambda: sim.stats()["disconnects"].get(model_id) == 1)
        assert sim.stats()["in_flight"][model_id] == 0

    async def test_streaming_call_is_cut_too(self, sim: Simulator, model_id: str, make_caller: MakeCaller) -> None:
        """A slow streamed answer still running at the deadline is cancelled and disconnected."""
        sim.fault(model=model_id, mode="slow", delay_ms=5000)
        caller = make_caller(make_spec(sim, model_id, stream=True, timeout_s=30))
        result = await caller.call(make_job(caller.spec, deadline_s=0.4))
        assert result.status == "deadline_exceeded"
        assert await eventually(lambda: sim.stats()["disconnects"].get(model_id) == 1)

    async def test_cut_call_leaves_the_breaker_alone(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """Deadline cancellations are not provider failures: many of them never open the breaker."""
        sim.fault(model=model_id, mode="hang")
        caller = make_caller(make_spec(sim, model_id, breaker_min_failures=1, timeout_s=30))
        results = await asyncio.gather(*(caller.call(make_job(caller.spec, deadline_s=0.3)) for _ in range(4)))
        assert {r.status for r in results} == {"deadline_exceeded"}
        assert caller.breaker.state == "closed"

    async def test_past_deadline_makes_no_call(self, sim: Simulator, model_id: str, make_caller: MakeCaller) -> None:
        """A job whose deadline has already passed ends at once without an HTTP request."""
        caller = make_caller(make_spec(sim, model_id))
        result = await caller.call(make_job(caller.spec, deadline_s=-1))
        assert result.status == "deadline_exceeded" and result.attempts == 0
        assert sim.count(model_id) == 0


class TestRetryAfter:
    async def test_retry_after_2s_is_waited(self, sim: Simulator, model_id: str, make_caller: MakeCaller) -> None:
        """A 429 with Retry-After: 2 is retried no sooner than 2 s later (backoff alone would be ~10 ms)."""
        sim.fault(model=model_id, mode="rate_limit", count=1, retry_after_s=2)
        caller = make_caller(make_spec(sim, model_id))
        result = await caller.call(make_job(caller.spec))
        assert result.status == "ok" and result.attempts == 2
        rows = sim.requests(model_id)
        assert [row["status"] for row in rows] == [429, 200]
        assert rows[1]["at"] - rows[0]["at"] >= 2.0

    async def test_retry_after_past_the_deadline_ends_now(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """When the advertised wait would outlast the deadline the cell ends rate_limited at once."""
        sim.fault(model=model_id, mode="rate_limit", retry_after_s=5)
        caller = make_caller(make_spec(sim, model_id))
        started = time.monotonic()
        result = await caller.call(make_job(caller.spec, deadline_s=2))
        assert result.status == "rate_limited" and result.attempts == 1
        assert time.monotonic() - started < 1.0, "not held until the 2 s deadline"
        assert sim.count(model_id) == 1

    async def test_retry_after_over_the_cap_ends_now(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """A Retry-After above max_retry_after_s is not waited for, even when the deadline would allow it."""
        sim.fault(model=model_id, mode="rate_limit", retry_after_s=3)
        caller = make_caller(make_spec(sim, model_id, max_retry_after_s=1.0))
        result = await caller.call(make_job(caller.spec, deadline_s=60))
        assert result.status == "rate_limited" and result.attempts == 1

    async def test_retry_after_ms_is_preferred(self, sim: Simulator, model_id: str, make_caller: MakeCaller) -> None:
        """retry-after-ms (OpenAI) is more precise than Retry-After's whole seconds and is the one used."""
        sim.fault(model=model_id, mode="rate_limit", count=1, retry_after_ms=150)
        caller = make_caller(make_spec(sim, model_id))
        started = time.monotonic()
        result = await caller.call(make_job(caller.spec))
        elapsed = time.monotonic() - started
        assert result.status == "ok" and result.attempts == 2
        assert 0.15 <= elapsed < 0.95, "waited the 150 ms, not the rounded-up Retry-After: 1"

    async def test_backoff_that_cannot_fit_is_not_started(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """A 500 whose drawn backoff (0.84 s) outlasts the 0.5 s deadline ends the cell at once with
        upstream_error, instead of sleeping into a deadline_exceeded."""
        sim.fault(model=model_id, mode="status", status=500)
        spec = make_spec(sim, model_id, retry_base_s=1.0, retry_max_s=1.0, max_attempts=5)
        # Seed 0's first draw is 0.844: the jittered pause U(0, 1 s) is then 0.84 s.
        caller = make_caller(spec, rng=random.Random(0))
        started = time.monotonic()
        result = await caller.call(make_job(caller.spec, deadline_s=0.5))
        assert result.status == "upstream_error" and result.attempts == 1
        assert time.monotonic() - started < 0.45, "ended before the deadline, without sleeping"
