"""OpenAI Responses API (`POST /v1/responses`), buffered; with the web_search tool it searches.

Auth and error bodies are the chat completions' (the same platform). A request whose ``tools``
hold ``{type: "web_search"}`` (or the older ``web_search_preview``) gets a ``web_search_call``
item and ``url_citation`` annotations on the sentences that name brands (web_search.py); without
it, a plain message. Streaming is not simulated: brandlens reads this API buffered only.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from services.simulator.answers import Answer
from services.simulator.errors import Built
from services.simulator.prompts import estimate_tokens, parse_prompt
from services.simulator.protocols import web_search
from services.simulator.protocols.base import BadRequest, Call, int_or_none, message_text, partial
from services.simulator.protocols.openai_compat import OpenAICompatible

PATHS = ("/v1/responses", "/responses")
SEARCH_TOOLS = frozenset({"web_search", "web_search_preview", "web_search_2025_08_26"})


class OpenAIResponses(OpenAICompatible):
    name = "openai-responses"

    def parse(self, body: Any, request: web.Request) -> Call:
        if not isinstance(body, dict):
            raise BadRequest(400, None, "We could not parse the JSON body of your request.")
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise BadRequest(400, None, "Missing required parameter: 'model'.")
        if body.get("stream"):
            raise BadRequest(400, None, "stream: the simulator serves the Responses API buffered only.")
        items = body.get("input")
        user: list[str] = []
        other: list[str] = []
        if isinstance(items, str):
            user.append(items)
        elif isinstance(items, list) and items:
            for item in items:
                if not isinstance(item, dict):
                    raise BadRequest(400, None, "Invalid type for 'input[0]': expected an object.")
                (user if item.get("role") == "user" else other).append(message_text(item.get("content")))
        else:
            raise BadRequest(400, None, "Missing required parameter: 'input'.")
        instructions = body.get("instructions")
        return Call(
            model=model,
            prompt=parse_prompt([instructions] if isinstance(instructions, str) and instructions else [], user,
                                other),
            stream=False,
            seed=int_or_none(body.get("seed")),
            max_tokens=int_or_none(body.get("max_output_tokens")),
            search=any(tool.get("type") in SEARCH_TOOLS for tool in web_search.tools_of(body)),
        )

    def _response(self, call: Call, rid: str, output: list[dict[str, Any]], text: str, status: str = "completed",
                  reason: str | None = None) -> dict[str, Any]:
        prompt_tokens = estimate_tokens(call.prompt.input_bytes)
        output_tokens = estimate_tokens(len(text.encode())) if text else 0
        return {
            "id": f"resp_{rid}", "object": "response", "created_at": int(time.time()), "status": status,
            "incomplete_details": {"reason": reason} if reason else None, "error": None, "model": call.model,
            "output": output,
            "usage": {"input_tokens": prompt_tokens, "input_tokens_details": {"cached_tokens": 0},
                      "output_tokens": output_tokens, "output_tokens_details": {"reasoning_tokens": 0},
                      "total_tokens": prompt_tokens + output_tokens},
        }

    def success(self, call: Call, answer: Answer, rid: str, created: int, finish: str = "stop") -> dict[str, Any]:
        incomplete = ("incomplete", "max_output_tokens") if finish == "length" else ("completed", None)
        if call.search and finish != "length":
            search = web_search.plan(answer, call.prompt.question)
            return self._response(call, rid, web_search.responses_output(search, rid), search.text)
        output = [web_search.message_item(answer.content, rid, [])] if answer.content else []
        return self._response(call, rid, output, answer.content, *incomplete)

    def filtered(self, call: Call, answer: Answer, rid: str, variant: str | None) -> Built:
        text = partial(answer.content)
        return 200, self._response(call, rid, [web_search.message_item(text, rid, [])], text, "incomplete",
                                   "content_filter"), {}

    def empty(self, call: Call, rid: str, created: int) -> dict[str, Any]:
        return self._response(call, rid, [], "")

    def stream_events(self, call: Call, answer: Answer | None, rid: str, created: int,
                      finish: str) -> list[bytes]:
        # Unreachable by construction, not a missing feature: parse() answers a streamed request 400
        # and every Call it builds has stream=False, so the server never asks for events.
        raise AssertionError("the Responses endpoint is buffered only: parse() rejects stream=true")

    def garbage_for(self, call: Call) -> str:
        return '{"id": "resp_' + call.model + '", "object": "respo'
