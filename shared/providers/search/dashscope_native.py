"""Qwen web search on DashScope's native generation API (dialect ``dashscope-native``).

Documented at https://help.aliyun.com/zh/model-studio/web-search (联网搜索): ``enable_search`` turns
search on in both modes, but "OpenAI 兼容协议不支持在响应中返回搜索来源" — only the native
endpoint ``POST {host}/api/v1/services/aigc/text-generation/generation`` returns the sources, with
``parameters.search_options = {enable_source, enable_citation, citation_format}``. The response
carries ``output.search_info.search_results[]`` (``index, title, url, site_name, icon``), the answer
in ``output.choices[0].message`` (``result_format: "message"``), and ``[ref_n]`` markers (or ``[n]``
with the default ``citation_format``), parsed into spans and removed from the text. The catalogue's
``search_base_url`` names the native host (``https://dashscope.aliyuncs.com/api/v1``); without it the
compatible-mode ``base_url`` is rewritten to it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx

from shared.catalogue import ModelSpec
from shared.contracts import Source, Usage
from shared.errors import ContentFiltered, Malformed
from shared.providers._common import (
    as_dict,
    as_int,
    as_list,
    as_str,
    bearer_headers,
    chat_messages,
    secrets_of,
)
from shared.providers.http import post_json
from shared.providers.search.cjk_spans import make_source, mark_kinds, spans_from_markers, strip_markers
from shared.providers.types import LENGTH_REASONS, Completion, Prompt

DIALECT = "dashscope-native"
PATH = "/services/aigc/text-generation/generation"
SEARCH_OPTIONS: dict[str, Any] = {"enable_source": True, "enable_citation": True, "citation_format": "[ref_<number>]"}
_MARKER = re.compile(r"\[(?:ref_)?\d+\]")


def native_base(spec: ModelSpec) -> str:
    if spec.search_base_url:
        return spec.search_base_url.rstrip("/")
    return spec.base_url.rstrip("/").replace("/compatible-mode/v1", "/api/v1")


def build_request(spec: ModelSpec, api_key: str | None, prompt: Prompt) -> tuple[str, dict[str, str], dict[str, Any]]:
    headers = bearer_headers(spec, api_key)
    messages = chat_messages(prompt)
    parameters: dict[str, Any] = {
        "result_format": "message",
        "max_tokens": prompt.max_tokens or spec.max_tokens,
        "enable_search": True,
        "search_options": dict(SEARCH_OPTIONS),
    }
    temperature = prompt.temperature if prompt.temperature is not None else spec.temperature
    if temperature is not None:
        parameters["temperature"] = temperature
    # DashScope's thinking switch lives in `parameters` on this API (extra_body targets compatible mode).
    for field in ("enable_thinking", "thinking_budget"):
        if field in spec.extra_body:
            parameters[field] = spec.extra_body[field]
    body = {"model": spec.model, "input": {"messages": messages}, "parameters": parameters}
    return native_base(spec) + PATH, headers, body


def _usage(raw: Any) -> Usage:
    usage = as_dict(raw)
    search = as_dict(as_dict(usage.get("plugins")).get("search"))
    return Usage(
        input_tokens=as_int(usage.get("input_tokens")),
        output_tokens=as_int(usage.get("output_tokens")),
        reasoning_tokens=as_int(as_dict(usage.get("output_tokens_details")).get("reasoning_tokens")),
        cached_input_tokens=as_int(as_dict(usage.get("prompt_tokens_details")).get("cached_tokens")),
        search_calls=as_int(search.get("count")),
    )


def parse(doc: Any, headers: Mapping[str, str]) -> Completion:
    doc = as_dict(doc)
    output = as_dict(doc.get("output"))
    choices = as_list(output.get("choices"))
    if not choices:
        raise Malformed("DashScope response has no output.choices")
    choice = as_dict(choices[0])
    message = as_dict(choice.get("message"))
    finish_reason = as_str(choice.get("finish_reason"))
    raw_text = as_str(message.get("content")) or ""
    usage = _usage(doc.get("usage"))
    if finish_reason == "content_filter":
        raise ContentFiltered("answer stopped by DashScope's content filter", partial_text=raw_text,
                              provider_code=finish_reason, usage=usage)
    truncated = finish_reason in LENGTH_REASONS
    if not raw_text.strip() and not truncated:
        raise Malformed(f"answer has no text (finish_reason={finish_reason})")
    sources: list[Source] = []
    for position, result in enumerate(as_list(as_dict(output.get("search_info")).get("search_results")), 1):
        entry = as_dict(result)
        number = str(as_int(entry.get("index")) or position)
        source = make_source(number, entry.get("url"), entry.get("title"), entry.get("site_name"))
        if source is not None:
            sources.append(source)
    text, markers = strip_markers(raw_text, _MARKER)
    spans = spans_from_markers(text, markers, {s.id: s.id for s in sources})
    if usage.search_calls is None:
        usage.search_calls = 1 if sources else 0
    return Completion(
        text=text, truncated=truncated, finish_reason=finish_reason, usage=usage,
        reasoning=as_str(message.get("reasoning_content")),
        provider_request_id=headers.get("x-request-id") or as_str(doc.get("request_id")),
        sources=mark_kinds(sources, spans), spans=spans, model=as_str(doc.get("model")),
    )


async def complete(client: httpx.AsyncClient, spec: ModelSpec, api_key: str | None, prompt: Prompt) -> Completion:
    url, headers, body = build_request(spec, api_key, prompt)
    doc, response_headers = await post_json(client, "openai", url, headers, body, spec.timeout_s, secrets_of(api_key))
    return parse(doc, response_headers)
