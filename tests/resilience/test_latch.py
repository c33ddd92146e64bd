"""Auth and config errors latch the model: one HTTP call per adapter, then no more.

Until a call has proven the key, calls go one at a time, so a bad key costs exactly one
request however many cells arrive at once; the latch is what health reports.
"""

from __future__ import annotations

import asyncio

from tests.resilience.conftest import MakeCaller, Simulator, make_job, make_spec

BAD_KEY = "sk-invalid-resilience-0001"


class TestBadKeyCostsOneRequest:
    async def test_many_concurrent_cells_make_one_call(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """20 concurrent cells with a rejected key: one 401 at the server, 20 auth_error results."""
        spec = make_spec(sim, model_id, simulated=False, api_key_env="BRANDLENS_TEST_KEY")
        caller = make_caller(spec, api_key=BAD_KEY)
        results = await asyncio.gather(*(caller.call(make_job(spec)) for _ in range(20)))
        assert [r.status for r in results] == ["auth_error"] * 20
        assert sim.statuses(model_id) == [401]
        assert sorted(r.attempts for r in results) == [0] * 19 + [1]
        assert all(r.error is not None and r.error.http_status == 401 for r in results)
        assert all(BAD_KEY not in (r.error.message if r.error else "") for r in results)

    async def test_later_cells_end_without_a_call(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """Once latched, a new cell ends at once with the latched status and zero attempts."""
        spec = make_spec(sim, model_id, simulated=False, api_key_env="BRANDLENS_TEST_KEY")
        caller = make_caller(spec, api_key=BAD_KEY)
        await caller.call(make_job(spec))
        later = await caller.call(make_job(spec))
        assert later.status == "auth_error" and later.attempts == 0
        assert sim.count(model_id) == 1

    async def test_each_adapter_pays_once(self, sim: Simulator, model_id: str, make_caller: MakeCaller) -> None:
        """Two adapters (two Callers) for the same bad key make exactly one call each."""
        spec = make_spec(sim, model_id, simulated=False, api_key_env="BRANDLENS_TEST_KEY")
        first, second = make_caller(spec, api_key=BAD_KEY), make_caller(spec, api_key=BAD_KEY)
        await asyncio.gather(*(c.call(make_job(spec)) for c in (first, second) for _ in range(10)))
        assert sim.statuses(model_id) == [401, 401]

    async def test_latch_never_opens_the_breaker(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """A latched model reports misconfiguration, not an outage: its breaker stays closed."""
        spec = make_spec(sim, model_id, simulated=False, api_key_env="BRANDLENS_TEST_KEY", breaker_min_failures=1)
        caller = make_caller(spec, api_key=BAD_KEY)
        await asyncio.gather(*(caller.call(make_job(spec)) for _ in range(5)))
        assert caller.breaker.state == "closed"
        assert caller.latch.status == "auth_error"
        assert caller.latch.reason is not None and caller.latch.reason.startswith("auth_error: HTTP 401")


class TestConfigErrorLatches:
    async def test_unknown_model_makes_one_call(self, sim: Simulator, model_id: str, make_caller: MakeCaller) -> None:
        """A 404 model_not_found latches config_error after one request for all concurrent cells."""
        sim.fault(model=model_id, mode="status", code="model_not_found")
        caller = make_caller(make_spec(sim, model_id))
        results = await asyncio.gather(*(caller.call(make_job(caller.spec)) for _ in range(8)))
        assert {r.status for r in results} == {"config_error"}
        assert sim.statuses(model_id) == [404]
        assert caller.latch.status == "config_error"


class TestProvenKeyRunsConcurrently:
    async def test_after_one_success_calls_overlap(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """The one-at-a-time gate lasts only until a call succeeds; then cells use the full concurrency."""
        sim.fault(model=model_id, mode="slow", delay_ms=150)
        caller = make_caller(make_spec(sim, model_id, concurrency=4))
        results = await asyncio.gather(*(caller.call(make_job(caller.spec)) for _ in range(9)))
        assert {r.status for r in results} == {"ok"}
        assert caller.credentials_proven
        assert sim.stats()["max_in_flight"][model_id] == 4


class TestHealthIsToldAtOnce:
    async def test_latch_and_breaker_changes_call_the_health_hook(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """on_health_change fires when the model latches and when the breaker opens, so the service
        can publish health without waiting for its heartbeat; it does not fire on ordinary answers."""
        seen: list[tuple[str | None, str]] = []
        spec = make_spec(sim, model_id, concurrency=1, max_attempts=1, breaker_min_failures=2)
        caller = make_caller(spec)
        caller.on_health_change = lambda: seen.append((caller.latch.status, caller.breaker.state))
        assert (await caller.call(make_job(spec))).status == "ok"
        assert seen == []
        sim.fault(model=model_id, mode="status", status=500, count=2)
        for _ in range(2):
            await caller.call(make_job(spec))
        assert seen == [(None, "open")]

        bad = make_spec(sim, model_id, simulated=False, api_key_env="BRANDLENS_TEST_KEY")
        latched = make_caller(bad, api_key=BAD_KEY)
        changes: list[str | None] = []
        latched.on_health_change = lambda: changes.append(latched.latch.status)
        await asyncio.gather(*(latched.call(make_job(bad)) for _ in range(3)))
        assert changes == ["auth_error"]
