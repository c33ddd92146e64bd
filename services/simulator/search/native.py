"""The two search endpoints that are not chat completions: Volcengine Ark's Responses API
(``/api/v3/responses``, Doubao) and DashScope's native generation API (Qwen), each a protocol of
its own with the OpenAI-compatible front door (Bearer key, OpenAI-shaped errors)."""

from __future__ import annotations

from typing import Any

from services.simulator.answers import Answer
from services.simulator.errors import Built, openai_error
from services.simulator.prompts import estimate_tokens, parse_prompt
from services.simulator.protocols.base import BadRequest, Call, int_or_none, message_text
from services.simulator.protocols.openai_compat import OpenAICompatible
from services.simulator.search import citing, with_markers

ARK_PATH = "/api/v3/responses"
DASHSCOPE_PATH = "/api/v1/services/aigc/text-generation/generation"


def _messages_call(model: Any, messages: Any, max_tokens: int | None, dialect: str) -> Call:
    if not isinstance(model, str) or not model:
        raise BadRequest(400, None, "you must provide a model parameter")
    if isinstance(messages, str):
        messages = [{"role": "user", "content": messages}]
    if not isinstance(messages, list) or not messages:
        raise BadRequest(400, None, "input messages must be a non-empty array")
    system = [message_text(m.get("content")) for m in messages if isinstance(m, dict) and m.get("role") == "system"]
    user = [message_text(m.get("content")) for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    return Call(model=model, prompt=parse_prompt(system, user, []), stream=False, seed=None,
                max_tokens=max_tokens, search_dialect=dialect)


def _tokens(call: Call, answer: Answer) -> tuple[int, int]:
    return estimate_tokens(call.prompt.input_bytes), answer.completion_tokens


class ArkResponses(OpenAICompatible):
    name = "ark-responses"

    def parse(self, body: Any, request: Any) -> Call:
        if not isinstance(body, dict):
            raise BadRequest(400, None, "We could not parse the JSON body of your request.")
        searching = any(isinstance(t, dict) and t.get("type") == "web_search" for t in body.get("tools") or [])
        return _messages_call(body.get("model"), body.get("input"), int_or_none(body.get("max_output_tokens")),
                              "ark" if searching else "ark-plain")

    def filtered(self, call: Call, answer: Answer, rid: str, variant: str | None) -> Built:
        return openai_error(400, "SensitiveContentDetected", None, call.model)

    def success(self, call: Call, answer: Answer, rid: str, created: int, finish: str = "stop") -> dict[str, Any]:
        cited = citing(answer, call.prompt.question)
        searched = call.search_dialect == "ark"
        annotations = [{"type": "url_citation", "start_index": start, "end_index": end,
                        "url": cited.sources[index].url, "title": cited.sources[index].title}
                       for start, end, index in cited.sentences] if searched else []
        output: list[dict[str, Any]] = [{"type": "web_search_call", "id": f"ws_{rid}", "status": "completed",
                                         "action": {"type": "search", "query": call.prompt.question[:40]}}] * searched
        output.append({"type": "message", "id": f"msg_{rid}", "role": "assistant", "status": "completed",
                       "content": [{"type": "output_text", "text": cited.text, "annotations": annotations}]})
        prompt_tokens, completion_tokens = _tokens(call, answer)
        return {"id": f"resp_{rid}", "object": "response", "created_at": created, "model": call.model,
                "status": "incomplete" if finish == "length" else "completed",
                "incomplete_details": {"reason": "max_output_tokens"} if finish == "length" else None,
                "error": None, "output": output,
                "usage": {"input_tokens": prompt_tokens, "output_tokens": completion_tokens,
                          "total_tokens": prompt_tokens + completion_tokens,
                          "output_tokens_details": {"reasoning_tokens": 0}}}

    def empty(self, call: Call, rid: str, created: int) -> dict[str, Any]:
        return {"id": f"resp_{rid}", "object": "response", "model": call.model, "status": "completed", "output": []}


class DashScopeNative(OpenAICompatible):
    name = "dashscope-native"

    def parse(self, body: Any, request: Any) -> Call:
        if not isinstance(body, dict):
            raise BadRequest(400, "InvalidParameter", "Request body is not valid JSON.")
        raw_parameters, raw_input = body.get("parameters"), body.get("input")
        parameters: dict[str, Any] = raw_parameters if isinstance(raw_parameters, dict) else {}
        inputs: dict[str, Any] = raw_input if isinstance(raw_input, dict) else {}
        searching = bool(parameters.get("enable_search"))
        return _messages_call(body.get("model"), inputs.get("messages"), int_or_none(parameters.get("max_tokens")),
                              "dashscope" if searching else "dashscope-plain")

    def filtered(self, call: Call, answer: Answer, rid: str, variant: str | None) -> Built:
        return 400, {"code": "DataInspectionFailed", "message": "Output data may contain inappropriate content.",
                     "request_id": rid}, {}

    def success(self, call: Call, answer: Answer, rid: str, created: int, finish: str = "stop") -> dict[str, Any]:
        cited = citing(answer, call.prompt.question)
        searched = call.search_dialect == "dashscope"
        content = with_markers(cited, lambda n: f"[ref_{n}]") if searched else cited.text
        output: dict[str, Any] = {"choices": [{"finish_reason": finish, "message": {
            "role": "assistant", "content": content}}]}
        prompt_tokens, completion_tokens = _tokens(call, answer)
        usage: dict[str, Any] = {"input_tokens": prompt_tokens, "output_tokens": completion_tokens,
                                 "total_tokens": prompt_tokens + completion_tokens}
        if searched:
            output["search_info"] = {"search_results": [
                {"site_name": s.site_name, "icon": "", "index": i, "title": s.title, "url": s.url}
                for i, s in enumerate(cited.sources, 1)]}
            usage["plugins"] = {"search": {"count": 1, "strategy": "turbo"}}
        return {"output": output, "usage": usage, "request_id": rid}

    def empty(self, call: Call, rid: str, created: int) -> dict[str, Any]:
        return {"output": {"choices": []}, "usage": {}, "request_id": rid}


def add_routes(app: Any, endpoint: Any) -> None:
    """Register the native search endpoints on the simulator's app (``endpoint(protocol)`` → handler)."""
    app.router.add_post(ARK_PATH, endpoint(ArkResponses()))
    app.router.add_post(DASHSCOPE_PATH, endpoint(DashScopeNative()))
