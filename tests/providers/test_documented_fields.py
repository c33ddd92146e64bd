"""Answers as the providers document them: usage fields, truncation, grounding, thinking control.

Each test feeds a documented body (fixtures under tests/providers/fixtures/, the page cited in the
docstring) through the real client over HTTP and pins what brandlens makes of it — above all
the cost, which must match the provider's own usage fields to the cent: ``max_cost`` is a
promise to the user.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shared.catalogue import Price, load_catalogue
from shared.contracts import Usage
from shared.errors import ContentFiltered
from shared.providers import Prompt, complete
from tests.providers.conftest import FakeProvider, spec_for

KEY = "sk-test-key-0000000000"
CATALOGUE = load_catalogue(environ={})


def price_of(name: str) -> Price:
    price = CATALOGUE.models[name].price
    assert price is not None
    return price


async def ask(http_client: httpx.AsyncClient, provider: FakeProvider, protocol: str, fixture: str,
              **fields: Any) -> Any:
    provider.reply_fixture(fixture)
    path = {"openai": "/v1", "anthropic": "", "gemini": "/v1beta"}[protocol]
    return await complete(http_client, spec_for(provider, protocol, path=path, **fields), KEY, Prompt(user="q"))


class TestUsageAndCost:
    async def test_gemini_thoughts_are_output_and_cached_input_is_cheaper(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """ai.google.dev/api/generate-content#UsageMetadata: candidatesTokenCount excludes thinking,
        thoughtsTokenCount is billed as output, promptTokenCount includes cachedContentTokenCount,
        toolUsePromptTokenCount is input too."""
        out = await ask(http_client, provider, "gemini", "gemini/thinking_usage.json")
        usage = out.usage
        assert (usage.input_tokens, usage.cached_input_tokens) == (1050, 400)
        assert (usage.output_tokens, usage.reasoning_tokens) == (500, 300)
        # $0.30 fresh input, $0.03 cached, $2.50 output (thinking included) per Mtok.
        expected = (650 * 0.30 + 400 * 0.03 + 500 * 2.50) / 1e6
        assert price_of("gemini").cost(usage) == pytest.approx(expected, abs=1e-12)
        assert out.text == "欧派和索菲亚都是一线品牌。" and out.reasoning == "**Thinking about brands**"

    async def test_xai_reasoning_tokens_are_added_to_completion_tokens(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """docs.x.ai (Consumption and rate limits): reasoning tokens are charged at the completion
        price, and Grok reports them beside completion_tokens, not inside it."""
        out = await ask(http_client, provider, "openai", "xai/reasoning_usage.json", reasoning_in_output=False)
        assert (out.usage.output_tokens, out.usage.reasoning_tokens, out.usage.cached_input_tokens) == (600, 500, 10)
        expected = (40 * 3.0 + 10 * 0.75 + 600 * 15.0) / 1e6
        assert price_of("grok").cost(out.usage) == pytest.approx(expected, abs=1e-12)

    async def test_openai_reasoning_stays_inside_completion_tokens(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """OpenAI's completion_tokens already includes completion_tokens_details.reasoning_tokens."""
        out = await ask(http_client, provider, "openai", "xai/reasoning_usage.json")
        assert out.usage.output_tokens == 100

    async def test_deepseek_cache_hits_are_priced_as_hits(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """api-docs.deepseek.com (context caching): prompt_tokens = prompt_cache_hit_tokens +
        prompt_cache_miss_tokens, a hit at ¥0.5 and a miss at ¥2 per Mtok."""
        out = await ask(http_client, provider, "openai", "deepseek/cache_hit_usage.json")
        assert (out.usage.input_tokens, out.usage.cached_input_tokens) == (1000, 600)
        assert price_of("deepseek-chat").cost(out.usage) == pytest.approx((400 * 2 + 600 * 0.5 + 500 * 3) / 1e6)

    async def test_anthropic_cache_reads_and_writes_add_to_input(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """docs.anthropic.com prompt caching: input_tokens excludes cache_creation_input_tokens and
        cache_read_input_tokens; writes cost 1.25x input, reads 0.1x."""
        out = await ask(http_client, provider, "anthropic", "anthropic/cache_usage.json")
        usage = out.usage
        assert (usage.input_tokens, usage.cached_input_tokens, usage.cache_write_tokens) == (600, 300, 200)
        expected = (100 * 3.0 + 300 * 0.3 + 200 * 3.75 + 50 * 15.0) / 1e6
        assert price_of("claude").cost(usage) == pytest.approx(expected, abs=1e-12)

    def test_every_priced_entry_prices_the_same_usage_from_its_own_fields(self) -> None:
        """For every catalogue entry, a call of 1,000 input (300 cached) and 800 output (200
        reasoning) tokens costs exactly the sum of its price fields, plus any per-request fee."""
        usage = Usage(input_tokens=1000, cached_input_tokens=300, output_tokens=800, reasoning_tokens=200)
        for spec in CATALOGUE.models.values():
            if spec.price is None:
                continue
            p = spec.price
            cached = p.input_per_mtok if p.cached_input_per_mtok is None else p.cached_input_per_mtok
            reasoning = p.output_per_mtok if p.reasoning_per_mtok is None else p.reasoning_per_mtok
            want = (700 * p.input_per_mtok + 300 * cached + 600 * p.output_per_mtok + 200 * reasoning) / 1e6
            assert p.cost(usage) == pytest.approx(want + p.per_request, abs=1e-12), spec.name

    def test_perplexity_bills_its_search_fee_per_request(self) -> None:
        """docs.perplexity.ai pricing: Sonar adds $5 per 1,000 requests (low search context)."""
        cost = price_of("perplexity").cost(Usage(input_tokens=0, output_tokens=0))
        assert cost == pytest.approx(0.005)

    def test_no_token_counts_means_no_cost(self) -> None:
        """A response without usage has an unknown cost, never zero."""
        assert price_of("gpt").cost(Usage()) is None


class TestTruncation:
    async def test_length_finish_is_a_truncated_answer_with_its_usage(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """platform.openai.com/docs/api-reference/chat/object: finish_reason "length" means the
        max_tokens cap stopped the answer; cached_tokens is part of prompt_tokens."""
        out = await ask(http_client, provider, "openai", "openai/length_finish.json")
        assert out.truncated is True and out.finish_reason == "length" and out.text == "1. 欧派："
        assert (out.usage.input_tokens, out.usage.cached_input_tokens, out.usage.output_tokens) == (1200, 1024, 2048)

    async def test_gemini_cap_spent_on_thinking_is_truncated_not_malformed(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """finishReason MAX_TOKENS with no text and thoughtsTokenCount = the cap: a paid, empty,
        truncated answer (retrying at the same budget would be paid twice)."""
        out = await ask(http_client, provider, "gemini", "gemini/max_tokens_all_thinking.json")
        assert out.truncated is True and out.text == ""
        assert (out.usage.output_tokens, out.usage.reasoning_tokens) == (2048, 2048)

    async def test_anthropic_max_tokens_stop_is_truncated(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """docs.anthropic.com handling stop reasons: stop_reason "max_tokens" = the cap was reached."""
        out = await ask(http_client, provider, "anthropic", "anthropic/max_tokens.json")
        assert out.truncated is True and out.text.endswith("欧派")

    async def test_a_filtered_answer_keeps_its_usage(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """A content_filter finish part-way was billed for its partial output: the usage travels."""
        with pytest.raises(ContentFiltered) as caught:
            await ask(http_client, provider, "openai", "openai/content_filter_finish.json")
        assert caught.value.usage is not None
        assert (caught.value.usage.input_tokens, caught.value.usage.output_tokens) == (12, 4)


class TestGemini:
    async def test_grounding_site_is_the_chunk_title(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """ai.google.dev/gemini-api/docs/google-search: groundingChunks[].web.uri is a
        vertexaisearch.cloud.google.com/grounding-api-redirect link; web.title is the site's domain."""
        out = await ask(http_client, provider, "gemini", "gemini/grounding_redirect.json")
        assert [c.site for c in out.citations] == ["zhihu.com", "smzdm.com"]
        assert all("grounding-api-redirect" in c.url for c in out.citations)

    async def test_block_reason_unspecified_beside_an_answer_is_not_a_block(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """BLOCK_REASON_UNSPECIFIED is BlockReason's default value (ai.google.dev/api/
        generate-content#BlockReason): with an answered candidate it is an answer."""
        out = await ask(http_client, provider, "gemini", "gemini/block_reason_unspecified.json")
        assert out.text == "欧派是全屋定制的头部品牌。"

    async def test_budget_keeps_max_output_tokens_and_temperature_when_extra_body_adds_config(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """maxOutputTokens covers thinking (ai.google.dev/gemini-api/docs/thinking), so a budget
        raises it by the budget; extra_body's generationConfig merges instead of replacing."""
        await ask(http_client, provider, "gemini", "gemini/generate_content.json", max_tokens=2048,
                  temperature=0.7, thinking="budget", thinking_budget=1024,
                  extra_body={"generationConfig": {"thinkingConfig": {"includeThoughts": True}}})
        config = provider.seen[-1].body["generationConfig"]
        assert config == {"maxOutputTokens": 3072, "temperature": 0.7,
                          "thinkingConfig": {"thinkingBudget": 1024, "includeThoughts": True}}

    async def test_off_sends_a_zero_budget(self, provider: FakeProvider, http_client: httpx.AsyncClient) -> None:
        """thinking = "off" on Gemini is thinkingBudget 0 (2.5 Flash allows turning thinking off)."""
        await ask(http_client, provider, "gemini", "gemini/generate_content.json", thinking="off")
        assert provider.seen[-1].body["generationConfig"]["thinkingConfig"] == {"thinkingBudget": 0}


class TestThinkingRequests:
    async def test_anthropic_budget_enables_thinking_within_a_raised_cap(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """docs.anthropic.com extended thinking: budget_tokens counts within max_tokens, and
        temperature may not be set with thinking."""
        await ask(http_client, provider, "anthropic", "anthropic/message.json", max_tokens=2048,
                  temperature=0.5, thinking="budget", thinking_budget=1024)
        body = provider.seen[-1].body
        assert body["thinking"] == {"type": "enabled", "budget_tokens": 1024}
        assert body["max_tokens"] == 3072 and "temperature" not in body

    async def test_openai_switch_comes_from_extra_body(
        self, provider: FakeProvider, http_client: httpx.AsyncClient
    ) -> None:
        """Zhipu/Ark turn thinking off with {"thinking": {"type": "disabled"}}; the entry carries it."""
        await ask(http_client, provider, "openai", "openai/chat_completion.json", thinking="off",
                  extra_body={"thinking": {"type": "disabled"}})
        assert provider.seen[-1].body["thinking"] == {"type": "disabled"}
