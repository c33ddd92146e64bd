"""The official ``google-genai`` SDK accepts every simulator answer and raises its own class for every fault.

google-genai's pydantic models forbid unknown fields, so a simulator field Google does not define
fails these tests. Thinking (thoughtsTokenCount, thought parts) and grounding (redirect URIs with
the site in ``title``) are read through the SDK's own types.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from google import genai
from google.genai import errors, types

from tests.conformance.conftest import Simulator

QUESTION = "欧派的口碑怎么样"


@pytest.fixture
def model() -> str:
    return f"gemini-2.5-flash-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[genai.Client]:
    sdk = genai.Client(api_key="AIza-conformance", http_options=types.HttpOptions(
        base_url=sim.url, api_version="v1beta", timeout=5000))
    yield sdk
    await sdk.aio.aclose()


async def ask(client: genai.Client, model: str, stream: bool,
              config: types.GenerateContentConfig | None = None) -> list[types.GenerateContentResponse]:
    if not stream:
        return [await client.aio.models.generate_content(model=model, contents=QUESTION, config=config)]
    chunks = await client.aio.models.generate_content_stream(model=model, contents=QUESTION, config=config)
    return [chunk async for chunk in chunks]


def text_of(responses: list[types.GenerateContentResponse]) -> str:
    return "".join(part.text or "" for r in responses for c in r.candidates or []
                   for part in (c.content.parts if c.content else None) or [] if not part.thought)


class TestAnswers:
    @pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
    async def test_answer_parses_with_thinking_usage(self, client: genai.Client, model: str, stream: bool) -> None:
        """2.5 models think by default: usage_metadata.thoughts_token_count is reported beside
        candidates_token_count, and the total adds both."""
        responses = await ask(client, model, stream)
        assert text_of(responses)
        usage = responses[-1].usage_metadata
        assert usage is not None and (usage.thoughts_token_count or 0) > 0
        assert usage.total_token_count == ((usage.prompt_token_count or 0) + (usage.candidates_token_count or 0)
                                           + (usage.thoughts_token_count or 0))
        assert responses[-1].candidates and responses[-1].candidates[0].finish_reason == types.FinishReason.STOP

    async def test_thinking_config_is_honoured_and_thoughts_come_back_flagged(
        self, client: genai.Client, model: str
    ) -> None:
        """thinkingBudget bounds thoughtsTokenCount; includeThoughts returns parts with thought=true."""
        config = types.GenerateContentConfig(max_output_tokens=3000, thinking_config=types.ThinkingConfig(
            thinking_budget=128, include_thoughts=True))
        (response,) = await ask(client, model, False, config)
        assert response.usage_metadata is not None and response.usage_metadata.thoughts_token_count == 128
        parts = response.candidates[0].content.parts if response.candidates and response.candidates[0].content else []
        assert parts and parts[0].thought is True and parts[-1].text

    async def test_a_cap_the_thinking_fills_is_max_tokens(self, client: genai.Client, model: str) -> None:
        """maxOutputTokens covers thinking: a small cap stops the answer with MAX_TOKENS."""
        (response,) = await ask(client, model, False, types.GenerateContentConfig(max_output_tokens=300))
        assert response.candidates and response.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS

    async def test_grounding_chunks_are_redirects_titled_with_the_site(self, client: genai.Client) -> None:
        """groundingChunks[].web: uri is a grounding-api-redirect link, title the site's domain."""
        (response,) = await ask(client, "gemini-2.5-flash", False)
        grounding = response.candidates[0].grounding_metadata if response.candidates else None
        if grounding is None:  # this question drew on no source for this persona: ask one that does
            for question in ("咖啡品牌推荐", "全屋定制品牌哪家好", "奶粉哪个牌子好", "跑鞋推荐"):
                response = await client.aio.models.generate_content(model="gemini-2.5-flash", contents=question)
                grounding = response.candidates[0].grounding_metadata if response.candidates else None
                if grounding is not None:
                    break
        assert grounding is not None and grounding.grounding_chunks
        for chunk in grounding.grounding_chunks:
            assert chunk.web is not None and chunk.web.uri and chunk.web.title
            assert chunk.web.uri.startswith("https://vertexaisearch.cloud.google.com/grounding-api-redirect/")
            assert "." in chunk.web.title and " " not in chunk.web.title

    async def test_raw_body_validates_with_unknown_fields_forbidden(self, sim: Simulator) -> None:
        """The JSON body validates as GenerateContentResponse, whose model config forbids extras."""
        import httpx

        async with httpx.AsyncClient(base_url=sim.url) as http:
            reply = await http.post("/v1beta/models/gemini-2.5-flash:generateContent",
                                    headers={"x-goog-api-key": "AIza-x"},
                                    json={"contents": [{"role": "user", "parts": [{"text": QUESTION}]}]})
        types.GenerateContentResponse.model_validate(reply.json())


