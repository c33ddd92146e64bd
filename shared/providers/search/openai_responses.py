"""OpenAI Responses API with the hosted web search tool (dialect ``openai-responses``).

Request (developers.openai.com/api/docs/guides/tools-web-search): ``POST {base_url}/responses``
with ``tools: [{type: "web_search"}]`` and ``include: ["web_search_call.action.sources"]``, which
adds every URL the search consulted to each ``web_search_call`` item's ``action.sources``.

Response: ``output[]`` holds ``web_search_call`` items (one per search, billed per call) and a
``message`` whose ``content[]`` parts of type ``output_text`` carry ``annotations[]`` of type
``url_citation`` with ``start_index``/``end_index`` (characters of that part's text), ``url`` and
``title``. The answer is the parts' texts joined, so a part's annotations are shifted by the
length of the text before it. Consulted sources that no annotation cites are ``retrieved``.

``status`` "incomplete" with ``incomplete_details.reason`` "max_output_tokens" is a truncated
answer, "content_filter" a filtered one; "failed" carries an ``error`` object.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import msgspec

from shared.catalogue import ModelSpec
from shared.contracts import Span, Usage
from shared.errors import ContentFiltered, Malformed, classify_http
from shared.providers._common import (
    as_dict,
    as_int,
    as_list,
    as_str,
    bearer_headers,
    merge_extra,
    secrets_of,
)
from shared.providers.http import post_json
from shared.providers.search.cjk_spans import sentence_span
from shared.providers.search.shape import SourceBook, add_span
from shared.providers.types import Completion, Prompt

PROTOCOL = "openai"
DIALECT = "openai-responses"


def build_request(spec: ModelSpec, api_key: str | None, prompt: Prompt) -> tuple[str, dict[str, str], dict[str, Any]]:
    base = (spec.search_base_url or spec.base_url).rstrip("/")
    headers = bearer_headers(spec, api_key)
    body: dict[str, Any] = {
        "model": spec.model,
        "input": [{"role": "user", "content": prompt.user}],
        "max_output_tokens": prompt.max_tokens or spec.max_tokens,
        "tools": [{"type": "web_search"}],
        "include": ["web_search_call.action.sources"],
        # Each web_search call is billed: bounded so the dry run's cost ceiling holds.
        "max_tool_calls": max(2, 2 * spec.expected_searches),
    }
    if prompt.system:
        body["instructions"] = prompt.system
    temperature = prompt.temperature if prompt.temperature is not None else spec.temperature
    if temperature is not None:
        body["temperature"] = temperature
    return base + "/responses", headers, merge_extra(body, dict(spec.extra_body))


def usage_of(raw: Any, search_calls: int) -> Usage:
    usage = as_dict(raw)
    return Usage(
        input_tokens=as_int(usage.get("input_tokens")),
        output_tokens=as_int(usage.get("output_tokens")),
        reasoning_tokens=as_int(as_dict(usage.get("output_tokens_details")).get("reasoning_tokens")),
        cached_input_tokens=as_int(as_dict(usage.get("input_tokens_details")).get("cached_tokens")),
        search_calls=search_calls,
    )


def parse_response(doc: Any, headers: Mapping[str, str], *, widen_to_sentences: bool = False,
                   provider: str = "the provider") -> Completion:
    """The Completion of a Responses API body (OpenAI's, or Ark's mirror of it).

    ``widen_to_sentences`` widens each annotation's range to the sentence(s) holding it: Ark anchors
    annotations on fragments, and the marker-style Chinese dialects' spans are whole sentences.
    """
    doc = as_dict(doc)
    if doc.get("status") == "failed" or as_dict(doc.get("error")):
        raise classify_http(PROTOCOL, 500, headers, msgspec.json.encode({"error": as_dict(doc.get("error"))}))
    output = doc.get("output")
    if not isinstance(output, list):
        raise Malformed(f"{provider} response has no output items")
    book = SourceBook()
    anchored: list[tuple[int, int, str | None]] = []
    parts: list[str] = []
    reasoning: list[str] = []
    offset = 0
    searches = 0
    for raw in output:
        item = as_dict(raw)
        if item.get("type") == "web_search_call":
            searches += 1
            for source in as_list(as_dict(item.get("action")).get("sources")):
                entry = as_dict(source)
                book.add(str(entry.get("url") or ""), str(entry.get("title") or ""))
        elif item.get("type") == "reasoning":
            reasoning += [as_str(as_dict(part).get("text")) or "" for part in as_list(item.get("summary"))]
        elif item.get("type") == "message":
            for content in as_list(item.get("content")):
                part = as_dict(content)
                if part.get("type") != "output_text":
                    continue
                text = str(part.get("text") or "")
                for annotation in as_list(part.get("annotations")):
                    note = as_dict(annotation)
                    if note.get("type") != "url_citation":
                        continue
                    # The Responses API flattens the fields; Chat-style bodies nest them under "url_citation".
                    inner = as_dict(note.get("url_citation")) or note
                    source_id = book.add(str(inner.get("url") or ""), str(inner.get("title") or ""),
                                         str(inner.get("site_name") or ""))
                    start, end = as_int(inner.get("start_index")), as_int(inner.get("end_index"))
                    if start is None or end is None:
                        continue
                    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
                    anchored.append((offset + start, offset + end, source_id))
                parts.append(text)
                offset += len(text)
    text = "".join(parts)
    spans: list[Span] = []
    for start, end, source_id in anchored:
        if widen_to_sentences:
            start, end = sentence_span(text, start, end)
        add_span(spans, start, end, [source_id])
    spans.sort(key=lambda span: (span.start, span.end))
    usage = usage_of(doc.get("usage"), searches)
    reason = as_str(as_dict(doc.get("incomplete_details")).get("reason"))
    if reason == "content_filter":
        raise ContentFiltered(f"answer stopped by {provider}'s content filter (incomplete: content_filter)",
                              partial_text=text, provider_code=reason, usage=usage)
    truncated = doc.get("status") == "incomplete" and reason == "max_output_tokens"
    if not text.strip() and not truncated:
        raise Malformed(f"{provider} answer has no text (status={doc.get('status')})")
    return Completion(
        text=text,
        truncated=truncated,
        finish_reason=reason or as_str(doc.get("status")),
        usage=usage,
        reasoning="".join(reasoning) or None,
        provider_request_id=headers.get("x-request-id") or as_str(doc.get("id")),
        sources=book.finish(spans),
        spans=spans,
        model=as_str(doc.get("model")),
    )


async def complete(client: httpx.AsyncClient, spec: ModelSpec, api_key: str | None, prompt: Prompt) -> Completion:
    url, headers, body = build_request(spec, api_key, prompt)
    doc, response_headers = await post_json(client, PROTOCOL, url, headers, body, spec.timeout_s,
                                            secrets_of(api_key))
    return parse_response(doc, response_headers)
