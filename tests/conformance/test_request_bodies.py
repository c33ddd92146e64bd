"""The request bodies brandlens' clients send validate against the SDKs' own request types.

For every catalogue entry, the body the client builds and the body it actually sends (captured
by a recording server from a real ``complete()`` call) are validated with pydantic over the SDK's
params type, and their top-level fields must be ones the SDK's type declares — except fields
the entry adds on purpose in ``extra_body`` for its provider (Zhipu's ``thinking``, Perplexity's
search options), which no OpenAI type can know.
"""

from __future__ import annotations

import typing
from typing import Any
from urllib.parse import urlsplit

import httpx
import msgspec
import pydantic
import pytest
from anthropic.types.message_create_params import MessageCreateParamsNonStreaming, MessageCreateParamsStreaming
from google.genai import types as genai_types
from openai.types.chat.completion_create_params import (
    CompletionCreateParamsNonStreaming,
    CompletionCreateParamsStreaming,
)

from shared.catalogue import ModelSpec, load_catalogue
from shared.errors import ProviderError
from shared.providers import anthropic, complete, gemini, openai_compat
from shared.providers.types import Prompt
from tests.conformance.conftest import FakeProvider

CATALOGUE = load_catalogue(environ={})
PROMPT = Prompt(user="全屋定制品牌哪家好？", system="你是一个乐于助人的助手。")


def entries(protocol: str) -> list[ModelSpec]:
    return [spec for spec in CATALOGUE.models.values() if spec.protocol == protocol]


def declared_fields(params: Any) -> set[str]:
    return set(typing.get_type_hints(params))


def check(adapter_type: Any, body: dict[str, Any], spec: ModelSpec) -> None:
    pydantic.TypeAdapter(adapter_type).validate_python(body)
    unknown = set(body) - declared_fields(adapter_type) - set(spec.extra_body)
    assert not unknown, f"{spec.name}: fields the SDK's request type does not declare: {sorted(unknown)}"


@pytest.mark.parametrize("spec", entries("openai"), ids=lambda s: s.name)
def test_openai_compatible_bodies_validate(spec: ModelSpec) -> None:
    """Chat-completions bodies are CompletionCreateParams (streaming or not) for every entry."""
    _url, _headers, body = openai_compat.build_request(spec, "sk-x", PROMPT)
    check(CompletionCreateParamsStreaming if spec.stream else CompletionCreateParamsNonStreaming, body, spec)
    assert body["messages"][0] == {"role": "system", "content": PROMPT.system}


@pytest.mark.parametrize("spec", entries("anthropic"), ids=lambda s: s.name)
def test_anthropic_bodies_validate(spec: ModelSpec) -> None:
    """Messages bodies are MessageCreateParams for every entry."""
    _url, _headers, body = anthropic.build_request(spec, "sk-x", PROMPT)
    check(MessageCreateParamsStreaming if spec.stream else MessageCreateParamsNonStreaming, body, spec)


def test_anthropic_thinking_body_validates() -> None:
    """A budget entry's `thinking` block is the SDK's ThinkingConfigEnabledParam."""
    spec = msgspec.structs.replace(CATALOGUE.models["claude"], thinking="budget", thinking_budget=1024)
    _url, _headers, body = anthropic.build_request(spec, "sk-x", PROMPT)
    check(MessageCreateParamsNonStreaming, body, spec)
    assert body["thinking"]["budget_tokens"] < body["max_tokens"]


@pytest.mark.parametrize("spec", entries("gemini"), ids=lambda s: s.name)
def test_gemini_bodies_validate(spec: ModelSpec) -> None:
    """generateContent bodies: each part is the SDK's model, whose config forbids unknown fields
    (so a misspelt generationConfig field fails), and nothing else sits at the top level."""
    _url, _headers, body = gemini.build_request(spec, "AIza-x", PROMPT)
    assert set(body) <= {"contents", "generationConfig", "systemInstruction", "tools", "toolConfig",
                         "safetySettings", "cachedContent"} | set(spec.extra_body)
    config = genai_types.GenerationConfig.model_validate(body["generationConfig"])
    for content in body["contents"]:
        genai_types.Content.model_validate(content)
    genai_types.Content.model_validate(body["systemInstruction"])
    if spec.thinking == "budget":
        assert config.thinking_config is not None and config.thinking_config.thinking_budget == spec.thinking_budget
        assert config.max_output_tokens == spec.max_tokens + (spec.thinking_budget or 0)


def test_a_misspelt_gemini_field_is_caught() -> None:
    """The check has teeth: an unknown generationConfig field fails validation."""
    with pytest.raises(pydantic.ValidationError):
        genai_types.GenerationConfig.model_validate({"maxOutputTokens": 10, "thinkingBudgett": 5})



@pytest.mark.parametrize("spec", list(CATALOGUE.models.values()), ids=lambda s: s.name)
async def test_the_wire_body_of_every_entry_validates(
    spec: ModelSpec, provider: FakeProvider, http_client: httpx.AsyncClient
) -> None:
    """The bytes on the wire (not just the dict the client built) decode to a body the SDK's type
    accepts, the key travels in the protocol's header and never in the URL."""
    moved = msgspec.structs.replace(spec, base_url=provider.url + urlsplit(spec.base_url).path,
                                    simulated=False, timeout_s=5.0)
    with pytest.raises(ProviderError):  # the recorder answers 500: only the request matters here
        await complete(http_client, moved, "sk-wire-check-0000", PROMPT)
    seen = provider.seen[-1]
    assert "sk-wire-check" not in seen.path_qs
    headers = {k.lower(): v for k, v in seen.headers.items()}
    body = seen.body
    if spec.protocol == "openai":
        assert headers["authorization"] == "Bearer sk-wire-check-0000"
        check(CompletionCreateParamsStreaming if spec.stream else CompletionCreateParamsNonStreaming, body, spec)
    elif spec.protocol == "anthropic":
        assert headers["x-api-key"] == "sk-wire-check-0000" and headers["anthropic-version"]
        check(MessageCreateParamsStreaming if spec.stream else MessageCreateParamsNonStreaming, body, spec)
    else:
        assert headers["x-goog-api-key"] == "sk-wire-check-0000"
        genai_types.GenerationConfig.model_validate(body["generationConfig"])
        for content in body["contents"]:
            genai_types.Content.model_validate(content)
