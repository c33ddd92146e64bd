"""Each error class ends a cell with its status after the right number of HTTP attempts.

Attempts are counted twice: on the CellResult (what the report shows) and at the server
(what the provider saw); the two must agree.
"""

from __future__ import annotations

import asyncio

from tests.resilience.conftest import MakeCaller, Simulator, eventually, make_job, make_spec


class TestPermanentClassesEndAfterOneAttempt:
    async def test_success_is_one_attempt(self, sim: Simulator, model_id: str, make_caller: MakeCaller) -> None:
        """A healthy model answers in one HTTP call with the answer text and status ok."""
        caller = make_caller(make_spec(sim, model_id))
        result = await caller.call(make_job(caller.spec))
        assert result.status == "ok"
        assert result.attempts == 1 and sim.count(model_id) == 1
        assert result.answer.strip() and result.error is None
        assert result.adapter_id == "test-adapter" and result.started_at and result.finished_at

    async def test_bad_request_is_not_retried(self, sim: Simulator, model_id: str, make_caller: MakeCaller) -> None:
        """A 400 context_length_exceeded is bad_request after exactly one call."""
        sim.fault(model=model_id, mode="status", code="context_length_exceeded")
        caller = make_caller(make_spec(sim, model_id))
        result = await caller.call(make_job(caller.spec))
        assert result.status == "bad_request"
        assert result.attempts == 1 and sim.statuses(model_id) == [400]
        assert result.error is not None and result.error.http_status == 400

    async def test_exhausted_quota_is_permanent(self, sim: Simulator, model_id: str, make_caller: MakeCaller) -> None:
        """A 429 insufficient_quota is rate_limited but not retried: waiting does not refill a quota."""
        sim.fault(model=model_id, mode="status", code="insufficient_quota")
        caller = make_caller(make_spec(sim, model_id))
        result = await caller.call(make_job(caller.spec))
        assert result.status == "rate_limited"
        assert result.attempts == 1 and sim.statuses(model_id) == [429]
        assert result.error is not None and result.error.provider_code == "insufficient_quota"
        assert caller.limiter.current == 8, "a quota error is not congestion: concurrency stays"

    async def test_config_error_is_one_attempt(self, sim: Simulator, model_id: str, make_caller: MakeCaller) -> None:
        """A 404 model_not_found is config_error after one call and latches the model."""
        sim.fault(model=model_id, mode="status", code="model_not_found")
        caller = make_caller(make_spec(sim, model_id))
        result = await caller.call(make_job(caller.spec))
        assert result.status == "config_error"
        assert result.attempts == 1 and sim.statuses(model_id) == [404]
        assert caller.latch.status == "config_error"


