"""Anthropic Messages API with the server web search tool (dialect ``anthropic-web-search``).

Request (platform.claude.com/docs/en/agents-and-tools/tool-use/web-search-tool): the Messages
request of shared.providers.anthropic plus ``tools: [{type: "web_search_20250305", name:
"web_search", max_uses}]``; ``max_uses`` is the entry's ``expected_searches`` doubled (at least 2),
so the cost ceiling the dry run quotes holds. Always buffered: citations arrive whole per block.

Response: ``content[]`` interleaves ``server_tool_use`` (the query), ``web_search_tool_result``
(``content`` a list of ``web_search_result`` {url, title, page_age}, or on failure an object
``{type: web_search_tool_result_error, error_code}``) and ``text`` blocks; a text block that
uses a result carries ``citations[]`` of type ``web_search_result_location`` {url, title,
cited_text}. The answer is the text blocks joined, and a cited block's character range in it is
the span. ``usage.server_tool_use.web_search_requests`` is the number of billed searches.

Tool errors are never dropped: when no search returned a result, the error maps onto the
taxonomy (``too_many_requests`` → rate_limited, ``unavailable`` → upstream_error,
``invalid_input``/``query_too_long``/``max_uses_exceeded`` → bad_request), because an answer made
without search must not pass as a search-grounded one. When some search succeeded the answer is
kept (``max_uses_exceeded`` after results only means our cap was reached).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import msgspec

from shared.catalogue import ModelSpec
from shared.contracts import Span
from shared.errors import BadRequest, ProviderError, RateLimited, UpstreamError
from shared.providers import anthropic
from shared.providers._common import as_dict, as_int, as_list, secrets_of
from shared.providers.http import post_json
from shared.providers.search.shape import SourceBook, add_span
from shared.providers.types import Completion, Prompt

DIALECT = "anthropic-web-search"
TOOL_TYPE = "web_search_20250305"
# The documented error_code values of web_search_tool_result_error, onto our taxonomy.
TOOL_ERRORS: dict[str, type[ProviderError]] = {
    "too_many_requests": RateLimited,
    "unavailable": UpstreamError,
    "invalid_input": BadRequest,
    "query_too_long": BadRequest,
    "max_uses_exceeded": BadRequest,
}


def max_uses(spec: ModelSpec) -> int:
    return max(2, 2 * spec.expected_searches)


def build_request(spec: ModelSpec, api_key: str | None, prompt: Prompt) -> tuple[str, dict[str, str], dict[str, Any]]:
    buffered = msgspec.structs.replace(spec, stream=False)
    url, headers, body = anthropic.build_request(buffered, api_key, prompt)
    if spec.search_base_url:
        url = spec.search_base_url.rstrip("/") + "/v1/messages"
    body["tools"] = [*as_list(body.get("tools")), {"type": TOOL_TYPE, "name": "web_search",
                                                   "max_uses": max_uses(spec)}]
    return url, headers, body


def tool_error(code: str) -> ProviderError:
    cls = TOOL_ERRORS.get(code, UpstreamError)
    return cls(f"web search failed inside the answer (web_search_tool_result_error: {code})", provider_code=code)


def parse_response(doc: Any, headers: Mapping[str, str]) -> Completion:
    completion = anthropic.parse_response(doc, headers)
    book = SourceBook()
    spans: list[Span] = []
    offset = 0
    results = 0
    errors: list[str] = []
    for raw in as_list(as_dict(doc).get("content")):
        block = as_dict(raw)
        kind = block.get("type")
        if kind == "web_search_tool_result":
            content = block.get("content")
            if isinstance(content, dict):
                errors.append(str(content.get("error_code") or "unknown"))
            for result in as_list(content):
                entry = as_dict(result)
                if book.add(str(entry.get("url") or ""), str(entry.get("title") or "")) is not None:
                    results += 1
        elif kind == "text":
            text = str(block.get("text") or "")
            ids = []
            for cite in as_list(block.get("citations")):
                entry = as_dict(cite)
                if entry.get("type") == "web_search_result_location":
                    ids.append(book.add(str(entry.get("url") or ""), str(entry.get("title") or "")))
            add_span(spans, offset, offset + len(text), ids)
            offset += len(text)
    if errors and not results:
        raise tool_error(errors[0])
    usage = as_dict(as_dict(doc).get("usage"))
    completion.usage.search_calls = as_int(as_dict(usage.get("server_tool_use")).get("web_search_requests"))
    completion.sources = book.finish(spans)
    completion.spans = spans
    return completion


async def complete(client: httpx.AsyncClient, spec: ModelSpec, api_key: str | None, prompt: Prompt) -> Completion:
    url, headers, body = build_request(spec, api_key, prompt)
    doc, response_headers = await post_json(client, anthropic.PROTOCOL, url, headers, body, spec.timeout_s,
                                            secrets_of(api_key))
    return parse_response(doc, response_headers)
