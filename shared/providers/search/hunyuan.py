"""Tencent Hunyuan search enhancement (dialect ``hunyuan``).

Hunyuan's OpenAI-compatible endpoint takes the native API's switches in snake case
(https://cloud.tencent.com/document/product/1729/111007 shows ``enable_enhancement`` passed as an
extra body field): ``enable_enhancement`` (search on), ``citation`` (markers ``[^1]`` after the cited
text) and ``search_info`` (return the sources). The response then carries
``search_info: {search_results: [{index, title, url, icon, text}]}`` (the native API's
``SearchInfo.SearchResults``; the field list is from the ChatCompletions API reference,
https://cloud.tencent.com/document/api/1729/105701, which the search tool did not return — the
unit test's fixture is built from that reference's field list, not copied from a page).
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from shared.catalogue import ModelSpec
from shared.contracts import Source
from shared.providers._common import as_dict, as_int, as_list
from shared.providers.openai_compat import parse_response
from shared.providers.search.chat_search import chat_request, post_chat, with_marked_sources
from shared.providers.search.cjk_spans import make_source
from shared.providers.types import Completion, Prompt

DIALECT = "hunyuan"
SEARCH_FIELDS: dict[str, Any] = {"enable_enhancement": True, "citation": True, "search_info": True}
_MARKER = re.compile(r"(?:\[\^\d+\])+")


def build_request(spec: ModelSpec, api_key: str | None, prompt: Prompt) -> tuple[str, dict[str, str], dict[str, Any]]:
    return chat_request(spec, api_key, prompt, SEARCH_FIELDS)


def parse(doc: dict[str, Any], headers: dict[str, str] | Any, reasoning_in_output: bool = True) -> Completion:
    completion = parse_response(doc, headers, reasoning_in_output)
    info = as_dict(doc.get("search_info")) or as_dict(doc.get("SearchInfo"))
    results = as_list(info.get("search_results")) or as_list(info.get("SearchResults"))
    sources: list[Source] = []
    for position, result in enumerate(results, 1):
        entry = as_dict(result)
        number = str(as_int(entry.get("index", entry.get("Index"))) or position)
        source = make_source(number, entry.get("url", entry.get("Url")), entry.get("title", entry.get("Title")))
        if source is not None:
            sources.append(source)
    return with_marked_sources(completion, sources, _MARKER)


async def complete(client: httpx.AsyncClient, spec: ModelSpec, api_key: str | None, prompt: Prompt) -> Completion:
    url, headers, body = build_request(spec, api_key, prompt)
    doc, response_headers = await post_chat(client, spec, api_key, url, headers, body)
    return parse(doc, response_headers, spec.reasoning_in_output)
