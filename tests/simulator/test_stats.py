"""Observability: counters, concurrency high-water marks, the request log, reset."""

from __future__ import annotations

import asyncio

import httpx

from tests.simulator.conftest import ANTHROPIC_HEADERS, GEMINI_HEADERS, OPENAI_HEADERS, add_fault, chat


class TestCounters:
    def test_requests_and_statuses_are_counted_per_model(self, http: httpx.Client) -> None:
        """total, requests and by_status count every provider request; control calls are not counted."""
        chat(http, "deepseek-chat", "手机推荐")
        chat(http, "deepseek-chat", "手机推荐")
        add_fault(http, model="qwen-max", mode="status", status=500, count=1)
        chat(http, "qwen-max", "手机推荐")
        stats = http.get("/_sim/stats").json()
        assert stats["total"] == 3
        assert stats["requests"] == {"deepseek-chat": 2, "qwen-max": 1}
        assert stats["by_status"] == {"deepseek-chat": {"200": 2}, "qwen-max": {"500": 1}}
        assert stats["in_flight"] == {"deepseek-chat": 0, "qwen-max": 0}
        assert stats["disconnects"] == {}

    async def test_max_in_flight_records_concurrency(self, http: httpx.Client, ahttp: httpx.AsyncClient) -> None:
        """Concurrent slow requests to one model raise max_in_flight to their number."""
        add_fault(http, model="glm-4", mode="slow", delay_ms=300)
        body = {"model": "glm-4", "messages": [{"role": "user", "content": "手机推荐"}]}
        responses = await asyncio.gather(*(
            ahttp.post("/v1/chat/completions", json=body, headers=OPENAI_HEADERS) for _ in range(4)))
        assert {r.status_code for r in responses} == {200}
        stats = (await ahttp.get("/_sim/stats")).json()
        assert stats["max_in_flight"]["glm-4"] == 4 and stats["in_flight"]["glm-4"] == 0

    def test_request_log_records_auth_kind_stream_and_status(self, http: httpx.Client) -> None:
        """/_sim/requests lists at, status, stream and how the key was sent, filterable by model."""
        chat(http, "deepseek-chat", "手机推荐", stream=True)
        http.post("/v1/messages", headers=ANTHROPIC_HEADERS, json={
            "model": "claude-haiku-4-5", "max_tokens": 64, "messages": [{"role": "user", "content": "手机推荐"}]})
        http.post("/v1beta/models/gemini-2.5-flash:generateContent", headers=GEMINI_HEADERS,
                  json={"contents": [{"parts": [{"text": "手机推荐"}]}]})
        entries = http.get("/_sim/requests").json()
        assert [(e["model"], e["auth"], e["stream"], e["status"]) for e in entries] == [
            ("deepseek-chat", "bearer", True, 200),
            ("claude-haiku-4-5", "x-api-key", False, 200),
            ("gemini-2.5-flash", "x-goog-api-key", False, 200),
        ]
        assert all(isinstance(e["at"], float) for e in entries)
        only = http.get("/_sim/requests", params={"model": "claude-haiku-4-5"}).json()
        assert [e["model"] for e in only] == ["claude-haiku-4-5"]

    def test_reset_clears_counters_log_and_faults(self, http: httpx.Client) -> None:
        """POST /_sim/reset zeroes the counters, empties the log and removes faults."""
        add_fault(http, model="*", mode="status", status=500)
        chat(http, "deepseek-chat", "手机推荐")
        http.post("/_sim/reset").raise_for_status()
        assert http.get("/_sim/stats").json()["total"] == 0
        assert http.get("/_sim/requests").json() == []
        assert chat(http, "deepseek-chat", "手机推荐").status_code == 200


class TestDisconnects:
    async def test_client_leaving_mid_stream_counts_a_disconnect(self, http: httpx.Client,
                                                                 ahttp: httpx.AsyncClient) -> None:
        """A client that closes a slow stream after its first bytes is counted as a disconnect (status 499)."""
        add_fault(http, model="qwen-max", mode="slow", delay_ms=1500)
        body = {"model": "qwen-max", "stream": True, "messages": [{"role": "user", "content": "手机推荐"}]}
        async with ahttp.stream("POST", "/v1/chat/completions", json=body, headers=OPENAI_HEADERS) as response:
            async for _ in response.aiter_bytes():
                break
        for _ in range(100):
            stats = (await ahttp.get("/_sim/stats")).json()
            if stats["disconnects"].get("qwen-max"):
                break
            await asyncio.sleep(0.03)
        assert stats["disconnects"] == {"qwen-max": 1}
        assert stats["by_status"]["qwen-max"] == {"499": 1}
