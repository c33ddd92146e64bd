"""Fault injection: each mode's status, body and headers per protocol, plus rate/count/scoping."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from tests.simulator.conftest import ANTHROPIC_HEADERS, GEMINI_HEADERS, OPENAI_HEADERS, add_fault, chat, sse_data

QUESTION = "3000元手机品牌推荐"
GEMINI_PATH = "/v1beta/models/gemini-2.5-pro:generateContent"
GEMINI_BODY = {"contents": [{"parts": [{"text": QUESTION}]}]}
CLAUDE_BODY = {"model": "claude-sonnet-4-5", "max_tokens": 512, "messages": [{"role": "user", "content": QUESTION}]}


def claude(http: httpx.Client, **extra: object) -> httpx.Response:
    return http.post("/v1/messages", json={**CLAUDE_BODY, **extra}, headers=ANTHROPIC_HEADERS)


def gemini(http: httpx.Client) -> httpx.Response:
    return http.post(GEMINI_PATH, json=GEMINI_BODY, headers=GEMINI_HEADERS)


class TestStatus:
    @pytest.mark.parametrize(("code", "status"), [
        ("invalid_api_key", 401), ("model_not_found", 404), ("context_length_exceeded", 400),
        ("insufficient_quota", 429),
    ])
    def test_openai_codes_get_their_documented_status(self, http: httpx.Client, code: str, status: int) -> None:
        """status mode with an OpenAI code answers that code's status and the {message,type,param,code} body."""
        add_fault(http, model="deepseek-chat", mode="status", code=code)
        response = chat(http, "deepseek-chat", QUESTION)
        assert response.status_code == status
        error = response.json()["error"]
        assert error["code"] == code and set(error) == {"message", "type", "param", "code"}

    def test_anthropic_529_is_overloaded_error(self, http: httpx.Client) -> None:
        """A 529 on the Anthropic protocol is {"type":"error","error":{"type":"overloaded_error",...}}."""
        add_fault(http, model="claude-sonnet-4-5", mode="status", status=529)
        response = claude(http)
        assert response.status_code == 529
        body = response.json()
        assert body["type"] == "error" and body["error"]["type"] == "overloaded_error"

    def test_gemini_503_is_unavailable(self, http: httpx.Client) -> None:
        """A 503 on the Gemini protocol is {"error":{"code":503,"message","status":"UNAVAILABLE"}}."""
        add_fault(http, model="gemini-2.5-pro", mode="status", status=503)
        response = gemini(http)
        assert response.status_code == 503
        assert response.json()["error"] == {"code": 503, "message": response.json()["error"]["message"],
                                            "status": "UNAVAILABLE"}

    def test_custom_body_is_sent_verbatim(self, http: httpx.Client) -> None:
        """A fault's `body` replaces the error body exactly."""
        add_fault(http, model="qwen-max", mode="status", status=400, body={"code": "Arrearage", "message": "欠费"})
        response = chat(http, "qwen-max", QUESTION)
        assert response.status_code == 400 and response.json() == {"code": "Arrearage", "message": "欠费"}


class TestRateLimitAndBurst:
    def test_rate_limit_advertises_retry_after(self, http: httpx.Client) -> None:
        """rate_limit answers 429 with Retry-After seconds and retry-after-ms, in each protocol's shape."""
        add_fault(http, model="*", mode="rate_limit", retry_after_s=2.5)
        response = chat(http, "glm-4", QUESTION)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "3" and response.headers["retry-after-ms"] == "2500"
        assert response.json()["error"]["code"] == "rate_limit_exceeded"
        assert claude(http).json()["error"]["type"] == "rate_limit_error"
        assert gemini(http).json()["error"]["status"] == "RESOURCE_EXHAUSTED"

    def test_burst_fails_n_then_succeeds(self, http: httpx.Client) -> None:
        """burst with count N: the next N requests get 5xx, then the model answers normally again."""
        add_fault(http, model="doubao-seed-1-6", mode="burst", count=2, status=502)
        statuses = [chat(http, "doubao-seed-1-6", QUESTION).status_code for _ in range(4)]
        assert statuses == [502, 502, 200, 200]
        assert http.get("/_sim/faults").json() == []


