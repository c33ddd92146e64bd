"""Search on ``/chat/completions``: Zhipu's web_search tool, Kimi's builtin ``$web_search`` (two
passes), Qianfan's ``web_search`` object and Hunyuan's ``enable_enhancement``, each answered in the
shape its provider documents (see shared/providers/search/ for the pages)."""

from __future__ import annotations

import json
from typing import Any

from services.simulator.answers import Answer
from services.simulator.protocols.base import BadRequest, Call
from services.simulator.search import citing, with_markers

KIMI_TOOL = "$web_search"


def _tools(body: dict[str, Any]) -> list[dict[str, Any]]:
    tools = body.get("tools")
    return [t for t in tools if isinstance(t, dict)] if isinstance(tools, list) else []


def flavour_of(body: dict[str, Any]) -> str | None:
    """Which search the request asks for (None: none); malformed search requests are rejected as the
    provider rejects them."""
    for tool in _tools(body):
        if tool.get("type") == "web_search":
            options = tool.get("web_search")
            if not isinstance(options, dict):
                raise BadRequest(400, "invalid_tool", "web_search tool requires web_search object")
            return "glm" if options.get("enable") else None
        function = tool.get("function")
        if tool.get("type") == "builtin_function" and isinstance(function, dict) and function.get("name") == KIMI_TOOL:
            return "kimi-answer" if _check_echo(body) else "kimi-search"
    web_search = body.get("web_search")
    if isinstance(web_search, dict) and web_search.get("enable"):
        return "qianfan"
    if body.get("enable_enhancement"):
        return "hunyuan"
    return None


def _check_echo(body: dict[str, Any]) -> bool:
    """True when the conversation already holds the $web_search result; its content must be the
    arguments this simulator issued, unchanged (Moonshot reads the search id from them)."""
    raw = body.get("messages")
    messages: list[Any] = raw if isinstance(raw, list) else []
    echoed = [m for m in messages if isinstance(m, dict) and m.get("role") == "tool" and m.get("name") == KIMI_TOOL]
    for message in echoed:
        try:
            arguments = json.loads(message.get("content") or "")
        except (TypeError, ValueError):
            arguments = None
        if not isinstance(arguments, dict) or "search_result" not in arguments:
            raise BadRequest(400, "invalid_request_error",
                             "tool message content must be the $web_search arguments returned, unchanged")
    return bool(echoed)


def decorate(body: dict[str, Any], call: Call, answer: Answer) -> dict[str, Any]:
    """A plain chat completion ``body`` rewritten into ``call.search_dialect``'s search answer."""
    flavour = call.search_dialect
    cited = citing(answer, call.prompt.question)
    message = body["choices"][0]["message"]
    if flavour == "kimi-search":
        arguments = json.dumps({"search_result": {"search_id": f"sim-{abs(hash(call.prompt.question)) % 10**8}"},
                                "usage": {"total_tokens": 1200}})
        message.update(content="", tool_calls=[{"index": 0, "id": "$web_search-0", "type": "builtin_function",
                                                "function": {"name": KIMI_TOOL, "arguments": arguments}}])
        body["choices"][0]["finish_reason"] = "tool_calls"
        return body
    if flavour == "kimi-answer":
        # No structured list: the sources are named in the sentences they back.
        message["content"] = with_markers(cited, lambda n: f"（来源：{cited.sources[n - 1].url}）")
        return body
    results = list(enumerate(cited.sources, 1))
    if flavour == "glm":
        message["content"] = with_markers(cited, lambda n: f"[ref_{n}]")
        body["web_search"] = [{"title": s.title, "link": s.url, "content": s.title, "media": s.site_name,
                               "icon": "", "refer": f"ref_{i}", "publish_date": s.date} for i, s in results]
    elif flavour == "qianfan":
        message["content"] = with_markers(cited, lambda n: f"^[{n}]^")
        body["search_results"] = [{"index": i, "url": s.url, "title": s.title, "date": s.date} for i, s in results]
    elif flavour == "hunyuan":
        message["content"] = with_markers(cited, lambda n: f"[^{n}]")
        body["search_info"] = {"search_results": [{"index": i, "title": s.title, "url": s.url, "icon": "",
                                                   "text": s.title} for i, s in results]}
    return body