ERRORS: list[tuple[dict[str, Any], type[errors.APIError], int, str]] = [
    ({"mode": "rate_limit", "retry_after_s": 5}, errors.ClientError, 429, "RESOURCE_EXHAUSTED"),
    ({"mode": "status", "status": 400}, errors.ClientError, 400, "INVALID_ARGUMENT"),
    ({"mode": "status", "status": 403}, errors.ClientError, 403, "PERMISSION_DENIED"),
    ({"mode": "status", "status": 404}, errors.ClientError, 404, "NOT_FOUND"),
    ({"mode": "status", "status": 500}, errors.ServerError, 500, "INTERNAL"),
    ({"mode": "burst", "count": 1}, errors.ServerError, 503, "UNAVAILABLE"),
    ({"mode": "status", "status": 504}, errors.ServerError, 504, "DEADLINE_EXCEEDED"),
]


class TestFaults:
    @pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
    @pytest.mark.parametrize(("rule", "cls", "code", "status"), ERRORS, ids=[json.dumps(e[0]) for e in ERRORS])
    async def test_error_faults_raise_the_sdk_class(
        self, sim: Simulator, client: genai.Client, model: str, stream: bool, rule: dict[str, Any],
        cls: type[errors.APIError], code: int, status: str,
    ) -> None:
        """Each error fault is the SDK's ClientError/ServerError with Google's code and status name."""
        sim.fault(model=model, **rule)
        with pytest.raises(cls) as caught:
            await ask(client, model, stream)
        assert caught.value.code == code and caught.value.status == status

    async def test_rate_limit_carries_retry_info(self, sim: Simulator, client: genai.Client, model: str) -> None:
        """RESOURCE_EXHAUSTED carries a google.rpc.RetryInfo detail with the retryDelay."""
        sim.fault(model=model, mode="rate_limit", retry_after_s=5)
        with pytest.raises(errors.ClientError) as caught:
            await ask(client, model, False)
        details = caught.value.details["error"]["details"]
        assert {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "5s"} in details

    async def test_invalid_key_is_api_key_invalid(self, sim: Simulator, model: str) -> None:
        """A rejected key is a 400 INVALID_ARGUMENT ClientError whose ErrorInfo reason is API_KEY_INVALID."""
        bad = genai.Client(api_key="sk-invalid-x", http_options=types.HttpOptions(base_url=sim.url,
                                                                                  api_version="v1beta"))
        with pytest.raises(errors.ClientError) as caught:
            await bad.aio.models.generate_content(model=model, contents=QUESTION)
        await bad.aio.aclose()
        assert caught.value.code == 400
        assert caught.value.details["error"]["details"][0]["reason"] == "API_KEY_INVALID"

    @pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
    @pytest.mark.parametrize(("rule", "finish"), [
        ({"mode": "filter"}, types.FinishReason.SAFETY), ({"mode": "truncate"}, types.FinishReason.MAX_TOKENS),
        ({"mode": "slow", "delay_ms": 20}, types.FinishReason.STOP),
    ], ids=["filter", "truncate", "slow"])
    async def test_answer_faults_parse_with_their_finish_reason(
        self, sim: Simulator, client: genai.Client, model: str, stream: bool, rule: dict[str, Any],
        finish: types.FinishReason,
    ) -> None:
        """A safety stop, a cut at the cap and a slow answer are responses the SDK parses."""
        sim.fault(model=model, **rule)
        responses = await ask(client, model, stream)
        last = responses[-1].candidates
        assert last and last[0].finish_reason == finish

    async def test_prompt_block_parses_as_prompt_feedback(
        self, sim: Simulator, client: genai.Client, model: str
    ) -> None:
        """A blocked prompt is a response with promptFeedback.blockReason and no candidates."""
        sim.fault(model=model, mode="filter", variant="prompt")
        (response,) = await ask(client, model, False)
        assert response.prompt_feedback is not None
        assert response.prompt_feedback.block_reason == types.BlockedReason.SAFETY and not response.candidates

    async def test_empty_fault_parses(self, sim: Simulator, client: genai.Client, model: str) -> None:
        """An empty reply parses: a candidate with STOP and no content."""
        sim.fault(model=model, mode="empty")
        (response,) = await ask(client, model, False)
        assert response.candidates and response.candidates[0].content is None

    @pytest.mark.parametrize("variant", [None, "html"])
    async def test_garbage_is_a_decode_error_for_the_sdk_too(
        self, sim: Simulator, client: genai.Client, model: str, variant: str | None
    ) -> None:
        """A cut JSON body or an HTML page under 200 fails to decode in the SDK as in brandlens' client."""
        sim.fault(model=model, mode="garbage", variant=variant)
        with pytest.raises(ValueError):
            await ask(client, model, False)

    async def test_hang_is_the_sdk_timeout(self, sim: Simulator, model: str) -> None:
        """A provider that never answers trips the SDK's timeout (httpx/aiohttp's, which genai re-raises)."""
        import asyncio

        sim.fault(model=model, mode="hang", count=1)
        sdk = genai.Client(api_key="AIza-x", http_options=types.HttpOptions(base_url=sim.url, api_version="v1beta",
                                                                           timeout=300))
        try:
            with pytest.raises((TimeoutError, asyncio.TimeoutError, errors.APIError)):
                await sdk.aio.models.generate_content(model=model, contents=QUESTION)
        finally:
            await sdk.aio.aclose()