class TestTransientClassesRetryUpToTheLimit:
    async def test_upstream_error_uses_every_attempt(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """A persistent 500 is retried until max_attempts, then upstream_error."""
        sim.fault(model=model_id, mode="status", status=500)
        caller = make_caller(make_spec(sim, model_id, max_attempts=3))
        result = await caller.call(make_job(caller.spec))
        assert result.status == "upstream_error"
        assert result.attempts == 3 and sim.statuses(model_id) == [500, 500, 500]

    async def test_burst_recovers_within_the_attempts(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """Two 503s then an answer: the cell is ok, and its attempts say it took three calls."""
        sim.fault(model=model_id, mode="burst", count=2)
        caller = make_caller(make_spec(sim, model_id, max_attempts=4))
        result = await caller.call(make_job(caller.spec))
        assert result.status == "ok" and result.answer
        assert result.attempts == 3 and sim.statuses(model_id) == [503, 503, 200]

    async def test_transient_rate_limit_retries(self, sim: Simulator, model_id: str, make_caller: MakeCaller) -> None:
        """A persistent 429 rate_limit_exceeded is retried until max_attempts, then rate_limited."""
        sim.fault(model=model_id, mode="rate_limit", retry_after_ms=20)
        caller = make_caller(make_spec(sim, model_id, max_attempts=3))
        result = await caller.call(make_job(caller.spec))
        assert result.status == "rate_limited"
        assert result.attempts == 3 and sim.statuses(model_id) == [429, 429, 429]

    async def test_timeout_is_retried_and_cancels_each_request(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """A hanging provider times out per attempt (spec.timeout_s); every attempt's connection is closed."""
        sim.fault(model=model_id, mode="hang")
        caller = make_caller(make_spec(sim, model_id, max_attempts=2, timeout_s=0.2))
        result = await caller.call(make_job(caller.spec))
        assert result.status == "timeout"
        assert result.attempts == 2
        assert await eventually(lambda: sim.stats()["disconnects"].get(model_id) == 2)
        assert sim.count(model_id) == 2

    async def test_malformed_is_retried_once(self, sim: Simulator, model_id: str, make_caller: MakeCaller) -> None:
        """A 200 with a non-JSON body is retried at most once more, whatever max_attempts allows."""
        sim.fault(model=model_id, mode="garbage")
        caller = make_caller(make_spec(sim, model_id, max_attempts=5))
        result = await caller.call(make_job(caller.spec))
        assert result.status == "malformed"
        assert result.attempts == 2 and sim.count(model_id) == 2

    async def test_unreachable_is_retried(self, sim: Simulator, model_id: str, make_caller: MakeCaller) -> None:
        """A server that drops every connection is unreachable after max_attempts connections."""
        connections = 0

        async def drop(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal connections
            connections += 1
            writer.close()

        server = await asyncio.start_server(drop, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            spec = make_spec(sim, model_id, base_url=f"http://127.0.0.1:{port}/v1", max_attempts=3)
            caller = make_caller(spec)
            result = await caller.call(make_job(spec))
        finally:
            server.close()
            await server.wait_closed()
        assert result.status == "unreachable"
        assert result.attempts == 3 and connections == 3
        assert caller.breaker.state == "closed", "3 failures stay under the threshold of 5"


class TestFilteredIsAnAnswer:
    async def test_filtered_answer_keeps_partial_text(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """finish_reason content_filter gives status filtered with the text produced before the cut."""
        sim.fault(model=model_id, mode="filter")
        caller = make_caller(make_spec(sim, model_id, breaker_min_failures=1))
        result = await caller.call(make_job(caller.spec))
        assert result.status == "filtered"
        assert result.answer.strip(), "the partial text is part of the answer"
        assert result.attempts == 1 and sim.count(model_id) == 1
        assert result.error is not None and result.error.provider_code == "content_filter"

    async def test_filtered_answers_do_not_open_the_breaker(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """Many filtered cells (a 400 DashScope filter too) never open the breaker nor latch the model."""
        sim.fault(model=model_id, mode="filter", variant="dashscope")
        caller = make_caller(make_spec(sim, model_id, breaker_min_failures=1))
        results = await asyncio.gather(*(caller.call(make_job(caller.spec)) for _ in range(6)))
        assert [r.status for r in results] == ["filtered"] * 6
        assert sim.count(model_id) == 6
        assert caller.breaker.state == "closed" and caller.latch.status is None


class TestUsageAndCost:
    async def test_cost_from_usage_and_price(self, sim: Simulator, model_id: str, make_caller: MakeCaller) -> None:
        """Token usage is on the result and cost = in × input price + out × output price per million."""
        caller = make_caller(make_spec(sim, model_id))
        result = await caller.call(make_job(caller.spec))
        usage = result.usage
        assert usage.input_tokens and usage.output_tokens
        expected = (usage.input_tokens * 2.0 + usage.output_tokens * 8.0) / 1_000_000
        assert result.cost is not None and abs(result.cost - expected) < 1e-8
        assert result.currency == "CNY"

    async def test_streamed_answers_report_usage_and_cost(
        self, sim: Simulator, model_id: str, make_caller: MakeCaller
    ) -> None:
        """A streaming model's usage chunk yields the same cost computation."""
        caller = make_caller(make_spec(sim, model_id, stream=True))
        result = await caller.call(make_job(caller.spec))
        assert result.status == "ok" and result.usage.output_tokens
        assert result.cost is not None and result.cost > 0 and result.currency == "CNY"

    async def test_no_price_means_no_cost(self, sim: Simulator, model_id: str, make_caller: MakeCaller) -> None:
        """Without a catalogue price the result keeps its usage but claims no cost."""
        caller = make_caller(make_spec(sim, model_id, price=None))
        result = await caller.call(make_job(caller.spec))
        assert result.usage.input_tokens and result.cost is None and result.currency is None

