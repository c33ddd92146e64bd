"""Zhipu GLM web search in chat (dialect ``glm-web-search``).

Documented at https://docs.bigmodel.cn/cn/guide/tools/web-search ("Web Search in Chat"): search is a
tool entry that must carry its options object — ``tools: [{"type": "web_search", "web_search":
{"enable": true, "search_result": true}}]``; a bare ``{"type": "web_search"}`` is rejected ("web_search
tool requires web_search object"). With ``search_result`` the response carries a top-level
``web_search[]`` (``title, link, content, media, icon, refer: "ref_1", publish_date``) and the answer
marks what it used with ``[ref_1]`` (some answers write ``[1]``); both are parsed into spans and
removed from the text (shared/providers/search/cjk_spans.py).
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from shared.catalogue import ModelSpec
from shared.contracts import Source
from shared.providers._common import as_dict, as_list, as_str
from shared.providers.openai_compat import parse_response
from shared.providers.search.chat_search import chat_request, post_chat, with_marked_sources
from shared.providers.search.cjk_spans import make_source
from shared.providers.types import Completion, Prompt

DIALECT = "glm-web-search"
SEARCH_TOOL: dict[str, Any] = {"type": "web_search", "web_search": {"enable": True, "search_result": True}}
_MARKER = re.compile(r"\[(?:ref_)?\d+\]")


def build_request(spec: ModelSpec, api_key: str | None, prompt: Prompt) -> tuple[str, dict[str, str], dict[str, Any]]:
    return chat_request(spec, api_key, prompt, {"tools": [SEARCH_TOOL]})


def parse(doc: dict[str, Any], headers: dict[str, str] | Any, reasoning_in_output: bool = True) -> Completion:
    completion = parse_response(doc, headers, reasoning_in_output)
    sources: list[Source] = []
    for position, result in enumerate(as_list(doc.get("web_search")), 1):
        entry = as_dict(result)
        refer = as_str(entry.get("refer")) or f"ref_{position}"
        number = refer.removeprefix("ref_")
        source = make_source(number, entry.get("link"), entry.get("title"), entry.get("media"))
        if source is not None:
            sources.append(source)
    return with_marked_sources(completion, sources, _MARKER)


async def complete(client: httpx.AsyncClient, spec: ModelSpec, api_key: str | None, prompt: Prompt) -> Completion:
    url, headers, body = build_request(spec, api_key, prompt)
    doc, response_headers = await post_chat(client, spec, api_key, url, headers, body)
    return parse(doc, response_headers, spec.reasoning_in_output)
