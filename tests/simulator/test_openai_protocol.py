"""OpenAI-compatible chat completions: envelope, streaming, provider-specific extras, auth."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.simulator.conftest import OPENAI_HEADERS, chat, sse_data

QUESTION = "全屋定制品牌哪家好"


class TestCompletion:
    def test_envelope_has_documented_fields(self, http: httpx.Client) -> None:
        """A non-streaming answer carries id, object, created, model, choices, finish_reason, usage and x-request-id."""
        response = chat(http, "deepseek-chat", QUESTION)
        assert response.status_code == 200
        body = response.json()
        assert body["id"].startswith("chatcmpl-")
        assert body["object"] == "chat.completion"
        assert isinstance(body["created"], int)
        assert body["model"] == "deepseek-chat"
        choice = body["choices"][0]
        assert choice["message"]["role"] == "assistant"
        assert "欧派" in choice["message"]["content"] or "索菲亚" in choice["message"]["content"]
        assert choice["finish_reason"] == "stop"
        usage = body["usage"]
        assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
        assert response.headers["x-request-id"]

    @pytest.mark.parametrize("path", [
        "/compatible-mode/v1/chat/completions", "/api/v3/chat/completions", "/api/paas/v4/chat/completions",
    ])
    def test_vendor_paths_are_served(self, http: httpx.Client, path: str) -> None:
        """DashScope, Ark and Zhipu base paths answer like /v1/chat/completions."""
        body = {"model": "qwen-max", "messages": [{"role": "user", "content": QUESTION}]}
        response = http.post(path, json=body, headers=OPENAI_HEADERS)
        assert response.status_code == 200
        assert response.json()["choices"][0]["message"]["content"]

    def test_reasoner_models_return_reasoning_content(self, http: httpx.Client) -> None:
        """deepseek-reasoner answers carry reasoning_content beside the content, as DeepSeek does."""
        message = chat(http, "deepseek-reasoner", QUESTION).json()["choices"][0]["message"]
        assert message["reasoning_content"]
        assert message["content"]
        assert "reasoning_content" not in chat(http, "deepseek-chat", QUESTION).json()["choices"][0]["message"]

    def test_sonar_models_return_citations_and_search_results(self, http: httpx.Client) -> None:
        """Perplexity sonar answers list citation URLs and search_results with title, url and date."""
        body = chat(http, "sonar-pro", QUESTION).json()
        assert body["citations"] and all(url.startswith("https://") for url in body["citations"])
        assert [r["url"] for r in body["search_results"]] == body["citations"]
        assert all({"title", "url", "date"} <= set(r) for r in body["search_results"])

    def test_malformed_body_is_a_400_in_openai_shape(self, http: httpx.Client) -> None:
        """A body without messages is rejected with the OpenAI error envelope."""
        response = http.post("/v1/chat/completions", json={"model": "gpt-4o"}, headers=OPENAI_HEADERS)
        assert response.status_code == 400
        assert response.json()["error"]["type"] == "invalid_request_error"


class TestStreaming:
    def test_stream_reassembles_to_the_non_streamed_answer(self, http: httpx.Client) -> None:
        """Concatenated delta contents equal the non-streamed content for the same seed; [DONE] ends the stream."""
        whole = chat(http, "qwen-max", QUESTION, seed=11).json()["choices"][0]["message"]["content"]
        response = chat(http, "qwen-max", QUESTION, seed=11, stream=True)
        assert response.headers["content-type"].startswith("text/event-stream")
        payloads = sse_data(response.text)
        assert payloads[-1] == "[DONE]"
        chunks = [json.loads(p) for p in payloads[:-1]]
        assert all(c["object"] == "chat.completion.chunk" for c in chunks)
        text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
        assert text == whole
        assert chunks[-1]["choices"][0]["finish_reason"] == "stop"

    def test_usage_chunk_only_when_requested(self, http: httpx.Client) -> None:
        """stream_options.include_usage adds a final chunk with empty choices and usage."""
        with_usage = [json.loads(p) for p in sse_data(chat(
            http, "glm-4", QUESTION, stream=True, stream_options={"include_usage": True}).text)[:-1]]
        assert with_usage[-1]["choices"] == [] and with_usage[-1]["usage"]["completion_tokens"] > 0
        without = [json.loads(p) for p in sse_data(chat(http, "glm-4", QUESTION, stream=True).text)[:-1]]
        assert all("usage" not in c for c in without)

    def test_reasoner_streams_reasoning_before_content(self, http: httpx.Client) -> None:
        """Reasoning deltas come first, then content deltas."""
        chunks = [json.loads(p) for p in sse_data(chat(http, "deepseek-reasoner", QUESTION, stream=True).text)[:-1]]
        kinds = [next(iter(k for k in ("reasoning_content", "content") if c["choices"][0]["delta"].get(k)), None)
                 for c in chunks]
        kinds = [k for k in kinds if k]
        assert kinds[0] == "reasoning_content" and kinds[-1] == "content"
        assert kinds.index("content") > kinds.index("reasoning_content")


class TestAuth:
    def test_missing_key_is_401(self, http: httpx.Client) -> None:
        """No Authorization header gets 401 in the OpenAI shape."""
        response = http.post("/v1/chat/completions",
                             json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
        assert response.status_code == 401
        assert set(response.json()["error"]) == {"message", "type", "param", "code"}

    @pytest.mark.parametrize("key", ["invalid", "sk-invalid-123"])
    def test_invalid_key_is_401_invalid_api_key(self, http: httpx.Client, key: str) -> None:
        """Keys `invalid` and `sk-invalid…` always get 401 with code invalid_api_key."""
        response = http.post("/v1/chat/completions", headers={"Authorization": f"Bearer {key}"},
                             json={"model": "deepseek-chat", "messages": [{"role": "user", "content": "hi"}]})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_api_key"

    def test_authentication_is_checked_before_the_body(self, http: httpx.Client) -> None:
        """A bad key with a malformed body still gets 401, as providers authenticate first."""
        response = http.post("/v1/chat/completions", content=b"{not json", headers={"Authorization": "Bearer invalid"})
        assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_api_key"
