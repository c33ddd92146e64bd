"""OpenAI-compatible chat completions (OpenAI, DeepSeek, DashScope, Ark, Zhipu, Kimi, Perplexity)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from services.simulator.answers import Answer
from services.simulator.config import FaultSpec
from services.simulator.errors import Built, openai_error, openai_missing_key, retry_headers
from services.simulator.prompts import estimate_tokens, parse_prompt
from services.simulator.protocols import web_search
from services.simulator.protocols.base import (
    BadRequest,
    Call,
    Protocol,
    chunk_text,
    int_or_none,
    message_text,
    partial,
    sse,
)
from services.simulator.search import chat as search_chat

PATHS = (
    "/v1/chat/completions",
    "/chat/completions",
    "/compatible-mode/v1/chat/completions",  # DashScope (Qwen)
    "/api/v3/chat/completions",  # Volcengine Ark (Doubao)
    "/api/paas/v4/chat/completions",  # Zhipu (GLM)
)

_SYSTEM_ROLES = frozenset({"system", "developer"})


def is_invalid_key(key: str) -> bool:
    return key == "invalid" or key.startswith("sk-invalid")


class OpenAICompatible(Protocol):
    name = "openai"
    request_id_header = "x-request-id"

    def auth(self, request: web.Request) -> tuple[str, str | None]:
        header = request.headers.get("Authorization", "")
        if header[:7].lower() == "bearer ":
            return "bearer", header[7:].strip() or None
        return "none", None

    def precheck(self, request: web.Request, auth_kind: str, key: str | None, model: str, rid: str) -> Built | None:
        if key is None:
            return openai_missing_key()
        if is_invalid_key(key):
            return openai_error(401, "invalid_api_key", None, model)
        return None

    def parse(self, body: Any, request: web.Request) -> Call:
        if not isinstance(body, dict):
            raise BadRequest(400, None, "We could not parse the JSON body of your request.")
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise BadRequest(400, None, "you must provide a model parameter")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise BadRequest(400, None, "'messages' is a required property and must be a non-empty array")
        system: list[str] = []
        user: list[str] = []
        other: list[str] = []
        for message in messages:
            if not isinstance(message, dict):
                raise BadRequest(400, None, "Invalid type for 'messages': expected an object.")
            role = message.get("role")
            text = message_text(message.get("content"))
            (system if role in _SYSTEM_ROLES else user if role == "user" else other).append(text)
        options = body.get("stream_options")
        return Call(
            model=model,
            prompt=parse_prompt(system, user, other),
            stream=bool(body.get("stream")),
            seed=int_or_none(body.get("seed")),
            include_usage=isinstance(options, dict) and bool(options.get("include_usage")),
            max_tokens=int_or_none(body.get("max_completion_tokens")) or int_or_none(body.get("max_tokens")),
            search_dialect=search_chat.flavour_of(body),
            # Perplexity searches always; brandlens' search dialect sends its (documented) options.
            search=isinstance(body.get("web_search_options"), dict),
        )

    def error(self, status: int | None, code: str | None, message: str | None, model: str, rid: str) -> Built:
        return openai_error(status, code, message, model)

    def rate_limited(self, fault: FaultSpec, model: str, rid: str) -> Built:
        if fault.variant == "qianfan":
            # Qianfan documents its RPM limit as HTTP 200 with X-Ratelimit-* headers and no reset.
            return 200, {"code": 336501, "msg": fault.message or "Rate limit reached for RPM"}, {
                "X-Ratelimit-Limit-Requests": "300", "X-Ratelimit-Remaining-Requests": "0"}
        if fault.variant == "gateway":
            # A gateway relaying upstream throttling as 200 {"error": {...}}.
            return 200, {"error": {"message": fault.message or "upstream rate limit, retry later",
                                   "type": "upstream_error", "code": None}}, {}
        status, body, _ = openai_error(429, fault.code or "rate_limit_exceeded", fault.message, model)
        headers = retry_headers(fault.retry_after_s, fault.retry_after_ms)
        headers["x-ratelimit-remaining-requests"] = "0"
        headers["x-ratelimit-reset-requests"] = f"{int(headers['retry-after-ms'])}ms"
        return status, body, headers

    def filtered(self, call: Call, answer: Answer, rid: str, variant: str | None) -> Built:
        if variant == "dashscope":
            return 400, {
                "error": {"code": "data_inspection_failed", "param": None,
                          "message": "Output data may contain inappropriate content. For details, see: "
                                     "https://help.aliyun.com/zh/model-studio/error-code#inappropriate-content",
                          "type": "data_inspection_failed"},
                "id": f"chatcmpl-{rid}", "request_id": rid,
            }, {}
        if variant == "ark":
            return 400, {"error": {
                "code": "SensitiveContentDetected",
                "message": f"The request failed because the input text may contain sensitive information. "
                           f"Request id: {rid}",
                "param": "", "type": "BadRequest",
            }}, {}
        body = self._completion(call, partial(answer.content), answer, rid, 0, "content_filter")
        return 200, body, {}

    def _usage(self, call: Call, answer: Answer | None, content: str) -> dict[str, Any]:
        prompt_tokens = estimate_tokens(call.prompt.input_bytes)
        if answer is None:
            completion = reasoning = 0
        else:
            reasoning = answer.reasoning_tokens or _hidden_reasoning(call, answer)
            whole = content is answer.content
            completion = answer.completion_tokens if whole else estimate_tokens(len(content.encode()))
            if not _reasoning_beside(call):
                completion += reasoning
        usage: dict[str, Any] = {"prompt_tokens": prompt_tokens, "completion_tokens": completion,
                                 "total_tokens": prompt_tokens + completion + (reasoning if _reasoning_beside(call)
                                                                              else 0)}
        if reasoning:
            usage["completion_tokens_details"] = {"reasoning_tokens": reasoning}
        return usage

    def _completion(self, call: Call, content: str, answer: Answer, rid: str, created: int,
                    finish: str) -> dict[str, Any]:
        # `refusal` is a required (nullable) field of ChatCompletionMessage in OpenAI's schema.
        message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
        if answer.reasoning:
            message["reasoning_content"] = answer.reasoning
        body: dict[str, Any] = {
            "id": f"chatcmpl-{rid}",
            "object": "chat.completion",
            "created": created,
            "model": call.model,
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
            "usage": self._usage(call, answer, content),
            "system_fingerprint": "fp_brandlens_sim",
        }
        if call.model.lower().startswith("sonar") and call.search and finish == "stop":
            message["content"], fields = web_search.perplexity_fields(web_search.plan(answer, call.prompt.question))
            body.update(fields)
            body["usage"]["num_search_queries"] = 1
            body["usage"]["search_context_size"] = "low"
        elif call.model.lower().startswith("sonar"):
            body.update(_perplexity_extras(answer))
        return body

    def success(self, call: Call, answer: Answer, rid: str, created: int, finish: str = "stop") -> dict[str, Any]:
        body = self._completion(call, answer.content, answer, rid, created, finish)
        return search_chat.decorate(body, call, answer) if call.search_dialect else body

    def empty(self, call: Call, rid: str, created: int) -> dict[str, Any]:
        return {"id": f"chatcmpl-{rid}", "object": "chat.completion", "created": created, "model": call.model,
                "choices": [], "usage": self._usage(call, None, ""), "system_fingerprint": "fp_brandlens_sim"}

    def stream_events(self, call: Call, answer: Answer | None, rid: str, created: int,
                      finish: str) -> list[bytes]:
        head = {"id": f"chatcmpl-{rid}", "object": "chat.completion.chunk", "created": created,
                "model": call.model, "system_fingerprint": "fp_brandlens_sim"}
        extras = _perplexity_extras(answer) if answer and call.model.lower().startswith("sonar") else {}

        def chunk(delta: dict[str, Any], finish_reason: str | None) -> bytes:
            return sse({**head, **extras, "choices": [
                {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]})

        frames = [chunk({"role": "assistant", "content": ""}, None)]
        content = ""
        if answer is not None:
            for piece in chunk_text(answer.reasoning) if answer.reasoning else ():
                frames.append(chunk({"reasoning_content": piece}, None))
            content = partial(answer.content) if finish == "filter" else answer.content
            frames.extend(chunk({"content": piece}, None) for piece in chunk_text(content))
        frames.append(chunk({}, {"filter": "content_filter", "length": "length"}.get(finish, "stop")))
        if call.include_usage:
            frames.append(sse({**head, "choices": [], "usage": self._usage(call, answer, content)}))
        frames.append(b"data: [DONE]\n\n")
        return frames


def _reasoning_beside(call: Call) -> bool:
    """xAI reports reasoning_tokens beside completion_tokens, not inside it (docs.x.ai, and
    Vertex AI's Grok reasoning page: "separate from completion_tokens")."""
    return call.model.lower().startswith("grok")


def _hidden_reasoning(call: Call, answer: Answer) -> int:
    """Reasoning tokens of a model that reasons without returning the text (Grok 4)."""
    if not call.model.lower().startswith("grok-4") or not answer.content:
        return 0
    return 200 + answer.completion_tokens // 2


def _perplexity_extras(answer: Answer) -> dict[str, Any]:
    return {
        "citations": [source.url for source in answer.sources],
        "search_results": [{"title": s.title, "url": s.url, "date": s.date} for s in answer.sources],
    }
