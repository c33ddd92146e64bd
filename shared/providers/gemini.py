"""Gemini ``generateContent`` (``{base_url}/models/{model}:generateContent``), plain and SSE.

The key travels only in the ``x-goog-api-key`` header, never as ``?key=`` in the URL: URLs end
up in access logs, proxies and exception messages. Parts flagged ``thought`` are reasoning.
A blocked prompt (``promptFeedback.blockReason``, but not ``BLOCK_REASON_UNSPECIFIED`` beside an
answered candidate) or a candidate stopped for safety reasons is ContentFiltered, with its usage;
``finishReason: MAX_TOKENS`` is a truncated answer.

``groundingMetadata.groundingChunks[].web`` are the citations of a grounded answer. Their
``uri`` is a ``vertexaisearch.cloud.google.com/grounding-api-redirect/…`` link; the cited site
is the chunk's ``title`` (a domain), kept as ``Citation.site``.

Usage (ai.google.dev/api/generate-content#UsageMetadata): ``candidatesTokenCount`` excludes
thinking, ``thoughtsTokenCount`` is billed as output, so output = candidates + thoughts; input
= ``promptTokenCount`` (cached content included, ``cachedContentTokenCount`` of it) plus
``toolUsePromptTokenCount``. ``maxOutputTokens`` caps thinking and answer together: with
``thinking = "budget"`` the request sends ``thinkingConfig.thinkingBudget`` and raises
``maxOutputTokens`` by the budget so the answer keeps its ``max_tokens``; ``"off"`` sends a
budget of 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

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
from shared.providers.http import decode_json, error_in_body, open_stream, post_json
from shared.providers.sse import iter_sse
from shared.providers.types import LENGTH_REASONS, Completion, Prompt

PROTOCOL = "gemini"
# RECITATION and SPII are blocks of the output too (copyright, personal data), not failures.
FILTER_REASONS = frozenset({"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION", "IMAGE_SAFETY"})
NOT_A_BLOCK = "BLOCK_REASON_UNSPECIFIED"
REDIRECT_HOST = "vertexaisearch.cloud.google.com"


def build_request(spec: ModelSpec, api_key: str | None, prompt: Prompt) -> tuple[str, dict[str, str], dict[str, Any]]:
    method = "streamGenerateContent?alt=sse" if spec.stream else "generateContent"
    url = f"{spec.base_url.rstrip('/')}/models/{quote(spec.model, safe='.-_')}:{method}"
    headers = {"content-type": "application/json", **spec.headers}
    key = key_or_placeholder(api_key, spec.simulated)
    if key:
        headers["x-goog-api-key"] = key
    max_tokens = prompt.max_tokens or spec.max_tokens
    config: dict[str, Any] = {"maxOutputTokens": max_tokens}
    temperature = prompt.temperature if prompt.temperature is not None else spec.temperature
    if temperature is not None:
        config["temperature"] = temperature
    if spec.thinking == "budget" and spec.thinking_budget:
        config["thinkingConfig"] = {"thinkingBudget": spec.thinking_budget}
        config["maxOutputTokens"] = max_tokens + spec.thinking_budget
    elif spec.thinking == "off":
        config["thinkingConfig"] = {"thinkingBudget": 0}
    body: dict[str, Any] = {
        "contents": [{"role": "user", "parts": [{"text": prompt.user}]}],
        "generationConfig": config,
    }
    if prompt.system:
        body["systemInstruction"] = {"parts": [{"text": prompt.system}]}
    return url, headers, merge_extra(body, dict(spec.extra_body))


def usage_of(raw: Any) -> Usage:
    usage = as_dict(raw)
    prompt = as_int(usage.get("promptTokenCount"))
    tools = as_int(usage.get("toolUsePromptTokenCount")) or 0
    answer = as_int(usage.get("candidatesTokenCount"))
    thoughts = as_int(usage.get("thoughtsTokenCount"))
    # An answer with no text reports no candidatesTokenCount at all: zero, not unknown.
    output = None if answer is None and thoughts is None and prompt is None else (answer or 0) + (thoughts or 0)
    return Usage(
        input_tokens=None if prompt is None else prompt + tools,
        output_tokens=output,
        reasoning_tokens=thoughts,
        cached_input_tokens=as_int(usage.get("cachedContentTokenCount")),
    )


def _site(uri: Any, title: Any) -> str | None:
    """The cited site of a grounding chunk: its title when the URI is Google's redirect."""
    if not isinstance(title, str) or " " in title.strip() or "." not in title:
        return None
    if isinstance(uri, str) and REDIRECT_HOST in uri:
        return title.strip().lower().removeprefix("www.")
    return None


