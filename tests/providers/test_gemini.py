"""Gemini generateContent: key header only, thoughts, grounding citations, safety blocks, SSE."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shared.catalogue import ModelSpec
from shared.errors import AuthError, ContentFiltered
from shared.providers import Prompt, complete
from tests.providers.conftest import FakeProvider, spec_for

KEY = "AIzaSyA-0123456789abcdefghijklmnopqrstu"


def gemini(provider: FakeProvider, **fields: Any) -> ModelSpec:
    return spec_for(provider, "gemini", path="/v1beta", model="gemini-2.5-flash", **fields)


class TestRequest:
    async def test_key_travels_only_in_the_header(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """The key is sent as x-goog-api-key and never appears in the request URL."""
        provider.reply_fixture("gemini/generate_content.json")
        await complete(http_client, gemini(provider), KEY, Prompt(system="sys", user="q"))
        seen = provider.seen[-1]
        assert seen.path_qs == "/v1beta/models/gemini-2.5-flash:generateContent"
        assert KEY not in seen.path_qs and "key=" not in seen.path_qs
        assert seen.headers["x-goog-api-key"] == KEY
        assert seen.body == {
            "contents": [{"role": "user", "parts": [{"text": "q"}]}],
            "generationConfig": {"maxOutputTokens": 2048},
            "systemInstruction": {"parts": [{"text": "sys"}]},
        }

    async def test_key_is_not_in_the_url_of_a_failed_call_either(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """Even when the key is rejected, neither the URL nor the error message holds it."""
        provider.reply_fixture("gemini/api_key_invalid.json", status=400)
        with pytest.raises(AuthError) as caught:
            await complete(http_client, gemini(provider), KEY, Prompt(user="q"))
        assert KEY not in provider.seen[-1].path_qs
        assert KEY not in str(caught.value)


class TestAnswers:
    async def test_parts_thoughts_grounding_and_usage(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """Text parts form the answer, thought parts the reasoning, grounding chunks the citations."""
        provider.reply_fixture("gemini/generate_content.json")
        out = await complete(http_client, gemini(provider), KEY, Prompt(user="q"))
        assert out.text == "品牌A最受欢迎，其次是品牌B。"
        assert out.reasoning == "Weighing A against B."
        assert out.finish_reason == "STOP"
        # thoughtsTokenCount is billed as output (ai.google.dev/api/generate-content#UsageMetadata).
        assert (out.usage.input_tokens, out.usage.output_tokens, out.usage.reasoning_tokens) == (8, 32, 20)
        assert [(c.url, c.title) for c in out.citations] == [
            ("https://vertexaisearch.cloud.google.com/grounding-api-redirect/AbC", "example.com"),
            ("https://vertexaisearch.cloud.google.com/grounding-api-redirect/DeF", "news.example.org"),
        ]
        assert out.provider_request_id == "mAitaLmkHPPlz7IPvtfUqQ4"
        assert out.model == "gemini-2.5-flash"

    async def test_safety_finish_is_filtered_with_partial_text(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """finishReason SAFETY raises ContentFiltered carrying the text before the block."""
        provider.reply_fixture("gemini/safety_finish.json")
        with pytest.raises(ContentFiltered) as caught:
            await complete(http_client, gemini(provider), KEY, Prompt(user="q"))
        assert caught.value.partial_text == "This brand is"
        assert caught.value.provider_code == "SAFETY"

    async def test_blocked_prompt_is_filtered(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """promptFeedback.blockReason with no candidates is a filter outcome, not Malformed."""
        provider.reply_fixture("gemini/prompt_blocked.json")
        with pytest.raises(ContentFiltered) as caught:
            await complete(http_client, gemini(provider), KEY, Prompt(user="q"))
        assert caught.value.provider_code == "PROHIBITED_CONTENT"
        assert caught.value.partial_text == ""


class TestStreaming:
    async def test_sse_chunks_reassemble(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """streamGenerateContent?alt=sse chunks concatenate; the last usage and finish reason win."""
        provider.stream_fixture("gemini/stream.sse")
        out = await complete(http_client, gemini(provider, stream=True), KEY, Prompt(user="q"))
        assert provider.seen[-1].path_qs == "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
        assert out.text == "品牌A最受欢迎。"
        assert out.finish_reason == "STOP"
        assert (out.usage.input_tokens, out.usage.output_tokens) == (8, 6)
