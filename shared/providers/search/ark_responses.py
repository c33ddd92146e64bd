"""Doubao web search on Volcengine Ark's Responses API (dialect ``ark-responses``).

Ark documents web search only on ``POST {base}/api/v3/responses`` (its Chat API has none), with the
OpenAI-shaped tool ``tools: [{"type": "web_search"}]``. The response's ``output[]`` holds
``web_search_call`` items (one per search run: ``Usage.search_calls``) and a ``message`` whose
``output_text`` content carries ``annotations[]`` of type ``url_citation`` (``url, title``, with
``start_index``/``end_index`` into the text when the engine anchors them). Anchored annotations
become spans widened to whole sentences; unanchored ones are consulted sources (``retrieved``).
The shapes follow Ark's Responses API reference (https://www.volcengine.com/docs/82379/1569618) and
web-search guide (https://www.volcengine.com/docs/82379/1756990); neither page was reachable through
the search tool, so the fixture is shaped from the OpenAI Responses schema Ark mirrors
(output_text.annotations[].url_citation), as third-party pages quoting it show.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from shared.catalogue import ModelSpec
from shared.providers._common import (
    bearer_headers,
    chat_messages,
    merge_extra,
    secrets_of,
)
from shared.providers.http import post_json
from shared.providers.search.openai_responses import parse_response
from shared.providers.types import Completion, Prompt

DIALECT = "ark-responses"
SEARCH_TOOL: dict[str, Any] = {"type": "web_search"}


def build_request(spec: ModelSpec, api_key: str | None, prompt: Prompt) -> tuple[str, dict[str, str], dict[str, Any]]:
    # search_base_url: a simulated entry whose chat base is not under /api/v3 still reaches Ark's path.
    url = (spec.search_base_url or spec.base_url).rstrip("/") + "/responses"
    headers = bearer_headers(spec, api_key)
    messages = chat_messages(prompt)
    body: dict[str, Any] = {
        "model": spec.model,
        "input": messages,
        "tools": [dict(SEARCH_TOOL)],
        "max_output_tokens": prompt.max_tokens or spec.max_tokens,
    }
    temperature = prompt.temperature if prompt.temperature is not None else spec.temperature
    if temperature is not None:
        body["temperature"] = temperature
    # extra_body carries Seed's `thinking: {type: disabled}`, a field Ark's Responses API also takes.
    return url, headers, merge_extra(body, dict(spec.extra_body))


def parse(doc: Any, headers: Mapping[str, str]) -> Completion:
    # Ark mirrors OpenAI's Responses body; its annotations anchor fragments, widened to sentences.
    return parse_response(doc, headers, widen_to_sentences=True, provider="Ark")


async def complete(client: httpx.AsyncClient, spec: ModelSpec, api_key: str | None, prompt: Prompt) -> Completion:
    url, headers, body = build_request(spec, api_key, prompt)
    doc, response_headers = await post_json(client, "openai", url, headers, body, spec.timeout_s, secrets_of(api_key))
    return parse(doc, response_headers)
