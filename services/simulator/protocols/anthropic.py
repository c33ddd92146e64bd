"""Anthropic Messages API (`POST /v1/messages`)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from services.simulator.answers import Answer
from services.simulator.config import FaultSpec
from services.simulator.errors import Built, anthropic_error, retry_headers
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
from services.simulator.protocols.openai_compat import is_invalid_key

PATHS = ("/v1/messages",)


class Anthropic(Protocol):
    name = "anthropic"
    request_id_header = "request-id"

    def auth(self, request: web.Request) -> tuple[str, str | None]:
        key = request.headers.get("x-api-key")
        if key is not None:
            return "x-api-key", key
        # The official SDK sends `Authorization: Bearer` when given an auth token, and the API
        # accepts it; only a request with neither is unauthenticated.
        header = request.headers.get("Authorization", "")
        if header[:7].lower() == "bearer ":
            return "bearer", header[7:].strip() or None
        return "none", None

    def precheck(self, request: web.Request, auth_kind: str, key: str | None, model: str, rid: str) -> Built | None:
        if not key:
            return anthropic_error(401, "authentication_error", "x-api-key header is required", model, rid)
        if is_invalid_key(key):
            return anthropic_error(401, "authentication_error", "invalid x-api-key", model, rid)
        if not request.headers.get("anthropic-version"):
            return anthropic_error(400, "invalid_request_error", "anthropic-version: header is required", model, rid)
        return None

    def parse(self, body: Any, request: web.Request) -> Call:
        if not isinstance(body, dict):
            raise BadRequest(400, "invalid_request_error", "Request body must be a JSON object")
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise BadRequest(400, "invalid_request_error", "model: Field required")
        if int_or_none(body.get("max_tokens")) is None:
            raise BadRequest(400, "invalid_request_error", "max_tokens: Field required")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise BadRequest(400, "invalid_request_error", "messages: Field required")
        user: list[str] = []
        other: list[str] = []
        for message in messages:
            if not isinstance(message, dict):
                raise BadRequest(400, "invalid_request_error", "messages.0: Input should be a valid dictionary")
            text = message_text(message.get("content"))
            (user if message.get("role") == "user" else other).append(text)
        system = message_text(body.get("system"))
        return Call(
            model=model,
            prompt=parse_prompt([system] if system else [], user, other),
            stream=bool(body.get("stream")),
            # Not part of the Messages API; honoured so tests can pin a sample.
            seed=int_or_none(body.get("seed")),
            max_tokens=int_or_none(body.get("max_tokens")),
            search=any(str(tool.get("type", "")).startswith("web_search_") for tool in web_search.tools_of(body)),
        )

    def error(self, status: int | None, code: str | None, message: str | None, model: str, rid: str) -> Built:
        return anthropic_error(status, code, message, model, rid)

    def rate_limited(self, fault: FaultSpec, model: str, rid: str) -> Built:
        status, body, _ = anthropic_error(429, fault.code or "rate_limit_error", fault.message, model, rid)
        headers = retry_headers(fault.retry_after_s, fault.retry_after_ms)
        headers["anthropic-ratelimit-requests-remaining"] = "0"
        return status, body, headers

    def _message(self, call: Call, rid: str, text: str | None, stop_reason: str,
                 output_tokens: int) -> dict[str, Any]:
        return {
            "id": f"msg_{rid}",
            "type": "message",
            "role": "assistant",
            "model": call.model,
            "content": [] if text is None else [{"type": "text", "text": text}],
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": estimate_tokens(call.prompt.input_bytes), "output_tokens": output_tokens,
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0},
        }

    def filtered(self, call: Call, answer: Answer, rid: str, variant: str | None) -> Built:
        text = partial(answer.content)
        return 200, self._message(call, rid, text, "refusal", estimate_tokens(len(text.encode()))), {}

    def success(self, call: Call, answer: Answer, rid: str, created: int, finish: str = "stop") -> dict[str, Any]:
        stop_reason = "max_tokens" if finish == "length" else "end_turn"
        output = answer.completion_tokens + (answer.reasoning_tokens if finish == "length" else 0)
        message = self._message(call, rid, answer.content or None, stop_reason, output)
        if call.search and finish != "length":
            message["content"] = web_search.anthropic_content(web_search.plan(answer, call.prompt.question), rid)
            message["usage"]["server_tool_use"] = {"web_search_requests": 1}
        return message

    def empty(self, call: Call, rid: str, created: int) -> dict[str, Any]:
        return self._message(call, rid, None, "end_turn", 0)

    def stream_events(self, call: Call, answer: Answer | None, rid: str, created: int,
                      finish: str) -> list[bytes]:
        start = self._message(call, rid, None, "", 1)
        start["stop_reason"] = None
        frames = [sse({"type": "message_start", "message": start}, "message_start")]
        output_tokens = 0
        if answer is not None:
            text = partial(answer.content) if finish == "filter" else answer.content
            output_tokens = estimate_tokens(len(text.encode()))
            if finish == "length":
                output_tokens = answer.completion_tokens + answer.reasoning_tokens
            frames.append(sse({"type": "content_block_start", "index": 0,
                               "content_block": {"type": "text", "text": ""}}, "content_block_start"))
            frames.append(sse({"type": "ping"}, "ping"))
            frames.extend(
                sse({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}},
                    "content_block_delta")
                for piece in chunk_text(text)
            )
            frames.append(sse({"type": "content_block_stop", "index": 0}, "content_block_stop"))
        stop_reason = {"filter": "refusal", "length": "max_tokens"}.get(finish, "end_turn")
        frames.append(sse({"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                           "usage": {"output_tokens": output_tokens}}, "message_delta"))
        frames.append(sse({"type": "message_stop"}, "message_stop"))
        return frames

    def garbage_for(self, call: Call) -> str:
        return '{"id": "msg_' + call.model + '", "type": "mess'
