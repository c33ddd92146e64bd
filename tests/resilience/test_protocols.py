"""The same policy holds on every wire protocol: Anthropic Messages and Gemini differ in their
error bodies (529 overloaded_error, 400 API_KEY_INVALID), not in how a cell ends."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from shared.catalogue import ModelSpec
from tests.resilience.conftest import MakeCaller, Simulator, make_job, make_spec

BAD_KEY = "sk-invalid-resilience-0002"


def protocol_spec(sim: Simulator, protocol: str, suffix: str, **overrides: Any) -> ModelSpec:
    if protocol == "anthropic":
        return make_spec(sim, f"claude-sonnet-4-5-{suffix}", protocol="anthropic", base_url=sim.url,
                         headers={"anthropic-version": "2023-06-01"}, **overrides)
    return make_spec(sim, f"gemini-2.5-flash-{suffix}", protocol="gemini", base_url=f"{sim.url}/v1beta",
                     **overrides)


@pytest.mark.parametrize("protocol", ["anthropic", "gemini"])
class TestOtherProtocols:
    async def test_answer_with_usage_and_cost(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller, protocol: str
    ) -> None:
        """An answer is ok in one call with usage and a cost from the price table."""
        spec = protocol_spec(sim, protocol, model_id[-8:])
        caller = make_caller(spec)
        result = await caller.call(make_job(spec))
        assert result.status == "ok" and result.attempts == 1 and result.answer
        assert result.usage.input_tokens and result.usage.output_tokens
        assert result.cost is not None and result.currency == "CNY"

    async def test_bad_key_latches_after_one_call(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller, protocol: str
    ) -> None:
        """A rejected key (Anthropic 401, Gemini 400 API_KEY_INVALID) costs one request for 6 cells."""
        spec = protocol_spec(sim, protocol, model_id[-8:], simulated=False, api_key_env="BRANDLENS_TEST_KEY")
        caller = make_caller(spec, api_key=BAD_KEY)
        results = await asyncio.gather(*(caller.call(make_job(spec)) for _ in range(6)))
        assert {r.status for r in results} == {"auth_error"}
        assert sim.count(spec.model) == 1
        assert caller.breaker.state == "closed"

    async def test_overload_is_retried(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller, protocol: str
    ) -> None:
        """Anthropic 529 / Gemini 503 UNAVAILABLE is upstream_error, retried up to max_attempts."""
        spec = protocol_spec(sim, protocol, model_id[-8:], max_attempts=3)
        status = 529 if protocol == "anthropic" else 503
        sim.fault(model=spec.model, mode="status", status=status)
        caller = make_caller(spec)
        result = await caller.call(make_job(spec))
        assert result.status == "upstream_error" and result.attempts == 3
        assert sim.statuses(spec.model) == [status] * 3
