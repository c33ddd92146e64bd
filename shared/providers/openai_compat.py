"""OpenAI-compatible chat completions: OpenAI, DeepSeek, DashScope, Ark, Moonshot, Zhipu, Qianfan v2,
Hunyuan, Perplexity, xAI and Ollama all speak it, each with a few additions handled here:

- DeepSeek (and Qwen/Kimi thinking models) return the chain of thought in ``reasoning_content``.
- Perplexity lists sources in top-level ``search_results`` (with titles) and ``citations`` (URLs).
- OpenAI search models and Ark web search attach ``url_citation`` annotations to the message.
- ``finish_reason`` "content_filter" (OpenAI, DashScope, Ark, Moonshot) and "sensitive" (Zhipu)
  mean the filter cut the answer: ContentFiltered, carrying the text produced before the cut
  and the usage it was billed for.
- ``finish_reason`` "length" is a truncated answer (Completion.truncated), never "malformed",
  even when the whole budget went to reasoning and the text is empty.
- Usage: cached input from ``prompt_tokens_details.cached_tokens`` (OpenAI, DashScope),
  ``prompt_cache_hit_tokens`` (DeepSeek) or ``cached_tokens`` (Moonshot), all parts of
  ``prompt_tokens``; xAI reports ``reasoning_tokens`` beside ``completion_tokens``
  (``reasoning_in_output = false``), others inside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from shared.catalogue import ModelSpec
from shared.contracts import Citation, Usage
from shared.errors import ContentFiltered, Malformed, UpstreamError, classify_http
from shared.providers._common import (
    add_citation,
    as_dict,
    as_int,
    as_list,
    as_str,
    bearer_headers,
    chat_messages,
    merge_extra,
    secrets_of,
)
from shared.providers.http import decode_json, error_in_body, open_stream, post_json
from shared.providers.sse import iter_sse
from shared.providers.types import LENGTH_REASONS, Completion, Prompt

PROTOCOL = "openai"
FILTER_REASONS = frozenset({"content_filter", "sensitive"})


def build_request(spec: ModelSpec, api_key: str | None, prompt: Prompt) -> tuple[str, dict[str, str], dict[str, Any]]:
    url = spec.base_url.rstrip("/") + "/chat/completions"
    headers = bearer_headers(spec, api_key)
    messages = chat_messages(prompt)
    body: dict[str, Any] = {
        "model": spec.model,
        "messages": messages,
        "max_tokens": prompt.max_tokens or spec.max_tokens,
    }
    temperature = prompt.temperature if prompt.temperature is not None else spec.temperature
    if temperature is not None:
        body["temperature"] = temperature
    if spec.stream:
        body["stream"] = True
        # Without it the stream carries no token counts, and cost could not be computed.
        body["stream_options"] = {"include_usage": True}
    return url, headers, merge_extra(body, dict(spec.extra_body))


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    # Some gateways return content as a list of typed parts.
    return "".join(str(as_dict(part).get("text") or "") for part in as_list(content))


def usage_of(raw: Any, reasoning_in_output: bool = True) -> Usage:
    """The provider's ``usage`` object as Usage (see the module docstring for the fields read)."""
    usage = as_dict(raw)
    details = as_dict(usage.get("completion_tokens_details"))
    reasoning = as_int(details.get("reasoning_tokens"))
    output = as_int(usage.get("completion_tokens"))
    if output is not None and reasoning and not reasoning_in_output:
        output += reasoning
    cached = (
        as_int(as_dict(usage.get("prompt_tokens_details")).get("cached_tokens"))
        or as_int(usage.get("prompt_cache_hit_tokens"))
        or as_int(usage.get("cached_tokens"))
    )
    return Usage(
        input_tokens=as_int(usage.get("prompt_tokens")),
        output_tokens=output,
        reasoning_tokens=reasoning,
        cached_input_tokens=cached,
    )


def _collect_citations(doc: dict[str, Any], annotations: list[Any], citations: list[Citation]) -> None:
    for result in as_list(doc.get("search_results")):
        entry = as_dict(result)
        add_citation(citations, entry.get("url"), entry.get("title"))
    for url in as_list(doc.get("citations")):
        add_citation(citations, url)
    for annotation in annotations:
        entry = as_dict(annotation)
        # OpenAI nests the fields under "url_citation"; some compatible servers flatten them.
        inner = as_dict(entry.get("url_citation")) or entry
        add_citation(citations, inner.get("url"), inner.get("title"))


