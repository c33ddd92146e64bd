"""OpenAI-compatible chat completions: request shape, answers, reasoning, citations, filters."""

from __future__ import annotations

import httpx
import pytest

from shared.errors import ContentFiltered, Malformed
from shared.providers import Prompt, complete
from tests.providers.conftest import FakeProvider, spec_for

KEY = "sk-live-0123456789abcdef"


class TestRequest:
    async def test_posts_chat_completions_with_bearer_key_and_merged_extras(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """The request goes to {base}/chat/completions with the key as Bearer, extras merged."""
        provider.reply_fixture("openai/chat_completion.json")
        spec = spec_for(
            provider,
            headers={"x-extra": "1"},
            extra_body={"enable_search": True},
            temperature=0.3,
            max_tokens=512,
        )
        await complete(http_client, spec, KEY, Prompt(system="be brief", user="问题"))
        seen = provider.seen[-1]
        assert seen.path_qs == "/v1/chat/completions"
        assert seen.headers["Authorization"] == f"Bearer {KEY}"
        assert seen.headers["x-extra"] == "1"
        assert seen.body == {
            "model": "test-model-id",
            "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "问题"}],
            "max_tokens": 512,
            "temperature": 0.3,
            "enable_search": True,
        }

    async def test_prompt_limits_override_the_catalogue(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """max_tokens and temperature given in the Prompt win over the model's defaults."""
        provider.reply_fixture("openai/chat_completion.json")
        spec = spec_for(provider, temperature=0.3, max_tokens=512)
        await complete(http_client, spec, KEY, Prompt(user="q", max_tokens=64, temperature=0.0))
        assert provider.seen[-1].body["max_tokens"] == 64
        assert provider.seen[-1].body["temperature"] == 0.0

    async def test_simulated_model_without_key_sends_placeholder(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """A simulated model with no key still sends an Authorization header, with 'sim'."""
        provider.reply_fixture("openai/chat_completion.json")
        await complete(http_client, spec_for(provider, simulated=True), None, Prompt(user="q"))
        assert provider.seen[-1].headers["Authorization"] == "Bearer sim"

    async def test_keyless_real_model_sends_no_authorization(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """A keyless real endpoint (local Ollama) gets no Authorization header at all."""
        provider.reply_fixture("openai/chat_completion.json")
        await complete(http_client, spec_for(provider), None, Prompt(user="q"))
        assert "Authorization" not in provider.seen[-1].headers


class TestAnswers:
    async def test_plain_answer_is_normalised(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """Text, finish reason, usage, model and request id come out of a standard response."""
        provider.reply_fixture("openai/chat_completion.json", headers={"x-request-id": "req_abc"})
        out = await complete(http_client, spec_for(provider), KEY, Prompt(user="q"))
        assert out.text == "华为、小米和OPPO是国内最常被推荐的手机品牌。"
        assert out.finish_reason == "stop"
        assert (out.usage.input_tokens, out.usage.output_tokens, out.usage.reasoning_tokens) == (19, 10, 0)
        assert out.model == "gpt-4.1-2025-04-14"
        assert out.provider_request_id == "req_abc"
        assert out.reasoning is None
        assert out.citations == []

    async def test_deepseek_reasoning_is_kept_apart(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """DeepSeek's reasoning_content is returned as reasoning, never mixed into the answer."""
        provider.reply_fixture("deepseek/reasoner_completion.json")
        out = await complete(http_client, spec_for(provider), KEY, Prompt(user="q"))
        assert out.text == "推荐品牌A。"
        assert out.reasoning == "用户问的是推荐，先比较A和B。"
        assert out.usage.reasoning_tokens == 100
        assert out.provider_request_id == "930c60df-bf64-41c9-a88e-3ec75f81e00e"

    async def test_perplexity_search_results_become_titled_citations(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """Perplexity's search_results give titled citations; the bare citations list adds no duplicates."""
        provider.reply_fixture("perplexity/sonar_completion.json")
        out = await complete(http_client, spec_for(provider), KEY, Prompt(user="q"))
        assert [(c.url, c.title) for c in out.citations] == [
            ("https://www.example.com/review", "2025 手机评测"),
            ("https://zhuanlan.example.cn/p/123", "知乎专栏"),
        ]

    async def test_url_citation_annotations_are_deduplicated(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """url_citation annotations (OpenAI search, Ark web search) become citations, once per URL."""
        provider.reply_fixture("openai/search_annotations.json")
        out = await complete(http_client, spec_for(provider), KEY, Prompt(user="q"))
        assert [(c.url, c.title) for c in out.citations] == [
            ("https://example.com/report", "Market report"),
            ("https://news.example.org/a", "News"),
        ]


class TestFiltersAndMalformed:
    async def test_content_filter_finish_carries_partial_text(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """finish_reason content_filter raises ContentFiltered with the text produced before the cut."""
        provider.reply_fixture("openai/content_filter_finish.json")
        with pytest.raises(ContentFiltered) as caught:
            await complete(http_client, spec_for(provider), KEY, Prompt(user="q"))
        assert caught.value.partial_text == "关于这个品牌，"
        assert caught.value.cell_status == "filtered"
        assert caught.value.transient is False

    async def test_zhipu_sensitive_finish_is_a_filter(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """Zhipu's finish_reason "sensitive" is its content filter, not an empty answer."""
        provider.reply_fixture("zhipu/sensitive_finish.json")
        with pytest.raises(ContentFiltered) as caught:
            await complete(http_client, spec_for(provider), KEY, Prompt(user="q"))
        assert caught.value.provider_code == "sensitive"

    async def test_empty_choices_are_malformed(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """A 200 with an empty choices list is Malformed (transient, retried once)."""
        provider.reply_fixture("openai/empty_choices.json")
        with pytest.raises(Malformed) as caught:
            await complete(http_client, spec_for(provider), KEY, Prompt(user="q"))
        assert caught.value.transient is True

    async def test_garbage_body_is_malformed(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """A 200 whose body is not JSON is Malformed, with no body content echoed."""
        provider.reply(200, b"<html>captive portal</html>", content_type="text/html")
        with pytest.raises(Malformed) as caught:
            await complete(http_client, spec_for(provider), KEY, Prompt(user="q"))
        assert "captive" not in caught.value.message

    async def test_blank_answer_is_malformed(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """A stop with only whitespace as content is Malformed rather than an empty 'ok'."""
        blank = b'{"choices":[{"index":0,"message":{"role":"assistant","content":"  "},"finish_reason":"stop"}]}'
        provider.reply(200, blank)
        with pytest.raises(Malformed):
            await complete(http_client, spec_for(provider), KEY, Prompt(user="q"))


class TestStreaming:
    async def test_stream_reassembles_text_reasoning_and_usage(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """SSE deltas (reasoning_content then content) and the trailing usage chunk form one Completion."""
        provider.stream_fixture("deepseek/reasoner_stream.sse", headers={"x-request-id": "req_stream"})
        out = await complete(http_client, spec_for(provider, stream=True), KEY, Prompt(user="q"))
        assert out.text == "推荐品牌A。"
        assert out.reasoning == "先比较A和B。"
        assert out.finish_reason == "stop"
        assert (out.usage.input_tokens, out.usage.output_tokens, out.usage.reasoning_tokens) == (13, 42, 30)
        assert out.model == "deepseek-reasoner"
        assert out.provider_request_id == "req_stream"

    async def test_stream_request_asks_for_usage(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """A streaming request sets stream=true and stream_options.include_usage so cost is known."""
        provider.stream_fixture("deepseek/reasoner_stream.sse")
        await complete(http_client, spec_for(provider, stream=True), KEY, Prompt(user="q"))
        body = provider.seen[-1].body
        assert body["stream"] is True
        assert body["stream_options"] == {"include_usage": True}

    async def test_error_event_inside_stream_is_classified(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """An error object sent as a stream event raises its mapped class, not Malformed."""
        payload = b'data: {"error":{"message":"Input data may contain inappropriate content.","type":"data_inspection_failed","code":"data_inspection_failed"}}\n\n'  # noqa: E501  # one SSE line as the provider sends it
        provider.reply(200, payload, content_type="text/event-stream")
        with pytest.raises(ContentFiltered):
            await complete(http_client, spec_for(provider, stream=True), KEY, Prompt(user="q"))

    async def test_stream_cut_before_any_answer_is_malformed(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """A stream that ends cleanly without text or finish reason is Malformed."""
        provider.reply(200, b": keep-alive\n\n", content_type="text/event-stream")
        with pytest.raises(Malformed):
            await complete(http_client, spec_for(provider, stream=True), KEY, Prompt(user="q"))
