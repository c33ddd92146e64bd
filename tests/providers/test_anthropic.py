"""Anthropic Messages API: headers, content blocks, thinking, citations, refusal, streaming."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shared.catalogue import ModelSpec
from shared.errors import ContentFiltered, UpstreamError
from shared.providers import Prompt, complete
from tests.providers.conftest import FakeProvider, spec_for

KEY = "sk-ant-api03-0123456789abcdefABCDEF"


def claude(provider: FakeProvider, **fields: Any) -> ModelSpec:
    return spec_for(provider, "anthropic", path="", model="claude-sonnet-4-5", **fields)


class TestRequest:
    async def test_posts_messages_with_key_header_and_version(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """The request goes to /v1/messages with x-api-key, anthropic-version and a top-level system."""
        provider.reply_fixture("anthropic/message.json")
        await complete(http_client, claude(provider), KEY, Prompt(system="sys", user="q"))
        seen = provider.seen[-1]
        assert seen.path_qs == "/v1/messages"
        assert seen.headers["x-api-key"] == KEY
        assert seen.headers["anthropic-version"] == "2023-06-01"
        assert "Authorization" not in seen.headers
        assert seen.body["system"] == "sys"
        assert seen.body["messages"] == [{"role": "user", "content": "q"}]
        assert seen.body["max_tokens"] == 2048

    async def test_catalogue_version_header_wins(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """An anthropic-version given in the entry's headers replaces the default."""
        provider.reply_fixture("anthropic/message.json")
        spec = claude(provider, headers={"anthropic-version": "2099-01-01"})
        await complete(http_client, spec, KEY, Prompt(user="q"))
        assert provider.seen[-1].headers["anthropic-version"] == "2099-01-01"


class TestAnswers:
    async def test_text_blocks_thinking_and_citations(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """Text blocks concatenate into the answer; thinking is reasoning; block citations are kept."""
        provider.reply_fixture("anthropic/message.json", headers={"request-id": "req_011CSH"})
        out = await complete(http_client, claude(provider), KEY, Prompt(user="q"))
        assert out.text == "Brand A is the usual recommendation, ahead of Brand B."
        assert out.reasoning == "Compare A and B."
        assert out.finish_reason == "end_turn"
        assert (out.usage.input_tokens, out.usage.output_tokens) == (2095, 503)
        assert [(c.url, c.title) for c in out.citations] == [("https://example.com/a", "A review")]
        assert out.provider_request_id == "req_011CSH"
        assert out.model == "claude-sonnet-4-5-20250929"

    async def test_refusal_is_a_filter_with_partial_text(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """stop_reason "refusal" raises ContentFiltered carrying the text written before it."""
        provider.reply_fixture("anthropic/refusal.json")
        with pytest.raises(ContentFiltered) as caught:
            await complete(http_client, claude(provider), KEY, Prompt(user="q"))
        assert caught.value.partial_text == "I can start by"
        assert caught.value.provider_code == "refusal"


class TestStreaming:
    async def test_stream_events_reassemble(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """message_start … message_stop events give the same Completion as a plain call would."""
        provider.stream_fixture("anthropic/stream.sse", headers={"request-id": "req_stream"})
        out = await complete(http_client, claude(provider, stream=True), KEY, Prompt(user="q"))
        assert out.text == "Hello!"
        assert out.reasoning == "Think first."
        assert out.finish_reason == "end_turn"
        assert (out.usage.input_tokens, out.usage.output_tokens) == (25, 15)
        assert [c.url for c in out.citations] == ["https://example.com/s"]
        assert out.provider_request_id == "req_stream"
        assert provider.seen[-1].body["stream"] is True

    async def test_overloaded_error_event_is_upstream(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """An overloaded_error event mid-stream raises UpstreamError with the status it would have had."""
        provider.stream_fixture("anthropic/stream_overloaded.sse")
        with pytest.raises(UpstreamError) as caught:
            await complete(http_client, claude(provider, stream=True), KEY, Prompt(user="q"))
        assert caught.value.http_status == 529
        assert caught.value.provider_code == "overloaded_error"
