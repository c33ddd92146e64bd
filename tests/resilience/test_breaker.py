"""The per-model circuit breaker: opens on a failure storm, bounds calls while open, recovers.

Timings are shrunk through the ModelSpec (cooldown 0.3 s, doubling to 0.6 s) so an outage and
its recovery fit in about two seconds.
"""

from __future__ import annotations

import asyncio
import time

from services.adapter.breaker import BreakerState, CircuitBreaker
from tests.resilience.conftest import MakeCaller, Simulator, make_job, make_spec


def state_of(breaker: CircuitBreaker) -> BreakerState:
    """The breaker's state now. A call rather than ``breaker.state`` inline, so that mypy does not
    narrow a later check by an earlier one: the state changes across the awaits between them."""
    return breaker.state


class TestStormOpensAndRecovers:
    async def test_503_storm_opens_bounds_calls_and_recovery_closes(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """A 503 storm opens the breaker after 5 failures; while open only probes reach the provider;
        cells waiting on it end circuit_open at their deadline; once the provider is back a probe
        closes it and cells answer."""
        sim.fault(model=model_id, mode="status", status=503)
        spec = make_spec(sim, model_id, concurrency=4, max_attempts=10, retry_base_s=0.005, retry_max_s=0.01)
        caller = make_caller(spec)
        deadline_s = 1.5
        started = time.monotonic()
        results = await asyncio.gather(*(caller.call(make_job(spec, deadline_s=deadline_s)) for _ in range(12)))
        elapsed = time.monotonic() - started
        assert caller.breaker.opened_count >= 1
        assert state_of(caller.breaker) in ("open", "half_open")
        statuses = [r.status for r in results]
        assert set(statuses) <= {"circuit_open", "upstream_error"}
        assert statuses.count("circuit_open") >= 8, statuses
        # Before opening: at most 4 in flight when the 5th failure lands, so ≤ 5 + 3 calls. While
        # open: one probe per cooldown (0.3 s, then 0.6 s): ≤ 3 more within 1.5 s.
        calls = sim.count(model_id)
        assert calls <= 5 + 3 + 3, calls
        assert elapsed < deadline_s + 0.5, "cells end at their deadline, not later"

        sim.clear_faults(model_id)
        await asyncio.sleep(caller.breaker.retry_in())
        recovered = await asyncio.gather(*(caller.call(make_job(spec)) for _ in range(6)))
        assert [r.status for r in recovered] == ["ok"] * 6
        assert state_of(caller.breaker) == "closed"
        assert caller.breaker.cooldown_s == spec.breaker_cooldown_s, "closing resets the cooldown"

    async def test_waiting_cells_go_once_the_probe_succeeds(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """Cells arriving while the breaker is open wait (no HTTP) and answer after the probe closes it."""
        sim.fault(model=model_id, mode="burst", status=503, count=5)
        spec = make_spec(sim, model_id, concurrency=1, max_attempts=1, breaker_cooldown_s=0.4)
        caller = make_caller(spec)
        failed = [await caller.call(make_job(spec)) for _ in range(5)]
        assert [r.status for r in failed] == ["upstream_error"] * 5
        assert state_of(caller.breaker) == "open"
        opened = time.monotonic()
        waiting = await asyncio.gather(*(caller.call(make_job(spec, deadline_s=5)) for _ in range(4)))
        assert [r.status for r in waiting] == ["ok"] * 4
        assert time.monotonic() - opened >= 0.35, "nobody called before the cooldown ended"
        assert sim.statuses(model_id) == [503] * 5 + [200] * 4

    async def test_failed_probe_doubles_the_cooldown(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """A half-open probe that fails reopens the breaker for twice as long (capped)."""
        sim.fault(model=model_id, mode="status", status=500)
        spec = make_spec(sim, model_id, concurrency=1, max_attempts=1, breaker_min_failures=2,
                         breaker_cooldown_s=0.2, breaker_max_cooldown_s=0.3)
        caller = make_caller(spec)
        for _ in range(2):
            await caller.call(make_job(spec))
        assert state_of(caller.breaker) == "open" and caller.breaker.cooldown_s == 0.2
        await asyncio.sleep(0.21)
        probe = await caller.call(make_job(spec))
        assert probe.status == "upstream_error" and probe.attempts == 1
        assert state_of(caller.breaker) == "open" and caller.breaker.cooldown_s == 0.3

    async def test_cell_that_cannot_reach_a_probe_ends_at_once(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """When the breaker stays open past a cell's deadline the cell ends circuit_open immediately."""
        sim.fault(model=model_id, mode="status", status=502)
        spec = make_spec(sim, model_id, concurrency=1, max_attempts=1, breaker_min_failures=1, breaker_cooldown_s=30)
        caller = make_caller(spec)
        await caller.call(make_job(spec))
        started = time.monotonic()
        result = await caller.call(make_job(spec, deadline_s=5))
        assert result.status == "circuit_open" and result.attempts == 0
        assert time.monotonic() - started < 0.5, "not held until the 5 s deadline"
        assert sim.count(model_id) == 1


class TestOnlyProviderHealthCounts:
    async def test_rate_limits_never_open_the_breaker(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """Dozens of 429s (rate limiting says nothing about health) leave the breaker closed."""
        sim.fault(model=model_id, mode="rate_limit", retry_after_ms=5)
        spec = make_spec(sim, model_id, breaker_min_failures=2, max_attempts=3)
        caller = make_caller(spec)
        results = await asyncio.gather(*(caller.call(make_job(spec)) for _ in range(8)))
        assert {r.status for r in results} == {"rate_limited"}
        assert sim.count(model_id) == 24
        assert state_of(caller.breaker) == "closed" and caller.breaker.opened_count == 0

    async def test_bad_requests_never_open_the_breaker(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """Bad requests are the request's fault, not the provider's: the breaker stays closed."""
        sim.fault(model=model_id, mode="status", code="context_length_exceeded")
        caller = make_caller(make_spec(sim, model_id, breaker_min_failures=1))
        results = await asyncio.gather(*(caller.call(make_job(caller.spec)) for _ in range(5)))
        assert {r.status for r in results} == {"bad_request"}
        assert state_of(caller.breaker) == "closed"

    async def test_successes_dilute_failures(self, sim: Simulator, model_id: str, make_caller: MakeCaller) -> None:
        """Sporadic failures below the failure ratio do not open the breaker (5 failures among 15+ calls)."""
        spec = make_spec(sim, model_id, concurrency=1, max_attempts=1)
        caller = make_caller(spec)
        for _ in range(11):
            assert (await caller.call(make_job(spec))).status == "ok"
        sim.fault(model=model_id, mode="status", status=500, count=5)
        statuses = [(await caller.call(make_job(spec))).status for _ in range(5)]
        assert statuses == ["upstream_error"] * 5
        assert state_of(caller.breaker) == "closed", "5 of 16 failed: under the 50% ratio"


class TestProbeSlot:
    async def test_probe_cut_by_the_deadline_frees_the_slot(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """A half-open probe cancelled by its cell's deadline neither closes nor reopens the breaker,
        and the next cell may probe (a stuck probe slot would hold every later cell until its deadline)."""
        spec = make_spec(sim, model_id, concurrency=1, max_attempts=1, breaker_min_failures=1,
                         breaker_cooldown_s=0.2, timeout_s=30)
        caller = make_caller(spec)
        await caller.call(make_job(spec))  # proves the key
        sim.fault(model=model_id, mode="status", status=500, count=1)
        assert (await caller.call(make_job(spec))).status == "upstream_error"
        assert state_of(caller.breaker) == "open"
        sim.fault(model=model_id, mode="hang", count=1)
        cut = await caller.call(make_job(spec, deadline_s=0.5))
        assert cut.status == "deadline_exceeded" and cut.attempts == 1, "the probe went and was cut"
        assert state_of(caller.breaker) == "half_open"
        after = await caller.call(make_job(spec, deadline_s=2))
        assert after.status == "ok" and after.attempts == 1
        assert state_of(caller.breaker) == "closed"

    async def test_neutral_probe_outcome_lets_the_next_cell_probe(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """A 429 on the half-open probe says nothing about health: the breaker stays half-open and the
        next call probes again (and closes it)."""
        spec = make_spec(sim, model_id, concurrency=1, max_attempts=1, breaker_min_failures=1, breaker_cooldown_s=0.2)
        caller = make_caller(spec)
        await caller.call(make_job(spec))
        sim.fault(model=model_id, mode="status", status=500, count=1)
        await caller.call(make_job(spec))
        await asyncio.sleep(0.21)
        sim.fault(model=model_id, mode="rate_limit", count=1, retry_after_ms=5)
        assert (await caller.call(make_job(spec))).status == "rate_limited"
        assert state_of(caller.breaker) == "half_open"
        assert (await caller.call(make_job(spec))).status == "ok"
        assert state_of(caller.breaker) == "closed"
