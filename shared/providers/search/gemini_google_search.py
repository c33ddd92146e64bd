"""Gemini generateContent grounded with Google Search (dialect ``gemini-google-search``).

Request (ai.google.dev/gemini-api/docs/google-search): the generateContent request of
shared.providers.gemini plus ``tools: [{googleSearch: {}}]``; always buffered (the grounding
metadata comes whole with the last candidate).

Response: ``candidates[0].groundingMetadata`` holds ``webSearchQueries[]``, ``groundingChunks[]``
(``web{uri, title}``: ``uri`` is a vertexaisearch.cloud.google.com redirect, the site's domain
is in ``title``) and ``groundingSupports[]`` (``segment{partIndex, startIndex, endIndex, text}``
with ``groundingChunkIndices[]``). Segment offsets are **UTF-8 byte** offsets into the part's
text (ai.google.dev/api/generate-content#Segment): they are converted to character offsets of
the joined answer, or a Chinese answer's spans would land two thirds too far. Chunks no support
points at are ``retrieved``.

Billing: Gemini 2.5 bills grounding per grounded prompt, not per query, so ``search_calls`` is 1
for an answer that ran any search (0 otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import msgspec

from shared.catalogue import ModelSpec
from shared.contracts import Span
from shared.providers import gemini
from shared.providers._common import as_dict, as_int, as_list, secrets_of
from shared.providers.http import post_json
from shared.providers.search.shape import SourceBook, add_span, domain_of, utf8_offset_to_char
from shared.providers.types import Completion, Prompt

DIALECT = "gemini-google-search"


def build_request(spec: ModelSpec, api_key: str | None, prompt: Prompt) -> tuple[str, dict[str, str], dict[str, Any]]:
    buffered = msgspec.structs.replace(spec, stream=False, base_url=spec.search_base_url or spec.base_url)
    url, headers, body = gemini.build_request(buffered, api_key, prompt)
    body["tools"] = [*as_list(body.get("tools")), {"googleSearch": {}}]
    return url, headers, body


def chunk_domain(uri: str, title: str) -> str:
    """The cited site: the chunk's title when the URI is Google's redirect, else the URI's host."""
    if gemini.REDIRECT_HOST in uri and "." in title and " " not in title.strip():
        return title.strip().lower().removeprefix("www.")
    return domain_of(uri)


def _part_offsets(candidate: dict[str, Any]) -> dict[int, tuple[int, str]]:
    """partIndex -> (character offset of that part in the joined answer, the part's text)."""
    offsets: dict[int, tuple[int, str]] = {}
    offset = 0
    for index, raw in enumerate(as_list(as_dict(candidate.get("content")).get("parts"))):
        part = as_dict(raw)
        text = part.get("text")
        if isinstance(text, str) and not part.get("thought"):
            offsets[index] = (offset, text)
            offset += len(text)
    return offsets


def parse_response(doc: Any, headers: Mapping[str, str]) -> Completion:
    completion = gemini.parse_response(doc, headers)
    candidates = as_list(as_dict(doc).get("candidates"))
    candidate = as_dict(candidates[0]) if candidates else {}
    grounding = as_dict(candidate.get("groundingMetadata"))
    book = SourceBook()
    chunk_ids: list[str | None] = []
    for chunk in as_list(grounding.get("groundingChunks")):
        web = as_dict(as_dict(chunk).get("web"))
        uri, title = str(web.get("uri") or ""), str(web.get("title") or "")
        chunk_ids.append(book.add(uri, title, site_name=title, domain=chunk_domain(uri, title)))
    parts = _part_offsets(candidate)
    first_text_part = min(parts) if parts else 0
    spans: list[Span] = []
    for support in as_list(grounding.get("groundingSupports")):
        entry = as_dict(support)
        segment = as_dict(entry.get("segment"))
        # partIndex is omitted (the proto3 default) for the first part.
        index = as_int(segment.get("partIndex"))
        base, text = parts.get(first_text_part if index is None else index, (0, ""))
        start = utf8_offset_to_char(text, as_int(segment.get("startIndex")) or 0)
        end = utf8_offset_to_char(text, as_int(segment.get("endIndex")) or 0)
        ids = [chunk_ids[i] for i in (as_int(i) for i in as_list(entry.get("groundingChunkIndices")))
               if i is not None and 0 <= i < len(chunk_ids)]
        add_span(spans, base + start, base + end, ids)
    completion.sources = book.finish(spans)
    completion.spans = spans
    searched = bool(as_list(grounding.get("webSearchQueries")) or chunk_ids)
    completion.usage.search_calls = 1 if searched else 0
    return completion


async def complete(client: httpx.AsyncClient, spec: ModelSpec, api_key: str | None, prompt: Prompt) -> Completion:
    url, headers, body = build_request(spec, api_key, prompt)
    doc, response_headers = await post_json(client, gemini.PROTOCOL, url, headers, body, spec.timeout_s,
                                            secrets_of(api_key))
    return parse_response(doc, response_headers)
