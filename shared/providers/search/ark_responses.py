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
from shared.contracts import Source, Span
from shared.errors import ContentFiltered, Malformed
from shared.providers._common import as_dict, as_int, as_list, as_str, key_or_placeholder, merge_extra, secrets_of
from shared.providers.http import post_json
from shared.providers.search.cjk_spans import make_source, mark_kinds, sentence_span
from shared.providers.search.openai_responses import usage_of
from shared.providers.types import Completion, Prompt

DIALECT = "ark-responses"
SEARCH_TOOL: dict[str, Any] = {"type": "web_search"}


def build_request(spec: ModelSpec, api_key: str | None, prompt: Prompt) -> tuple[str, dict[str, str], dict[str, Any]]:
    # search_base_url: a simulated entry whose chat base is not under /api/v3 still reaches Ark's path.
    url = (spec.search_base_url or spec.base_url).rstrip("/") + "/responses"
    headers = {"content-type": "application/json", **spec.headers}
    key = key_or_placeholder(api_key, spec.simulated)
    if key:
        headers["authorization"] = f"Bearer {key}"
    messages: list[dict[str, str]] = []
    if prompt.system:
        messages.append({"role": "system", "content": prompt.system})
    messages.append({"role": "user", "content": prompt.user})
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
    doc = as_dict(doc)
    items = [as_dict(item) for item in as_list(doc.get("output"))]
    searches = sum(1 for item in items if item.get("type") == "web_search_call")
    text = ""
    annotations: list[tuple[int, dict[str, Any]]] = []
    reasoning: list[str] = []
    for item in items:
        if item.get("type") == "reasoning":
            reasoning += [as_str(as_dict(part).get("text")) or "" for part in as_list(item.get("summary"))]
        if item.get("type") != "message":
            continue
        for part in as_list(item.get("content")):
            part = as_dict(part)
            if part.get("type") != "output_text":
                continue
            offset = len(text)
            text += as_str(part.get("text")) or ""
            annotations += [(offset, as_dict(a)) for a in as_list(part.get("annotations"))]
    usage = usage_of(doc.get("usage"), searches)
    reason = as_str(as_dict(doc.get("incomplete_details")).get("reason"))
    if reason == "content_filter":
        raise ContentFiltered("answer stopped by Ark's content filter", partial_text=text,
                              provider_code=reason, usage=usage)
    truncated = doc.get("status") == "incomplete" and reason == "max_output_tokens"
    if not text.strip() and not truncated:
        raise Malformed(f"Ark response has no output_text (status={doc.get('status')})")
    sources: list[Source] = []
    by_url: dict[str, Source] = {}
    by_range: dict[tuple[int, int], list[str]] = {}
    for offset, annotation in annotations:
        if annotation.get("type") != "url_citation":
            continue
        # OpenAI nests the fields under "url_citation"; Ark, like OpenAI's Responses API, flattens them.
        inner = as_dict(annotation.get("url_citation")) or annotation
        url = as_str(inner.get("url")) or ""
        source = by_url.get(url)
        if source is None:
            source = make_source(str(len(sources) + 1), url, inner.get("title"), inner.get("site_name"))
            if source is None:
                continue
            sources.append(source)
            by_url[url] = source
        start, end = as_int(inner.get("start_index")), as_int(inner.get("end_index"))
        if start is not None and end is not None and 0 <= start <= end:
            ids = by_range.setdefault(sentence_span(text, offset + start, offset + end), [])
            if source.id not in ids:
                ids.append(source.id)
    spans = [Span(start=s, end=e, source_ids=ids) for (s, e), ids in sorted(by_range.items())]
    return Completion(
        text=text, truncated=truncated, finish_reason=reason or as_str(doc.get("status")), usage=usage,
        reasoning="".join(reasoning) or None,
        provider_request_id=headers.get("x-request-id") or as_str(doc.get("id")),
        sources=mark_kinds(sources, spans), spans=spans, model=as_str(doc.get("model")),
    )


async def complete(client: httpx.AsyncClient, spec: ModelSpec, api_key: str | None, prompt: Prompt) -> Completion:
    url, headers, body = build_request(spec, api_key, prompt)
    doc, response_headers = await post_json(client, "openai", url, headers, body, spec.timeout_s, secrets_of(api_key))
    return parse(doc, response_headers)
