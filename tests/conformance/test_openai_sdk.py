"""The official ``openai`` SDK accepts every simulator answer and raises its own class for every fault.

The simulator was written with brandlens' clients, so alone they would only test each other; the
SDK is OpenAI's own reading of the wire format. Each fault mode is driven plain and streamed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam

from tests.conformance.conftest import Simulator

QUESTION: list[ChatCompletionMessageParam] = [{"role": "user", "content": "欧派的口碑怎么样"}]


@pytest.fixture
def model() -> str:
    return f"gpt-4o-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[openai.AsyncOpenAI]:
    sdk = openai.AsyncOpenAI(api_key="sk-conformance", base_url=f"{sim.url}/v1", max_retries=0, timeout=5)
    yield sdk
    await sdk.close()


async def streamed(client: openai.AsyncOpenAI, model: str, **extra: Any) -> tuple[str, str | None, Any]:
    stream = await client.chat.completions.create(model=model, messages=QUESTION, stream=True,
                                                  stream_options={"include_usage": True}, **extra)
    text, finish, usage = [], None, None
    async for chunk in stream:
        for choice in chunk.choices:
            text.append(choice.delta.content or "")
            finish = choice.finish_reason or finish
        usage = chunk.usage or usage
    return "".join(text), finish, usage


class TestAnswers:
    async def test_plain_answer_parses_and_has_the_schema_required_fields(
        self, sim: Simulator, client: openai.AsyncOpenAI, model: str
    ) -> None:
        """ChatCompletion parses; OpenAI's OpenAPI document lists content, refusal and role as
        required fields of the response message, so `refusal` is present (null)."""
        raw = await client.chat.completions.with_raw_response.create(model=model, messages=QUESTION)
        completion = raw.parse()
        assert isinstance(completion, ChatCompletion)
        assert completion.choices[0].message.content and completion.choices[0].finish_reason == "stop"
        assert completion.usage is not None and completion.usage.completion_tokens > 0
        message = json.loads(raw.http_response.text)["choices"][0]["message"]
        assert {"content", "refusal", "role"} <= set(message) and message["refusal"] is None
        assert ChatCompletion.model_validate(json.loads(raw.http_response.text)) == completion

    async def test_streamed_answer_assembles_with_usage(
        self, client: openai.AsyncOpenAI, model: str
    ) -> None:
        """Chunks parse as ChatCompletionChunk; the usage chunk (choices: []) comes last."""
        text, finish, usage = await streamed(client, model)
        assert text and finish == "stop" and usage is not None and usage.total_tokens > 0

    async def test_reasoning_model_reports_reasoning_tokens(self, client: openai.AsyncOpenAI) -> None:
        """A reasoner's completion_tokens_details.reasoning_tokens parses into the SDK's type."""
        completion = await client.chat.completions.create(model="deepseek-reasoner", messages=QUESTION)
        assert completion.usage is not None and completion.usage.completion_tokens_details is not None
        assert (completion.usage.completion_tokens_details.reasoning_tokens or 0) > 0


# (fault rule, SDK exception class, what the exception must carry)
ERRORS: list[tuple[dict[str, Any], type[openai.APIError], dict[str, Any]]] = [
    ({"mode": "rate_limit", "retry_after_s": 3}, openai.RateLimitError, {"retry-after": "3"}),
    ({"mode": "status", "code": "insufficient_quota"}, openai.RateLimitError, {"code": "insufficient_quota"}),
    ({"mode": "status", "code": "model_not_found"}, openai.NotFoundError, {"code": "model_not_found"}),
    ({"mode": "status", "code": "context_length_exceeded", "status": 400}, openai.BadRequestError,
     {"code": "context_length_exceeded"}),
    ({"mode": "status", "status": 500}, openai.InternalServerError, {}),
    ({"mode": "burst", "count": 1}, openai.InternalServerError, {}),
    ({"mode": "filter", "variant": "dashscope"}, openai.BadRequestError, {"code": "data_inspection_failed"}),
    ({"mode": "filter", "variant": "ark"}, openai.BadRequestError, {"code": "SensitiveContentDetected"}),
]


class TestFaults:
    @pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
    @pytest.mark.parametrize(("rule", "cls", "carries"), ERRORS, ids=[json.dumps(e[0]) for e in ERRORS])
    async def test_error_faults_raise_the_sdk_class(
        self, sim: Simulator, client: openai.AsyncOpenAI, model: str, stream: bool,
        rule: dict[str, Any], cls: type[openai.APIError], carries: dict[str, Any],
    ) -> None:
        """Each error fault is the SDK's own exception class, with the code / Retry-After it documents."""
        sim.fault(model=model, **rule)
        with pytest.raises(cls) as caught:
            if stream:
                await streamed(client, model)
            else:
                await client.chat.completions.create(model=model, messages=QUESTION)
        exc = caught.value
        if "code" in carries:
            assert exc.code == carries["code"]
        if "retry-after" in carries:
            assert isinstance(exc, openai.APIStatusError)
            assert exc.response.headers["retry-after"] == carries["retry-after"]

    async def test_invalid_key_is_authentication_error(self, sim: Simulator, model: str) -> None:
        """A rejected key is AuthenticationError (401 invalid_api_key)."""
        async with openai.AsyncOpenAI(api_key="sk-invalid-x", base_url=f"{sim.url}/v1", max_retries=0) as bad:
            with pytest.raises(openai.AuthenticationError) as caught:
                await bad.chat.completions.create(model=model, messages=QUESTION)
        assert caught.value.code == "invalid_api_key"

    @pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
    @pytest.mark.parametrize(("rule", "finish"), [
        ({"mode": "filter"}, "content_filter"), ({"mode": "truncate"}, "length"),
        ({"mode": "slow", "delay_ms": 20}, "stop"),
    ], ids=["filter", "truncate", "slow"])
    async def test_answer_faults_parse_with_their_finish_reason(
        self, sim: Simulator, client: openai.AsyncOpenAI, model: str, stream: bool, rule: dict[str, Any],
        finish: str,
    ) -> None:
        """A filter cut, a cut at the cap and a slow answer are answers the SDK parses."""
        sim.fault(model=model, **rule)
        if stream:
            _text, got, _usage = await streamed(client, model)
        else:
            completion = await client.chat.completions.create(model=model, messages=QUESTION)
            got = completion.choices[0].finish_reason
        assert got == finish

    async def test_empty_fault_is_a_completion_without_choices(
        self, sim: Simulator, client: openai.AsyncOpenAI, model: str
    ) -> None:
        """An empty reply still parses as a ChatCompletion (brandlens calls it malformed)."""
        sim.fault(model=model, mode="empty")
        completion = await client.chat.completions.create(model=model, messages=QUESTION)
        assert completion.choices == []

    async def test_garbage_is_a_decode_error_for_the_sdk_too(
        self, sim: Simulator, client: openai.AsyncOpenAI, model: str
    ) -> None:
        """A cut JSON body fails to decode in the SDK as in brandlens' client."""
        sim.fault(model=model, mode="garbage")
        with pytest.raises(ValueError, match="Unterminated"):
            await client.chat.completions.create(model=model, messages=QUESTION)

    async def test_hang_is_the_sdk_timeout(self, sim: Simulator, model: str) -> None:
        """A provider that never answers trips the SDK's own timeout class."""
        sim.fault(model=model, mode="hang", count=1)
        async with openai.AsyncOpenAI(api_key="sk-x", base_url=f"{sim.url}/v1", max_retries=0, timeout=0.3) as sdk:
            with pytest.raises(openai.APITimeoutError):
                await sdk.chat.completions.create(model=model, messages=QUESTION)

    async def test_html_under_200_is_not_a_completion(
        self, sim: Simulator, client: openai.AsyncOpenAI, model: str
    ) -> None:
        """An nginx page under HTTP 200 is no ChatCompletion for the SDK either (it hands back text)."""
        sim.fault(model=model, mode="garbage", variant="html")
        reply = await client.chat.completions.create(model=model, messages=QUESTION)
        assert not isinstance(reply, ChatCompletion) and "502 Bad Gateway" in str(reply)