class TestContentFaults:
    def test_openai_filter_cuts_content_with_content_filter(self, http: httpx.Client) -> None:
        """filter (default) answers 200 with partial content and finish_reason content_filter, also streamed."""
        full = chat(http, "deepseek-chat", QUESTION, seed=1).json()["choices"][0]["message"]["content"]
        add_fault(http, model="deepseek-chat", mode="filter")
        choice = chat(http, "deepseek-chat", QUESTION, seed=1).json()["choices"][0]
        assert choice["finish_reason"] == "content_filter"
        assert full.startswith(choice["message"]["content"]) and len(choice["message"]["content"]) < len(full)
        chunks = [json.loads(p) for p in sse_data(chat(http, "deepseek-chat", QUESTION, stream=True).text)[:-1]]
        assert chunks[-1]["choices"][0]["finish_reason"] == "content_filter"

    @pytest.mark.parametrize(("variant", "code"), [("dashscope", "data_inspection_failed"),
                                                    ("ark", "SensitiveContentDetected")])
    def test_vendor_filter_variants_are_400s(self, http: httpx.Client, variant: str, code: str) -> None:
        """variant dashscope / ark answers 400 with DashScope's or Ark's documented error code."""
        add_fault(http, model="qwen-max", mode="filter", variant=variant)
        response = chat(http, "qwen-max", QUESTION)
        assert response.status_code == 400 and response.json()["error"]["code"] == code

    def test_anthropic_filter_is_a_refusal(self, http: httpx.Client) -> None:
        """On the Anthropic protocol a filter ends the message with stop_reason refusal."""
        add_fault(http, model="claude-sonnet-4-5", mode="filter")
        assert claude(http).json()["stop_reason"] == "refusal"

    def test_gemini_filters_use_safety_and_prompt_feedback(self, http: httpx.Client) -> None:
        """Gemini filters answer finishReason SAFETY, or promptFeedback.blockReason with no candidates."""
        add_fault(http, model="gemini-2.5-pro", mode="filter", count=1)
        assert gemini(http).json()["candidates"][0]["finishReason"] == "SAFETY"
        add_fault(http, model="gemini-2.5-pro", mode="filter", variant="prompt", count=1)
        body = gemini(http).json()
        assert body["promptFeedback"]["blockReason"] == "SAFETY" and "candidates" not in body

    @pytest.mark.parametrize("variant", [None, "html"])
    def test_garbage_is_a_200_that_is_not_json(self, http: httpx.Client, variant: str | None) -> None:
        """garbage answers 200 with a body that does not parse as JSON."""
        add_fault(http, model="glm-4", mode="garbage", variant=variant)
        response = chat(http, "glm-4", QUESTION)
        assert response.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(response.text)

    def test_empty_is_a_valid_envelope_without_content(self, http: httpx.Client) -> None:
        """empty answers 200 with no choices (OpenAI), no content blocks (Anthropic), no content (Gemini)."""
        add_fault(http, model="*", mode="empty")
        assert chat(http, "glm-4", QUESTION).json()["choices"] == []
        assert claude(http).json()["content"] == []
        assert "content" not in gemini(http).json()["candidates"][0]

    def test_slow_adds_fixed_latency(self, http: httpx.Client) -> None:
        """slow delays the answer by delay_ms even at zero latency scale, then answers normally."""
        add_fault(http, model="glm-4", mode="slow", delay_ms=300)
        started = time.monotonic()
        response = chat(http, "glm-4", QUESTION)
        assert response.status_code == 200 and time.monotonic() - started >= 0.3


class TestRulesAndHang:
    def test_rate_zero_never_fires_and_count_limits(self, http: httpx.Client) -> None:
        """rate is a probability (0 never fires) and count caps how often a rule applies."""
        add_fault(http, model="glm-4", mode="status", status=500, rate=0.0)
        assert chat(http, "glm-4", QUESTION).status_code == 200
        http.delete("/_sim/faults").raise_for_status()
        add_fault(http, model="glm-4", mode="status", status=500, count=1)
        assert [chat(http, "glm-4", QUESTION).status_code for _ in range(2)] == [500, 200]

    def test_faults_are_scoped_to_their_model_and_cleared(self, http: httpx.Client) -> None:
        """A fault on one model leaves others alone; DELETE /_sim/faults removes every rule."""
        add_fault(http, model="glm-4", mode="status", status=500)
        assert chat(http, "qwen-max", QUESTION).status_code == 200
        assert chat(http, "glm-4", QUESTION).status_code == 500
        assert http.delete("/_sim/faults").json()["removed"] == 1
        assert chat(http, "glm-4", QUESTION).status_code == 200

    def test_bad_fault_spec_is_rejected(self, http: httpx.Client) -> None:
        """An unknown mode is refused with 400 and installs nothing."""
        assert http.post("/_sim/faults", json={"mode": "explode"}).status_code == 400
        assert http.get("/_sim/faults").json() == []

    async def test_hang_until_client_cancels_counts_a_disconnect(self, http: httpx.Client,
                                                                 ahttp: httpx.AsyncClient) -> None:
        """hang never answers; when the client cancels, the server sees the disconnect and counts it."""
        add_fault(http, model="kimi-k2", mode="hang")
        body = {"model": "kimi-k2", "messages": [{"role": "user", "content": QUESTION}]}
        task = asyncio.create_task(ahttp.post("/v1/chat/completions", json=body, headers=OPENAI_HEADERS))
        for _ in range(100):
            await asyncio.sleep(0.02)
            if (await ahttp.get("/_sim/stats")).json()["in_flight"].get("kimi-k2") == 1:
                break
        assert not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        for _ in range(100):
            stats = (await ahttp.get("/_sim/stats")).json()
            if stats["disconnects"].get("kimi-k2") == 1:
                break
            await asyncio.sleep(0.02)
        assert stats["disconnects"] == {"kimi-k2": 1}
        assert stats["in_flight"]["kimi-k2"] == 0
        assert stats["by_status"]["kimi-k2"] == {"499": 1}
