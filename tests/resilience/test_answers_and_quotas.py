"""What a cell ends with when the provider stops an answer early or refuses every call for a reason.

Against the simulator process over real HTTP; the requests it saw are counted, so "not retried"
and "no further call" are effects, not return values.
"""

from __future__ import annotations

import asyncio
import time

import msgspec

from shared.catalogue import Price
from tests.resilience.conftest import MakeCaller, Simulator, make_job, make_spec

DAILY_QUOTA = {
    "error": {
        "code": 429, "status": "RESOURCE_EXHAUSTED",
        "message": "You exceeded your current quota, please check your plan and billing details.",
        "details": [
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{
                "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                "quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2s"},
        ],
    }
}


class TestTruncated:
    async def test_a_cut_answer_is_truncated_with_its_cost_and_one_call(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """finish_reason "length": status truncated, the partial text kept, usage priced, no retry."""
        sim.fault(model=model_id, mode="truncate")
        caller = make_caller(make_spec(sim, model_id))
        result = await caller.call(make_job(caller.spec))
        assert result.status == "truncated" and result.answer
        assert result.finish_reason == "length" and result.attempts == 1
        assert result.usage.output_tokens is not None and result.cost is not None and result.cost > 0
        assert result.error is not None and "output-token cap" in result.error.message
        assert sim.count(model_id) == 1

    async def test_a_budget_spent_on_thinking_is_not_retried(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """An empty answer after the whole cap went to reasoning is paid once, not "malformed" and
        retried at the same budget (which would pay for it twice)."""
        sim.fault(model=model_id, mode="truncate", variant="thinking")
        spec = make_spec(sim, model_id, max_tokens=512)
        caller = make_caller(spec)
        result = await caller.call(make_job(spec))
        assert result.status == "truncated" and result.answer == ""
        assert result.usage.reasoning_tokens == 512 and result.usage.output_tokens == 512
        assert result.error is not None and "reasoning" in result.error.message
        assert sim.count(model_id) == 1

    async def test_gemini_thinking_within_the_default_cap_truncates_and_a_budget_does_not(
        self, sim: Simulator, make_caller: MakeCaller
    ) -> None:
        """maxOutputTokens covers thinking: a 2.5 model at a small cap with dynamic thinking comes
        back MAX_TOKENS; the catalogue's way (a budget, maxOutputTokens = max_tokens + budget)
        answers in full with exactly the budget's reasoning."""
        gemini = {"protocol": "gemini", "base_url": f"{sim.url}/v1beta"}
        capped = make_caller(make_spec(sim, "gemini-2.5-flash", max_tokens=400, **gemini))
        assert (await capped.call(make_job(capped.spec))).status == "truncated"
        budgeted = make_caller(make_spec(sim, "gemini-2.5-flash", max_tokens=2048, thinking="budget",
                                         thinking_budget=256, **gemini))
        result = await budgeted.call(make_job(budgeted.spec))
        assert result.status == "ok" and result.usage.reasoning_tokens == 256


class TestFilteredCost:
    async def test_a_filter_cut_keeps_usage_and_cost(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """A content_filter finish part-way was billed for its partial answer: the cell keeps it."""
        sim.fault(model=model_id, mode="filter")
        spec = make_spec(sim, model_id, price=Price(input_per_mtok=2.0, output_per_mtok=8.0, currency="CNY"))
        caller = make_caller(spec)
        result = await caller.call(make_job(spec))
        assert result.status == "filtered" and result.answer
        assert result.usage.output_tokens and result.cost is not None and result.cost > 0
        assert result.currency == "CNY"


class TestLatchedReasons:
    async def test_failed_precondition_latches_like_a_bad_key(
        self, sim: Simulator, make_caller: MakeCaller
    ) -> None:
        """Gemini's 400 FAILED_PRECONDITION ("User location is not supported") repeats on every call:
        one request, then every cell ends config_error with that reason."""
        model = f"gemini-2.5-flash-{time.time_ns() % 10**8}"
        sim.fault(model=model, mode="status", status=400, body={"error": {
            "code": 400, "message": "User location is not supported for the API use.",
            "status": "FAILED_PRECONDITION"}})
        spec = make_spec(sim, model, protocol="gemini", base_url=f"{sim.url}/v1beta")
        caller = make_caller(spec)
        results = await asyncio.gather(*(caller.call(make_job(spec)) for _ in range(5)))
        assert {r.status for r in results} == {"config_error"}
        assert sim.count(model) == 1
        assert caller.latch.reason is not None and "User location is not supported" in caller.latch.reason

    async def test_a_daily_quota_latches_until_its_reset(
        self, sim: Simulator, make_caller: MakeCaller
    ) -> None:
        """A per-day RESOURCE_EXHAUSTED ends the cell at once (no retryDelay wait, no retry) and
        latches the model as quota_exhausted: later cells make no call until the reset time,
        and the first cell after it goes to the provider again."""
        model = f"gemini-2.5-flash-{time.time_ns() % 10**8}"
        sim.fault(model=model, mode="status", status=429, body=DAILY_QUOTA, count=1)
        spec = make_spec(sim, model, protocol="gemini", base_url=f"{sim.url}/v1beta")
        caller = make_caller(spec)
        started = time.monotonic()
        first = await caller.call(make_job(spec))
        assert first.status == "rate_limited" and first.attempts == 1
        assert time.monotonic() - started < 1.5  # the 2 s retryDelay was not waited out
        assert caller.latch.quota_exhausted and caller.latch.until is not None
        assert caller.latch.reason is not None and caller.latch.reason.startswith("quota_exhausted until")
        later = await caller.call(make_job(spec))
        assert later.status == "rate_limited" and later.attempts == 0
        assert sim.count(model) == 1
        caller.latch.until = time.time() - 1  # the reset has come
        after = await caller.call(make_job(spec))
        assert after.status == "ok" and sim.count(model) == 2
        assert not caller.latch.quota_exhausted


class TestQuotaHealth:
    def test_dispatcher_refuses_a_quota_exhausted_model_until_its_reset(self) -> None:
        """Health state quota_exhausted (with `until`) is a readiness problem naming the quota,
        and stops being one once `until` has passed."""
        from services.dispatcher.readiness import readiness_problem
        from shared.catalogue import load_catalogue
        from shared.contracts import ModelHealth

        catalogue = load_catalogue(environ={})
        now = time.time()
        health = ModelHealth(model="gemini", state="quota_exhausted", until=now + 3600, at=now,
                             reason="quota_exhausted until 2026-12-07 08:00:00 UTC: HTTP 429 RESOURCE_EXHAUSTED")
        problem = readiness_problem(catalogue, "gemini", health, now=now)
        assert problem is not None and "daily quota" in problem and "08:00:00 UTC" in problem
        later = msgspec.structs.replace(health, at=now + 3601)  # a fresh heartbeat after the reset
        assert readiness_problem(catalogue, "gemini", later, now=now + 3601) is None


class TestErrorsUnderHttp200:
    async def test_qianfan_and_gateway_200_rate_limits_are_retried_not_malformed(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """Qianfan's documented HTTP 200 {"code": 336501} and a gateway's 200 {"error": …} are rate
        limits: retried with backoff (not the single malformed retry), then answered."""
        for variant in ("qianfan", "gateway"):
            sim.reset()
            sim.fault(model=model_id, mode="rate_limit", variant=variant, count=2)
            caller = make_caller(make_spec(sim, model_id))
            result = await caller.call(make_job(caller.spec))
            assert result.status == "ok" and result.attempts == 3, variant
            assert sim.statuses(model_id) == [200, 200, 200]

    async def test_simulated_daily_quota_latches(self, sim: Simulator, make_caller: MakeCaller) -> None:
        """The simulator's daily-quota variant is latched like the documented body."""
        model = f"gemini-2.5-flash-{time.time_ns() % 10**8}"
        sim.fault(model=model, mode="rate_limit", variant="daily", retry_after_s=3)
        caller = make_caller(make_spec(sim, model, protocol="gemini", base_url=f"{sim.url}/v1beta"))
        first, second = [await caller.call(make_job(caller.spec)) for _ in range(2)]
        assert (first.status, first.attempts, second.attempts) == ("rate_limited", 1, 0)
        assert caller.latch.quota_exhausted and sim.count(model) == 1
