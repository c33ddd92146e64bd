"""Perplexity Sonar chat completions (dialect ``perplexity``): search is always on.

Request (docs.perplexity.ai/api-reference/chat-completions-post): the OpenAI-compatible chat
request of shared.providers.openai_compat, buffered.

Response: top-level ``search_results[]`` ({title, url, date, last_updated, snippet}; ``citations[]``
repeats the URLs in the same order) and ``[n]`` markers in the answer text, ``n`` counting
``search_results`` from 1. A marker (or a run of them, "[1][3]") backs the sentence it ends: the
span runs from the sentence's start to the marker, the marker itself left out; a marker written
after its sentence's full stop backs that sentence. Results no marker points at are ``retrieved``.
``usage.num_search_queries``, when present, is the number of searches run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx
import msgspec

from shared.catalogue import ModelSpec
from shared.contracts import Span
from shared.providers import openai_compat
from shared.providers._common import as_dict, as_int, as_list, secrets_of
from shared.providers.http import post_json
from shared.providers.search.shape import SourceBook, add_span, sentence_start
from shared.providers.types import Completion, Prompt

DIALECT = "perplexity"
MARKERS = re.compile(r"(?:\[\d{1,3}\])+")
_NUMBER = re.compile(r"\d+")
_TERMINATORS = "。！？!?；;."


def build_request(spec: ModelSpec, api_key: str | None, prompt: Prompt) -> tuple[str, dict[str, str], dict[str, Any]]:
    buffered = msgspec.structs.replace(spec, stream=False, base_url=spec.search_base_url or spec.base_url)
    url, headers, body = openai_compat.build_request(buffered, api_key, prompt)
    # The documented default context size, sent explicitly: it is the per-request fee the
    # catalogue prices, and it tells the simulator this is a search-dialect call.
    body.setdefault("web_search_options", {"search_context_size": "low"})
    return url, headers, body


def marker_spans(text: str, result_ids: list[str | None]) -> list[Span]:
    """Spans of the sentences that ``[n]`` markers end, pointing at ``result_ids[n - 1]``."""
    spans: list[Span] = []
    for match in MARKERS.finditer(text):
        end = match.start()
        while end > 0 and text[end - 1].isspace():
            end -= 1
        while end > 0 and text[end - 1] in _TERMINATORS:  # "…title.[2]": the marker follows the stop
            end -= 1
        start = sentence_start(text, end)
        ids = [result_ids[n - 1] for n in map(int, _NUMBER.findall(match.group())) if 0 < n <= len(result_ids)]
        add_span(spans, start, end, ids)
    return spans


def parse_response(doc: Any, headers: Mapping[str, str]) -> Completion:
    completion = openai_compat.parse_response(doc, headers)
    doc = as_dict(doc)
    book = SourceBook()
    result_ids: list[str | None] = []
    for raw in as_list(doc.get("search_results")):
        entry = as_dict(raw)
        result_ids.append(book.add(str(entry.get("url") or ""), str(entry.get("title") or "")))
    if not result_ids:  # older responses list only the URLs
        result_ids = [book.add(str(url)) for url in as_list(doc.get("citations"))]
    spans = marker_spans(completion.text, result_ids)
    completion.sources = book.finish(spans)
    completion.spans = spans
    completion.usage.search_calls = as_int(as_dict(doc.get("usage")).get("num_search_queries"))
    return completion


async def complete(client: httpx.AsyncClient, spec: ModelSpec, api_key: str | None, prompt: Prompt) -> Completion:
    url, headers, body = build_request(spec, api_key, prompt)
    doc, response_headers = await post_json(client, openai_compat.PROTOCOL, url, headers, body, spec.timeout_s,
                                            secrets_of(api_key))
    return parse_response(doc, response_headers)
