"""Anthropic Messages API (``POST {base_url}/v1/messages``), plain and streaming.

Auth is ``x-api-key``; ``anthropic-version`` comes from the catalogue entry's headers (default
2023-06-01). The answer is the concatenation of ``text`` blocks; ``thinking`` blocks are the
reasoning; web-search citations ride on text blocks. ``stop_reason`` "refusal" means the
model's safety layer stopped the answer: ContentFiltered with whatever text came before and its
usage; "max_tokens" is a truncated answer.

Usage: ``input_tokens`` excludes cache reads and writes, so the three are added up
(``cache_read_input_tokens`` → cached, ``cache_creation_input_tokens`` → cache write);
``output_tokens`` already includes thinking. ``thinking = "budget"`` sends
``thinking: {type: enabled, budget_tokens}`` with ``max_tokens`` raised by the budget (the cap
covers thinking and answer) and no temperature (the API rejects one with thinking).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import msgspec

from shared.catalogue import ModelSpec
from shared.contracts import Citation, Usage
from shared.errors import ContentFiltered, Malformed, classify_http
from shared.providers._common import (
    add_citation,
    as_dict,
    as_int,
    as_list,
    as_str,
    key_or_placeholder,
    merge_extra,
    secrets_of,
)
from shared.providers.http import decode_json, open_stream, post_json
from shared.providers.sse import iter_sse
from shared.providers.types import LENGTH_REASONS, Completion, Prompt

PROTOCOL = "anthropic"
DEFAULT_VERSION = "2023-06-01"
# Mid-stream error events carry no HTTP status; these are the statuses the same errors have.
_EVENT_STATUS = {"overloaded_error": 529, "rate_limit_error": 429, "api_error": 500}


def build_request(spec: ModelSpec, api_key: str | None, prompt: Prompt) -> tuple[str, dict[str, str], dict[str, Any]]:
    url = spec.base_url.rstrip("/") + "/v1/messages"
    headers = {"content-type": "application/json", "anthropic-version": DEFAULT_VERSION, **spec.headers}
    key = key_or_placeholder(api_key, spec.simulated)
    if key:
        headers["x-api-key"] = key
    max_tokens = prompt.max_tokens or spec.max_tokens
    body: dict[str, Any] = {
        "model": spec.model,
        "max_tokens": max_tokens,
        "messages": [{"role": "user", "content": prompt.user}],
    }
    if prompt.system:
        body["system"] = prompt.system
    temperature = prompt.temperature if prompt.temperature is not None else spec.temperature
    if spec.thinking == "budget" and spec.thinking_budget:
        body["thinking"] = {"type": "enabled", "budget_tokens": spec.thinking_budget}
        body["max_tokens"] = max_tokens + spec.thinking_budget
    elif temperature is not None:
        body["temperature"] = temperature
    if spec.stream:
        body["stream"] = True
    return url, headers, merge_extra(body, dict(spec.extra_body))


def usage_of(raw: Any, previous: Usage | None = None) -> Usage:
    """Anthropic's ``usage`` as Usage; a stream's message_delta may omit what message_start said."""
    usage = as_dict(raw)
    before = previous or Usage()
    fresh = as_int(usage.get("input_tokens"))
    read = as_int(usage.get("cache_read_input_tokens"))
    written = as_int(usage.get("cache_creation_input_tokens"))
    if fresh is None and read is None and written is None:
        input_tokens, read, written = before.input_tokens, before.cached_input_tokens, before.cache_write_tokens
    else:
        input_tokens = (fresh or 0) + (read or 0) + (written or 0)
    return Usage(
        input_tokens=input_tokens,
        output_tokens=as_int(usage.get("output_tokens")) or before.output_tokens,
        cached_input_tokens=read or None,
        cache_write_tokens=written or None,
    )


def _block_citations(block: dict[str, Any], citations: list[Citation]) -> None:
    for cite in as_list(block.get("citations")):
        entry = as_dict(cite)
        add_citation(citations, entry.get("url"), entry.get("title"))
    if block.get("type") == "web_search_tool_result":
        for result in as_list(block.get("content")):
            entry = as_dict(result)
            add_citation(citations, entry.get("url"), entry.get("title"))


def _finish(text: str, completion: Completion) -> Completion:
    if completion.finish_reason == "refusal":
        raise ContentFiltered(
            "model refused to answer (stop_reason=refusal)", partial_text=text, provider_code="refusal",
            usage=completion.usage,
        )
    completion.truncated = completion.finish_reason in LENGTH_REASONS
    if not text.strip() and not completion.truncated:
        raise Malformed(f"answer has no text (stop_reason={completion.finish_reason})")
    completion.text = text
    return completion


def parse_response(doc: Any, headers: Mapping[str, str]) -> Completion:
    doc = as_dict(doc)
    if doc.get("type") == "error":
        raise classify_http(PROTOCOL, 500, headers, msgspec.json.encode(doc))
    content = doc.get("content")
    if not isinstance(content, list):
        raise Malformed("response has no content blocks")
    text: list[str] = []
    thinking: list[str] = []
    citations: list[Citation] = []
    for raw in content:
        block = as_dict(raw)
        if block.get("type") == "text":
            text.append(str(block.get("text") or ""))
        elif block.get("type") == "thinking":
            thinking.append(str(block.get("thinking") or ""))
        _block_citations(block, citations)
    completion = Completion(
        text="",
        reasoning="".join(thinking) or None,
        finish_reason=as_str(doc.get("stop_reason")),
        usage=usage_of(doc.get("usage")),
        provider_request_id=headers.get("request-id") or as_str(doc.get("id")),
        citations=citations,
        model=as_str(doc.get("model")),
    )
    return _finish("".join(text), completion)


async def _complete_streaming(
    client: httpx.AsyncClient, spec: ModelSpec, api_key: str | None, prompt: Prompt
) -> Completion:
    url, headers, body = build_request(spec, api_key, prompt)
    secrets = secrets_of(api_key)
    text: list[str] = []
    thinking: list[str] = []
    citations: list[Citation] = []
    completion = Completion(text="")
    usage = Usage()
    stopped = False
    async with open_stream(client, PROTOCOL, url, headers, body, spec.timeout_s, secrets) as response:
        completion.provider_request_id = response.headers.get("request-id")
        async for event in iter_sse(response):
            data = as_dict(decode_json(event.data.encode(), "stream event"))
            kind = data.get("type") or event.event
            if kind == "error":
                err_type = as_str(as_dict(data.get("error")).get("type")) or ""
                status = _EVENT_STATUS.get(err_type, 500)
                raise classify_http(PROTOCOL, status, response.headers, event.data.encode(), secrets=secrets)
            if kind == "message_start":
                message = as_dict(data.get("message"))
                completion.model = as_str(message.get("model"))
                completion.provider_request_id = completion.provider_request_id or as_str(message.get("id"))
                usage = usage_of(message.get("usage"))
            elif kind == "content_block_start":
                block = as_dict(data.get("content_block"))
                text.append(str(block.get("text") or "") if block.get("type") == "text" else "")
                _block_citations(block, citations)
            elif kind == "content_block_delta":
                delta = as_dict(data.get("delta"))
                if delta.get("type") == "text_delta":
                    text.append(str(delta.get("text") or ""))
                elif delta.get("type") == "thinking_delta":
                    thinking.append(str(delta.get("thinking") or ""))
                elif delta.get("type") == "citations_delta":
                    cite = as_dict(delta.get("citation"))
                    add_citation(citations, cite.get("url"), cite.get("title"))
            elif kind == "message_delta":
                completion.finish_reason = as_str(as_dict(data.get("delta")).get("stop_reason"))
                usage = usage_of(data.get("usage"), usage)
            elif kind == "message_stop":
                stopped = True
                break
    if not stopped and completion.finish_reason is None:
        raise Malformed("stream ended before message_stop")
    completion.reasoning = "".join(thinking) or None
    completion.usage = usage
    completion.citations = citations
    return _finish("".join(text), completion)


async def complete(client: httpx.AsyncClient, spec: ModelSpec, api_key: str | None, prompt: Prompt) -> Completion:
    if spec.stream:
        return await _complete_streaming(client, spec, api_key, prompt)
    url, headers, body = build_request(spec, api_key, prompt)
    doc, response_headers = await post_json(
        client, PROTOCOL, url, headers, body, spec.timeout_s, secrets_of(api_key)
    )
    return parse_response(doc, response_headers)
