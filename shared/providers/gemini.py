"""Gemini ``generateContent`` (``{base_url}/models/{model}:generateContent``), plain and SSE.

The key travels only in the ``x-goog-api-key`` header, never as ``?key=`` in the URL: URLs end
up in access logs, proxies and exception messages. Parts flagged ``thought`` are reasoning.
A blocked prompt (``promptFeedback.blockReason``) or a candidate stopped for safety reasons is
ContentFiltered; ``groundingMetadata.groundingChunks[].web`` are the citations of a grounded
answer.
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
    secrets_of,
)
from shared.providers.http import decode_json, open_stream, post_json
from shared.providers.sse import iter_sse
from shared.providers.types import Completion, Prompt

PROTOCOL = "gemini"
# RECITATION and SPII are blocks of the output too (copyright, personal data), not failures.
FILTER_REASONS = frozenset({"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION", "IMAGE_SAFETY"})


def build_request(spec: ModelSpec, api_key: str | None, prompt: Prompt) -> tuple[str, dict[str, str], dict[str, Any]]:
    method = "streamGenerateContent?alt=sse" if spec.stream else "generateContent"
    url = f"{spec.base_url.rstrip('/')}/models/{quote(spec.model, safe='.-_')}:{method}"
    headers = {"content-type": "application/json", **spec.headers}
    key = key_or_placeholder(api_key, spec.simulated)
    if key:
        headers["x-goog-api-key"] = key
    config: dict[str, Any] = {"maxOutputTokens": prompt.max_tokens or spec.max_tokens}
    temperature = prompt.temperature if prompt.temperature is not None else spec.temperature
    if temperature is not None:
        config["temperature"] = temperature
    body: dict[str, Any] = {
        "contents": [{"role": "user", "parts": [{"text": prompt.user}]}],
        "generationConfig": config,
    }
    if prompt.system:
        body["systemInstruction"] = {"parts": [{"text": prompt.system}]}
    body.update(spec.extra_body)
    return url, headers, body


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
        usage = as_dict(doc.get("usageMetadata"))
        if usage:
            self.usage = Usage(
                input_tokens=as_int(usage.get("promptTokenCount")),
                output_tokens=as_int(usage.get("candidatesTokenCount")),
                reasoning_tokens=as_int(usage.get("thoughtsTokenCount")),
            )
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
            add_citation(self.citations, web.get("uri"), web.get("title"))

    def result(self, headers: Mapping[str, str]) -> Completion:
        text = "".join(self.text)
        if self.block_reason:
            raise ContentFiltered(
                f"prompt blocked by the provider (blockReason={self.block_reason})",
                partial_text=text,
                provider_code=self.block_reason,
            )
        if self.finish_reason in FILTER_REASONS:
            raise ContentFiltered(
                f"answer stopped by the provider's filter (finishReason={self.finish_reason})",
                partial_text=text,
                provider_code=self.finish_reason,
            )
        if not self.saw_candidate:
            raise Malformed("response has no candidates")
        if not text.strip():
            raise Malformed(f"answer has no text (finishReason={self.finish_reason})")
        return Completion(
            text=text,
            reasoning="".join(self.thoughts) or None,
            finish_reason=self.finish_reason,
            usage=self.usage,
            provider_request_id=self.response_id or headers.get("x-request-id"),
            citations=self.citations,
            model=self.model,
        )


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
            if "error" in chunk:
                status = as_int(as_dict(chunk["error"]).get("code")) or 500
                raise classify_http(PROTOCOL, status, response.headers, event.data.encode(), secrets=secrets)
            acc.add(chunk)
        response_headers = response.headers
    return acc.result(response_headers)
