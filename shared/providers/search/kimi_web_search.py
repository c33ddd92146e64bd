"""Moonshot Kimi's builtin ``$web_search`` (dialect ``kimi-builtin``).

Documented at https://platform.moonshot.cn/docs/guide/use-web-search (English:
https://platform.moonshot.ai/docs/guide/use-web-search): declare ``tools: [{"type":
"builtin_function", "function": {"name": "$web_search"}}]``; the first response stops with
``finish_reason: "tool_calls"`` and a ``$web_search`` tool call, whose ``arguments`` the caller sends
back **unchanged** as the content of a ``role: "tool"`` message (Moonshot runs the search itself when
it reads them); the second response is the answer. Each search is billed ¥0.03 on top of tokens
(the catalogue's ``price.per_search``, counted here in ``Usage.search_calls``), and the tokens of
both passes are billed, so usage is summed. The builtin tool does not work with thinking on, so a
thinking entry is refused rather than silently answered without search.

Kimi returns no structured source list: the sources are the URLs the final text names (kind
``named``), and each sentence that names one becomes a span pointing at it — the engine's own
attribution, as written, with the text left as it is.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import msgspec

from shared.catalogue import ModelSpec
from shared.contracts import Source, Span, Usage
from shared.errors import ConfigError, Malformed
from shared.providers._common import as_dict, as_list, as_str
from shared.providers.openai_compat import parse_response, usage_of
from shared.providers.search.chat_search import chat_request, post_chat
from shared.providers.search.cjk_spans import make_source, sentence_bounds
from shared.providers.types import Completion, Prompt

DIALECT = "kimi-builtin"
TOOL_NAME = "$web_search"
SEARCH_TOOL: dict[str, Any] = {"type": "builtin_function", "function": {"name": TOOL_NAME}}
# A model that keeps asking for searches is cut off: each pass is a paid call.
MAX_PASSES = 4
_URL = re.compile(r"https?://[^\s<>\"'()（）\[\]【】，。；、！？]+")


def build_request(spec: ModelSpec, api_key: str | None, prompt: Prompt) -> tuple[str, dict[str, str], dict[str, Any]]:
    if spec.thinking in ("on", "budget"):
        raise ConfigError(f"model {spec.name}: Kimi's $web_search needs thinking disabled (catalogue thinking = "
                          f"{spec.thinking!r})")
    return chat_request(spec, api_key, prompt, {"tools": [SEARCH_TOOL]})


def search_calls_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``$web_search`` tool calls of a first-pass response (empty when it answered at once)."""
    choice = as_dict((as_list(doc.get("choices")) or [{}])[0])
    if choice.get("finish_reason") != "tool_calls":
        return []
    calls = [as_dict(c) for c in as_list(as_dict(choice.get("message")).get("tool_calls"))]
    return [c for c in calls if as_dict(c.get("function")).get("name") == TOOL_NAME]


def echo_messages(doc: dict[str, Any], calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The assistant turn as returned plus one tool message per call, its arguments unchanged."""
    choice = as_dict(as_list(doc.get("choices"))[0])
    messages: list[dict[str, Any]] = [as_dict(choice.get("message"))]
    for call in calls:
        function = as_dict(call.get("function"))
        messages.append({"role": "tool", "tool_call_id": as_str(call.get("id")) or "", "name": TOOL_NAME,
                         "content": function.get("arguments") if isinstance(function.get("arguments"), str)
                         else json.dumps(function.get("arguments"), ensure_ascii=False)})
    return messages


def named_sources(text: str) -> tuple[list[Source], list[Span]]:
    """The URLs ``text`` names (kind ``named``) and a span per sentence naming one."""
    sources: list[Source] = []
    by_url: dict[str, str] = {}
    spans: list[Span] = []
    for start, end in sentence_bounds(text):
        ids: list[str] = []
        for match in _URL.finditer(text, start, end):
            url = match.group(0).rstrip(".,:;")
            if url not in by_url:
                source = make_source(str(len(sources) + 1), url)
                if source is None:
                    continue
                source.kind = "named"
                sources.append(source)
                by_url[url] = source.id
            if by_url[url] not in ids:
                ids.append(by_url[url])
        if ids:
            spans.append(Span(start=start, end=end, source_ids=ids))
    return sources, spans


def _add_usage(total: Usage, part: Usage) -> Usage:
    def plus(a: int | None, b: int | None) -> int | None:
        return None if a is None and b is None else (a or 0) + (b or 0)

    return msgspec.structs.replace(
        total, input_tokens=plus(total.input_tokens, part.input_tokens),
        output_tokens=plus(total.output_tokens, part.output_tokens),
        reasoning_tokens=plus(total.reasoning_tokens, part.reasoning_tokens),
        cached_input_tokens=plus(total.cached_input_tokens, part.cached_input_tokens))


def finish(doc: dict[str, Any], headers: Any, usage: Usage, searches: int,
           reasoning_in_output: bool = True) -> Completion:
    """The final pass as a Completion: summed usage, the search count, the named sources."""
    completion = parse_response(doc, headers, reasoning_in_output)
    completion.usage = msgspec.structs.replace(_add_usage(usage, completion.usage), search_calls=searches)
    completion.sources, completion.spans = named_sources(completion.text)
    return completion


async def complete(client: httpx.AsyncClient, spec: ModelSpec, api_key: str | None, prompt: Prompt) -> Completion:
    url, headers, body = build_request(spec, api_key, prompt)
    usage = Usage()
    searches = 0
    for _ in range(MAX_PASSES):
        doc, response_headers = await post_chat(client, spec, api_key, url, headers, body)
        calls = search_calls_of(doc)
        if not calls:
            return finish(doc, response_headers, usage, searches, spec.reasoning_in_output)
        searches += len(calls)
        # A tool-call pass is billed (its tokens count) though it has no answer text.
        usage = _add_usage(usage, usage_of(doc.get("usage"), spec.reasoning_in_output))
        body = {**body, "messages": [*body["messages"], *echo_messages(doc, calls)]}
    raise Malformed(f"Kimi asked for $web_search {MAX_PASSES} times without answering")
