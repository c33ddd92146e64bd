"""Gemini `generateContent` / `streamGenerateContent` (key in the x-goog-api-key header only)."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from services.simulator.answers import Answer
from services.simulator.config import FaultSpec
from services.simulator.errors import Built, gemini_error, gemini_invalid_key, retry_headers
from services.simulator.prompts import estimate_tokens, parse_prompt
from services.simulator.protocols import web_search
from services.simulator.protocols.base import (
    BadRequest,
    Call,
    Protocol,
    chunk_text,
    encode_json,
    int_or_none,
    message_text,
    partial,
    sse,
)
from services.simulator.protocols.openai_compat import is_invalid_key

PATHS = ("/v1beta/models/{target}", "/v1/models/{target}")

KEY_IN_URL_MESSAGE = (
    "API keys must be sent in the x-goog-api-key header, not in the URL (?key=): URLs are written to access "
    "logs and proxies, so a key in the query string leaks."
)

_BLOCKED_RATINGS = [
    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True},
]


class Gemini(Protocol):
    name = "gemini"
    request_id_header = "x-request-id"

    def auth(self, request: web.Request) -> tuple[str, str | None]:
        if "key" in request.query:
            return "query", request.query.get("key")
        key = request.headers.get("x-goog-api-key")
        return ("x-goog-api-key", key) if key is not None else ("none", None)

    def precheck(self, request: web.Request, auth_kind: str, key: str | None, model: str, rid: str) -> Built | None:
        if auth_kind == "query":
            return gemini_error(400, "INVALID_ARGUMENT", KEY_IN_URL_MESSAGE, model)
        if not key:
            return gemini_error(401, "UNAUTHENTICATED", None, model)
        if is_invalid_key(key):
            return gemini_invalid_key()
        return None

    def parse(self, body: Any, request: web.Request) -> Call:
        target = request.match_info.get("target", "")
        model, _, method = target.partition(":")
        if method not in ("generateContent", "streamGenerateContent"):
            raise BadRequest(404, "NOT_FOUND", f"Method not found: {method or target}")
        if not isinstance(body, dict):
            raise BadRequest(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        contents = body.get("contents")
        if not isinstance(contents, list) or not contents:
            raise BadRequest(400, "INVALID_ARGUMENT", "* GenerateContentRequest.contents: contents is not specified")
        user: list[str] = []
        other: list[str] = []
        for content in contents:
            if not isinstance(content, dict):
                raise BadRequest(400, "INVALID_ARGUMENT", "Invalid value at 'contents[0]'")
            text = message_text(content.get("parts"))
            (other if content.get("role") == "model" else user).append(text)
        instruction = body.get("systemInstruction") or body.get("system_instruction")
        system = message_text(instruction.get("parts")) if isinstance(instruction, dict) else ""
        generation = _field(body, "generationConfig")
        generation = generation if isinstance(generation, dict) else {}
        thinking = _field(generation, "thinkingConfig")
        thinking = thinking if isinstance(thinking, dict) else {}
        return Call(
            model=model.removeprefix("models/"),
            prompt=parse_prompt([system] if system else [], user, other),
            stream=method == "streamGenerateContent",
            seed=int_or_none(generation.get("seed")),
            sse=request.query.get("alt") == "sse",
            max_tokens=int_or_none(_field(generation, "maxOutputTokens")),
            thinking_budget=int_or_none(_field(thinking, "thinkingBudget")),
            include_thoughts=bool(_field(thinking, "includeThoughts")),
            search=any("googleSearch" in tool or "google_search" in tool for tool in web_search.tools_of(body)),
        )

    def error(self, status: int | None, code: str | None, message: str | None, model: str, rid: str) -> Built:
        return gemini_error(status, code, message, model)

    def rate_limited(self, fault: FaultSpec, model: str, rid: str) -> Built:
        headers = retry_headers(fault.retry_after_s, fault.retry_after_ms)
        delay = f"{int(headers['Retry-After'])}s"
        per = "Day" if fault.variant == "daily" else "Minute"
        status, body, _ = gemini_error(429, fault.code or "RESOURCE_EXHAUSTED", fault.message, model, [
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{
                "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                "quotaId": f"GenerateRequestsPer{per}PerProjectPerModel-FreeTier",
                "quotaDimensions": {"location": "global", "model": model}}]},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}])
        return status, body, headers

    def _usage(self, call: Call, output_tokens: int, thoughts: int = 0) -> dict[str, Any]:
        # candidatesTokenCount excludes thinking; thoughtsTokenCount is reported beside it and
        # totalTokenCount adds both (ai.google.dev/api/generate-content#UsageMetadata).
        prompt = estimate_tokens(call.prompt.input_bytes)
        usage: dict[str, Any] = {"promptTokenCount": prompt, "totalTokenCount": prompt + output_tokens + thoughts}
        if output_tokens:
            usage["candidatesTokenCount"] = output_tokens
        if thoughts:
            usage["thoughtsTokenCount"] = thoughts
        return usage

    def _response(self, call: Call, rid: str, candidate: dict[str, Any] | None, output_tokens: int,
                  thoughts: int = 0, **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if candidate is not None:
            body["candidates"] = [candidate]
        body.update(extra)
        body["usageMetadata"] = self._usage(call, output_tokens, thoughts)
        body["modelVersion"] = call.model
        body["responseId"] = rid
        return body

    def _candidate(self, text: str | None, finish: str | None, answer: Answer | None,
                   thought: str | None = None) -> dict[str, Any]:
        candidate: dict[str, Any] = {}
        parts: list[dict[str, Any]] = []
        if thought:
            parts.append({"text": thought, "thought": True})
        if text:
            parts.append({"text": text})
        if parts:
            candidate["content"] = {"parts": parts, "role": "model"}
        elif text is not None:  # stopped before any text: the API sends the role alone
            candidate["content"] = {"role": "model"}
        if finish is not None:
            candidate["finishReason"] = finish
        candidate["index"] = 0
        if answer is not None and answer.sources and finish == "STOP":
            candidate["groundingMetadata"] = _grounding(answer)
        return candidate

    def filtered(self, call: Call, answer: Answer, rid: str, variant: str | None) -> Built:
        if variant == "prompt":
            return 200, self._response(call, rid, None, 0, promptFeedback={
                "blockReason": "SAFETY", "safetyRatings": _BLOCKED_RATINGS}), {}
        candidate = {"finishReason": "SAFETY", "index": 0, "safetyRatings": _BLOCKED_RATINGS}
        return 200, self._response(call, rid, candidate, 0), {}

    def success(self, call: Call, answer: Answer, rid: str, created: int, finish: str = "stop") -> dict[str, Any]:
        answer, thoughts, finish_reason = _think(call, answer, finish)
        summary = _thought_summary(call, thoughts)
        if call.search and finish_reason == "STOP":
            search = web_search.plan(answer, call.prompt.question)
            candidate = self._candidate(search.text, finish_reason, None, summary)
            candidate["groundingMetadata"] = web_search.gemini_grounding(search)
            return self._response(call, rid, candidate, answer.completion_tokens, thoughts)
        candidate = self._candidate(answer.content, finish_reason, answer if _grounded(call) else None, summary)
        return self._response(call, rid, candidate, answer.completion_tokens, thoughts)

    def empty(self, call: Call, rid: str, created: int) -> dict[str, Any]:
        return self._response(call, rid, {"finishReason": "STOP", "index": 0}, 0)

    def stream_events(self, call: Call, answer: Answer | None, rid: str, created: int,
                      finish: str) -> list[bytes]:
        if answer is None:
            return [self._frame(call, self.empty(call, rid, created))]
        answer, thoughts, finish_reason = _think(call, answer, "length" if finish == "length" else "stop")
        text = partial(answer.content) if finish == "filter" else answer.content
        pieces = chunk_text(text, 96)
        frames = []
        summary = _thought_summary(call, thoughts)
        if summary:
            frames.append(self._frame(call, self._response(call, rid, self._candidate(None, None, None, summary), 0,
                                                           thoughts)))
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            if not last:
                body = self._response(call, rid, self._candidate(piece, None, None), 0, thoughts)
            elif finish == "filter":
                candidate = self._candidate(piece, "SAFETY", None)
                candidate["safetyRatings"] = _BLOCKED_RATINGS
                body = self._response(call, rid, candidate, estimate_tokens(len(text.encode())))
            else:
                grounded = answer if _grounded(call) and finish_reason == "STOP" else None
                body = self._response(call, rid, self._candidate(piece, finish_reason, grounded),
                                      answer.completion_tokens, thoughts)
            frames.append(self._frame(call, body))
        return frames

    def _frame(self, call: Call, body: dict[str, Any]) -> bytes:
        # With ?alt=sse Google sends SSE events; without it, elements of one JSON array (joined by the server).
        return sse(body).replace(b"\n\n", b"\r\n\r\n") if call.sse else encode_json(body)

    def assemble_stream(self, call: Call, frames: list[bytes]) -> tuple[str, list[bytes]]:
        if call.sse:
            return self.sse_content_type, frames
        return "application/json", [b"[" + b",\r\n".join(frames) + b"]"]

    def garbage_for(self, call: Call) -> str:
        return '{"candidates": [{"content": {"parts": [{"text": "'


def _grounded(call: Call) -> bool:
    return call.model.lower().startswith("gemini")


THINKING_PREFIXES = ("gemini-2.5", "gemini-3")
_REDIRECT = "https://vertexaisearch.cloud.google.com/grounding-api-redirect/"


def _think(call: Call, answer: Answer, finish: str) -> tuple[Answer, int, str]:
    """(answer as the cap leaves it, thoughtsTokenCount, finishReason) for this request.

    2.5 models think by default (a dynamic budget) unless thinkingBudget is 0, and
    maxOutputTokens caps thinking and answer together: a cap the thinking nearly fills cuts the
    answer (finishReason MAX_TOKENS), as the real API does.
    """
    if finish == "length":  # a truncate fault: the server already cut the answer
        return answer, answer.reasoning_tokens, "MAX_TOKENS"
    if not call.model.lower().startswith(THINKING_PREFIXES) or call.thinking_budget == 0:
        return answer, 0, "STOP"
    wanted = 300 + answer.completion_tokens // 2
    thoughts = wanted if call.thinking_budget in (None, -1) else min(wanted, call.thinking_budget)
    cap = call.max_tokens
    if cap is None or thoughts + answer.completion_tokens <= cap:
        return answer, thoughts, "STOP"
    thoughts = min(thoughts, cap)
    room = cap - thoughts
    if room <= 0:
        return dataclasses.replace(answer, content="", completion_tokens=0), thoughts, "MAX_TOKENS"
    keep = max(1, len(answer.content) * room // max(1, answer.completion_tokens))
    return dataclasses.replace(answer, content=answer.content[:keep], completion_tokens=room), thoughts, "MAX_TOKENS"


def _thought_summary(call: Call, thoughts: int) -> str | None:
    # Thought summaries come back only with includeThoughts (parts flagged "thought": true).
    return "**Weighing the options**\n\nComparing the brands the question names." if thoughts and \
        call.include_thoughts else None


def _grounding(answer: Answer) -> dict[str, Any]:
    # Grounding chunk URIs are Google redirect links; the cited site's domain is in `title`.
    return {
        "webSearchQueries": [answer.search_query],
        "groundingChunks": [{"web": {"uri": _REDIRECT + _redirect_token(s.url), "title": _domain(s.url)}}
                            for s in answer.sources],
        "searchEntryPoint": {"renderedContent": "<div class=\"container\">"
                                                + "".join(f"<a href=\"{s.url}\">{s.site_name}</a>"
                                                          for s in answer.sources) + "</div>"},
    }


def _field(obj: dict[str, Any], camel: str) -> Any:
    """A request field in either spelling: proto3 JSON parsers accept lowerCamelCase and the
    proto's snake_case name, and google-genai sends thinkingConfig's fields snake_cased."""
    if camel in obj:
        return obj[camel]
    return obj.get("".join(f"_{c.lower()}" if c.isupper() else c for c in camel))


def _redirect_token(url: str) -> str:
    return "AUZIYQ" + hashlib.sha256(url.encode()).hexdigest()[:40]


def _domain(url: str) -> str:
    return (urlsplit(url).hostname or url).removeprefix("www.")
