"""Per-model pacing: concurrency that halves on 429 and grows back (AIMD), and requests per minute.

Concurrency is observed at the simulator (``max_in_flight``) with a ``slow`` fault holding each
request long enough to overlap; the rate is checked on the simulator's request timestamps.
"""

from __future__ import annotations

import asyncio

from services.adapter.caller import Caller
from tests.resilience.conftest import MakeCaller, Simulator, make_job, make_spec


async def _run(caller: Caller, cells: int) -> list[str]:
    results = await asyncio.gather(*(caller.call(make_job(caller.spec)) for _ in range(cells)))
    return [r.status for r in results]


async def _prove_key(caller: Caller) -> None:
    # The first call goes alone (credential gate); later calls may use the full concurrency.
    assert (await caller.call(make_job(caller.spec))).status == "ok"


class TestAimdConcurrency:
    async def test_429_halves_then_successes_restore(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """One 429 amid 8 concurrent calls halves the limit (8 → 4, then +1/limit per answer), the
        server sees the reduced concurrency, and enough answered calls grow it back to 8."""
        caller = make_caller(make_spec(sim, model_id, concurrency=8))
        await _prove_key(caller)
        sim.fault(model=model_id, mode="rate_limit", count=1, retry_after_ms=10)
        sim.fault(model=model_id, mode="slow", delay_ms=100)
        assert await _run(caller, 8) == ["ok"] * 8
        assert caller.limiter.decreases == 1, "one burst of 429s is one congestion signal"
        # Halved to 4, then the 8 answers added a quarter slot each: 4 → 5.x.
        reduced = caller.limiter.current
        assert reduced == 5, reduced

        sim.reset()
        sim.fault(model=model_id, mode="slow", delay_ms=100)
        assert await _run(caller, 8) == ["ok"] * 8
        assert sim.stats()["max_in_flight"][model_id] == reduced

        sim.reset()
        # Additive increase: one slot per `limit` answers, so 4→8 needs about 4+5+6+7 answers
        # (those of the phase above included).
        assert await _run(caller, 24) == ["ok"] * 24
        assert caller.limiter.current == 8
        sim.fault(model=model_id, mode="slow", delay_ms=100)
        assert await _run(caller, 8) == ["ok"] * 8
        assert sim.stats()["max_in_flight"][model_id] == 8

    async def test_simultaneous_429s_halve_once(self, sim: Simulator, model_id: str, make_caller: MakeCaller) -> None:
        """Eight calls rejected by the same burst halve the limit once (8 → 4), not eight times."""
        caller = make_caller(make_spec(sim, model_id, concurrency=8))
        await _prove_key(caller)
        sim.fault(model=model_id, mode="rate_limit", count=8, retry_after_ms=10)
        assert await _run(caller, 8) == ["ok"] * 8
        assert sim.statuses(model_id).count(429) == 8
        assert caller.limiter.decreases == 1
        # 4 after the halving, plus a quarter slot per retried answer: not 8 / 2**8.
        assert caller.limiter.current == 5

    async def test_repeated_pressure_keeps_halving(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """429s that keep coming after a decrease halve again, down to one call at a time."""
        caller = make_caller(make_spec(sim, model_id, concurrency=8, max_attempts=2))
        await _prove_key(caller)
        sim.fault(model=model_id, mode="rate_limit", retry_after_ms=5)
        for _ in range(4):
            await _run(caller, 2)
        assert caller.limiter.current == 1

    async def test_concurrency_cap_holds(self, sim: Simulator, model_id: str, make_caller: MakeCaller) -> None:
        """Never more than spec.concurrency requests in flight, however many cells arrive."""
        caller = make_caller(make_spec(sim, model_id, concurrency=3))
        await _prove_key(caller)
        sim.fault(model=model_id, mode="slow", delay_ms=60)
        assert await _run(caller, 12) == ["ok"] * 12
        assert sim.stats()["max_in_flight"][model_id] == 3


class TestRequestsPerMinute:
    async def test_rpm_spaces_requests(self, sim: Simulator, model_id: str, make_caller: MakeCaller) -> None:
        """rpm=240 (4/s, burst 4): 12 cells reach the server no faster than the bucket allows."""
        caller = make_caller(make_spec(sim, model_id, concurrency=8, rpm=240))
        assert await _run(caller, 12) == ["ok"] * 12
        times = sorted(float(row["at"]) for row in sim.requests(model_id))
        assert len(times) == 12
        burst, interval = 4, 0.25
        for k, at in enumerate(times):
            # Request k needs k+1 tokens: `burst` were there at the start, the rest arrive one per interval.
            assert at - times[0] >= (k + 1 - burst) * interval - 0.1, (k, at - times[0])
        # Within any one second: at most the burst plus the second's refill (+1 for scheduling jitter
        # between taking a token and the request reaching the server).
        for at in times:
            assert sum(1 for t in times if at <= t < at + 1.0) <= burst + 4 + 1
        assert times[-1] - times[0] >= (12 - burst) * interval - 0.1
