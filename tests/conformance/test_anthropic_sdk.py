"""The official ``anthropic`` SDK accepts every simulator answer and raises its own class for every fault.

The current SDK sends ``Authorization: Bearer`` whichever credential it is given; the simulator
must accept it as the API does. Each fault mode is driven plain and streamed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import anthropic
import pytest
from anthropic.types import Message, MessageParam

from tests.conformance.conftest import Simulator

QUESTION: list[MessageParam] = [{"role": "user", "content": "欧派的口碑怎么样"}]


@pytest.fixture
def model() -> str:
    return f"claude-sonnet-4-5-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[anthropic.AsyncAnthropic]:
    sdk = anthropic.AsyncAnthropic(api_key="sk-ant-conformance", base_url=sim.url, max_retries=0, timeout=5)
    yield sdk
    await sdk.close()


async def ask(client: anthropic.AsyncAnthropic, model: str, stream: bool) -> Message:
    if not stream:
        return await client.messages.create(model=model, max_tokens=2048, messages=QUESTION)
    async with client.messages.stream(model=model, max_tokens=2048, messages=QUESTION) as events:
        return await events.get_final_message()


class TestAnswers:
    @pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
    async def test_answer_parses(self, client: anthropic.AsyncAnthropic, model: str, stream: bool) -> None:
        """A Message (or the SDK's assembly of the event stream) with text, end_turn and usage."""
        message = await ask(client, model, stream)
        assert message.content and message.content[0].type == "text" and message.content[0].text
        assert message.stop_reason == "end_turn" and message.usage.output_tokens > 0

    @pytest.mark.parametrize("credential", ["api_key", "auth_token"])
    async def test_both_credentials_are_accepted(self, sim: Simulator, model: str, credential: str) -> None:
        """api_key and auth_token both authenticate (the SDK sends either as a Bearer token)."""
        if credential == "api_key":
            sdk = anthropic.AsyncAnthropic(base_url=sim.url, max_retries=0, api_key="sk-ant-x")
        else:
            sdk = anthropic.AsyncAnthropic(base_url=sim.url, max_retries=0, auth_token="sk-ant-x")
        async with sdk:
            message = await sdk.messages.create(model=model, max_tokens=64, messages=QUESTION)
        assert message.stop_reason == "end_turn"
        assert sim.requests(model)[-1]["auth"] in ("bearer", "x-api-key")

    async def test_raw_body_validates_as_message(self, client: anthropic.AsyncAnthropic, model: str) -> None:
        """The JSON body itself validates against the SDK's Message model."""
        raw = await client.messages.with_raw_response.create(model=model, max_tokens=64, messages=QUESTION)
        Message.model_validate(json.loads(raw.http_response.text))


ERRORS: list[tuple[dict[str, Any], type[anthropic.APIStatusError]]] = [
    ({"mode": "rate_limit", "retry_after_s": 4}, anthropic.RateLimitError),
    ({"mode": "status", "status": 529, "code": "overloaded_error"}, anthropic.APIStatusError),
    ({"mode": "status", "status": 500}, anthropic.InternalServerError),
    ({"mode": "status", "status": 404}, anthropic.NotFoundError),
    ({"mode": "status", "status": 400}, anthropic.BadRequestError),
    ({"mode": "status", "status": 413}, anthropic.APIStatusError),
    ({"mode": "burst", "count": 1}, anthropic.APIStatusError),
]


class TestFaults:
    @pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
    @pytest.mark.parametrize(("rule", "cls"), ERRORS, ids=[json.dumps(e[0]) for e in ERRORS])
    async def test_error_faults_raise_the_sdk_class(
        self, sim: Simulator, client: anthropic.AsyncAnthropic, model: str, stream: bool,
        rule: dict[str, Any], cls: type[anthropic.APIStatusError],
    ) -> None:
        """Each error fault is the SDK's own class; its body's error.type is what the status documents."""
        sim.fault(model=model, **rule)
        with pytest.raises(cls) as caught:
            await ask(client, model, stream)
        exc = caught.value
        assert exc.status_code == (rule.get("status") or {"rate_limit": 429, "burst": 503}[rule["mode"]])
        body = exc.body if isinstance(exc.body, dict) else {}
        assert body.get("type") == "error" and body["error"]["type"]
        if rule["mode"] == "rate_limit":
            assert exc.response.headers["retry-after"] == "4"

    async def test_invalid_key_is_authentication_error(self, sim: Simulator, model: str) -> None:
        """A rejected key is AuthenticationError."""
        async with anthropic.AsyncAnthropic(api_key="sk-invalid-x", base_url=sim.url, max_retries=0) as bad:
            with pytest.raises(anthropic.AuthenticationError):
                await bad.messages.create(model=model, max_tokens=64, messages=QUESTION)

    @pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
    @pytest.mark.parametrize(("rule", "stop"), [
        ({"mode": "filter"}, "refusal"), ({"mode": "truncate"}, "max_tokens"),
        ({"mode": "slow", "delay_ms": 20}, "end_turn"),
    ], ids=["filter", "truncate", "slow"])
    async def test_answer_faults_parse_with_their_stop_reason(
        self, sim: Simulator, client: anthropic.AsyncAnthropic, model: str, stream: bool,
        rule: dict[str, Any], stop: str,
    ) -> None:
        """A refusal, a cut at the cap and a slow answer are Messages the SDK parses."""
        sim.fault(model=model, **rule)
        assert (await ask(client, model, stream)).stop_reason == stop

    async def test_empty_fault_is_a_message_without_content(
        self, sim: Simulator, client: anthropic.AsyncAnthropic, model: str
    ) -> None:
        """An empty reply parses as a Message with no content blocks."""
        sim.fault(model=model, mode="empty")
        assert (await ask(client, model, False)).content == []

    async def test_hang_is_the_sdk_timeout(self, sim: Simulator, model: str) -> None:
        """A provider that never answers trips the SDK's own timeout class."""
        sim.fault(model=model, mode="hang", count=1)
        async with anthropic.AsyncAnthropic(api_key="sk-x", base_url=sim.url, max_retries=0, timeout=0.3) as sdk:
            with pytest.raises(anthropic.APITimeoutError):
                await sdk.messages.create(model=model, max_tokens=64, messages=QUESTION)

    async def test_garbage_is_a_decode_error_for_the_sdk_too(
        self, sim: Simulator, client: anthropic.AsyncAnthropic, model: str
    ) -> None:
        """A cut JSON body fails to decode in the SDK as in brandlens' client."""
        sim.fault(model=model, mode="garbage")
        with pytest.raises(ValueError, match="Unterminated"):
            await ask(client, model, False)