def _request_id(headers: Mapping[str, str], doc: dict[str, Any]) -> str | None:
    return headers.get("x-request-id") or as_str(doc.get("id")) or as_str(doc.get("request_id"))


def _finish(text: str, reasoning: str, finish_reason: str | None, completion: Completion) -> Completion:
    if finish_reason in FILTER_REASONS:
        raise ContentFiltered(
            f"answer stopped by the provider's content filter (finish_reason={finish_reason})",
            partial_text=text,
            provider_code=finish_reason,
            usage=completion.usage,
        )
    if finish_reason == "network_error":  # Zhipu: generation failed inside the provider
        raise UpstreamError("provider reported finish_reason=network_error", provider_code=finish_reason)
    completion.truncated = finish_reason in LENGTH_REASONS
    if not text.strip() and not completion.truncated:
        raise Malformed(f"answer has no text (finish_reason={finish_reason})")
    completion.text = text
    completion.reasoning = reasoning or None
    completion.finish_reason = finish_reason
    return completion


def parse_response(doc: Any, headers: Mapping[str, str], reasoning_in_output: bool = True) -> Completion:
    doc = as_dict(doc)
    choices = as_list(doc.get("choices"))
    if not choices:
        raise Malformed("response has no choices")
    choice = as_dict(choices[0])
    message = as_dict(choice.get("message"))
    citations: list[Citation] = []
    _collect_citations(doc, as_list(message.get("annotations")), citations)
    reasoning = as_str(message.get("reasoning_content")) or as_str(message.get("reasoning")) or ""
    completion = Completion(
        text="",
        usage=usage_of(doc.get("usage"), reasoning_in_output),
        provider_request_id=_request_id(headers, doc),
        citations=citations,
        model=as_str(doc.get("model")),
    )
    return _finish(_content_text(message.get("content")), reasoning, as_str(choice.get("finish_reason")), completion)


async def _complete_streaming(
    client: httpx.AsyncClient, spec: ModelSpec, api_key: str | None, prompt: Prompt
) -> Completion:
    url, headers, body = build_request(spec, api_key, prompt)
    secrets = secrets_of(api_key)
    text: list[str] = []
    reasoning: list[str] = []
    annotations: list[Any] = []
    citations: list[Citation] = []
    finish_reason: str | None = None
    usage = Usage()
    model: str | None = None
    response_id: str | None = None
    async with open_stream(client, PROTOCOL, url, headers, body, spec.timeout_s, secrets) as response:
        async for event in iter_sse(response):
            if event.data.strip() == "[DONE]":
                break
            chunk = as_dict(decode_json(event.data.encode(), "stream chunk"))
            if error_in_body(chunk):
                status = as_int(as_dict(chunk.get("error")).get("status")) or response.status_code
                raise classify_http(PROTOCOL, status, response.headers, event.data.encode(), secrets=secrets)
            model = as_str(chunk.get("model")) or model
            response_id = as_str(chunk.get("id")) or response_id
            if chunk.get("usage"):
                usage = usage_of(chunk["usage"], spec.reasoning_in_output)
            if chunk.get("search_results") or chunk.get("citations"):
                # Perplexity repeats the full source list in every chunk; the last one is complete.
                citations = []
                _collect_citations(chunk, [], citations)
            for choice in as_list(chunk.get("choices")):
                choice = as_dict(choice)
                delta = as_dict(choice.get("delta"))
                text.append(_content_text(delta.get("content")))
                reasoning.append(as_str(delta.get("reasoning_content")) or as_str(delta.get("reasoning")) or "")
                annotations.extend(as_list(delta.get("annotations")))
                finish_reason = as_str(choice.get("finish_reason")) or finish_reason
        headers_out = response.headers
    if finish_reason is None and not "".join(text).strip():
        raise Malformed("stream ended without an answer")
    _collect_citations({}, annotations, citations)
    completion = Completion(
        text="",
        usage=usage,
        provider_request_id=headers_out.get("x-request-id") or response_id,
        citations=citations,
        model=model,
    )
    return _finish("".join(text), "".join(reasoning), finish_reason, completion)


async def complete(client: httpx.AsyncClient, spec: ModelSpec, api_key: str | None, prompt: Prompt) -> Completion:
    if spec.stream:
        return await _complete_streaming(client, spec, api_key, prompt)
    url, headers, body = build_request(spec, api_key, prompt)
    doc, response_headers = await post_json(
        client, PROTOCOL, url, headers, body, spec.timeout_s, secrets_of(api_key)
    )
    return parse_response(doc, response_headers, spec.reasoning_in_output)