class _Accumulator:
    """Folds one response, or the successive chunks of a stream, into one Completion."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.thoughts: list[str] = []
        self.citations: list[Citation] = []
        self.finish_reason: str | None = None
        self.block_reason: str | None = None
        self.usage = Usage()
        self.model: str | None = None
        self.response_id: str | None = None
        self.saw_candidate = False

    def add(self, doc: dict[str, Any]) -> None:
        self.model = as_str(doc.get("modelVersion")) or self.model
        self.response_id = as_str(doc.get("responseId")) or self.response_id
        self.block_reason = as_str(as_dict(doc.get("promptFeedback")).get("blockReason")) or self.block_reason
        if as_dict(doc.get("usageMetadata")):
            self.usage = usage_of(doc["usageMetadata"])
        candidates = as_list(doc.get("candidates"))
        if not candidates:
            return
        self.saw_candidate = True
        candidate = as_dict(candidates[0])
        for raw in as_list(as_dict(candidate.get("content")).get("parts")):
            part = as_dict(raw)
            text = part.get("text")
            if isinstance(text, str):
                (self.thoughts if part.get("thought") else self.text).append(text)
        self.finish_reason = as_str(candidate.get("finishReason")) or self.finish_reason
        grounding = as_dict(candidate.get("groundingMetadata"))
        for chunk in as_list(grounding.get("groundingChunks")):
            web = as_dict(as_dict(chunk).get("web"))
            before = len(self.citations)
            add_citation(self.citations, web.get("uri"), web.get("title"))
            if len(self.citations) > before:
                self.citations[-1].site = _site(web.get("uri"), web.get("title"))

    def result(self, headers: Mapping[str, str]) -> Completion:
        text = "".join(self.text)
        # BLOCK_REASON_UNSPECIFIED is the enum's default value, not a block: beside an answer it
        # says nothing, and only a prompt that got no candidate at all was refused.
        if self.block_reason and (self.block_reason != NOT_A_BLOCK or not self.saw_candidate):
            raise ContentFiltered(
                f"prompt blocked by the provider (blockReason={self.block_reason})",
                partial_text=text,
                provider_code=self.block_reason,
                usage=self.usage,
            )
        if self.finish_reason in FILTER_REASONS:
            raise ContentFiltered(
                f"answer stopped by the provider's filter (finishReason={self.finish_reason})",
                partial_text=text,
                provider_code=self.finish_reason,
                usage=self.usage,
            )
        if not self.saw_candidate:
            raise Malformed("response has no candidates")
        truncated = self.finish_reason in LENGTH_REASONS
        if not text.strip() and not truncated:
            raise Malformed(f"answer has no text (finishReason={self.finish_reason})")
        return Completion(
            text=text,
            truncated=truncated,
            reasoning="".join(self.thoughts) or None,
            finish_reason=self.finish_reason,
            usage=self.usage,
            provider_request_id=self.response_id or headers.get("x-request-id"),
            citations=self.citations,
            model=self.model,
        )


def parse_response(doc: Any, headers: Mapping[str, str]) -> Completion:
    """One buffered generateContent body as a Completion (the search dialect builds on it)."""
    acc = _Accumulator()
    acc.add(as_dict(doc))
    return acc.result(headers)


async def complete(client: httpx.AsyncClient, spec: ModelSpec, api_key: str | None, prompt: Prompt) -> Completion:
    url, headers, body = build_request(spec, api_key, prompt)
    secrets = secrets_of(api_key)
    acc = _Accumulator()
    if not spec.stream:
        doc, response_headers = await post_json(client, PROTOCOL, url, headers, body, spec.timeout_s, secrets)
        acc.add(as_dict(doc))
        return acc.result(response_headers)
    async with open_stream(client, PROTOCOL, url, headers, body, spec.timeout_s, secrets) as response:
        async for event in iter_sse(response):
            chunk = as_dict(decode_json(event.data.encode(), "stream chunk"))
            if error_in_body(chunk):
                status = as_int(as_dict(chunk.get("error")).get("code")) or 500
                raise classify_http(PROTOCOL, status, response.headers, event.data.encode(), secrets=secrets)
            acc.add(chunk)
        response_headers = response.headers
    return acc.result(response_headers)
