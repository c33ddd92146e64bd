"""Baidu Qianfan v2 (ERNIE) web search (dialect ``qianfan-web-search``).

Documented at https://cloud.baidu.com/doc/qianfan-docs/s/Wm8r4sw29 (联网搜索): a top-level
``web_search: {enable, enable_citation, enable_trace, …}`` object on ``/v2/chat/completions``;
``enable_citation`` puts ``^[1]^`` (several: ``^[1][2]^``) after the cited text, ``enable_trace``
returns the sources. The trace list's shape is not shown in the page the search tool could reach;
this client reads top-level ``search_results[]`` with ``index, url, title`` (the shape Qianfan's
OpenAI-compatible v2 API uses for its search results), and the markers are parsed into spans and
removed from the text either way.
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

DIALECT = "qianfan-web-search"
SEARCH_FIELDS: dict[str, Any] = {"web_search": {"enable": True, "enable_citation": True, "enable_trace": True}}
_MARKER = re.compile(r"\^(?:\[\d+\])+\^")


def build_request(spec: ModelSpec, api_key: str | None, prompt: Prompt) -> tuple[str, dict[str, str], dict[str, Any]]:
    return chat_request(spec, api_key, prompt, SEARCH_FIELDS)


def parse(doc: dict[str, Any], headers: dict[str, str] | Any, reasoning_in_output: bool = True) -> Completion:
    completion = parse_response(doc, headers, reasoning_in_output)
    sources: list[Source] = []
    for position, result in enumerate(as_list(doc.get("search_results")), 1):
        entry = as_dict(result)
        number = str(as_int(entry.get("index")) or position)
        source = make_source(number, entry.get("url"), entry.get("title"), entry.get("site_name"))
        if source is not None:
            sources.append(source)
    return with_marked_sources(completion, sources, _MARKER)


async def complete(client: httpx.AsyncClient, spec: ModelSpec, api_key: str | None, prompt: Prompt) -> Completion:
    url, headers, body = build_request(spec, api_key, prompt)
    doc, response_headers = await post_chat(client, spec, api_key, url, headers, body)
    return parse(doc, response_headers, spec.reasoning_in_output)
