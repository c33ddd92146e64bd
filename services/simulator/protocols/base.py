"""What every protocol module provides to the server, and helpers they share."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Any

import msgspec
from aiohttp import web

from services.simulator.answers import Answer
from services.simulator.config import FaultSpec
from services.simulator.errors import Built
from services.simulator.prompts import Prompt


@dataclass(slots=True)
class Call:
    """One provider request, parsed."""

    model: str
    prompt: Prompt
    stream: bool
    seed: int | None
    include_usage: bool = False
    # Gemini streams as SSE only with ?alt=sse; otherwise as one JSON array.
    sse: bool = True
    # The request's output cap (max_tokens / maxOutputTokens), when it set one.
    max_tokens: int | None = None
    # Gemini thinkingConfig: the budget (0 = off, None = dynamic) and whether thoughts are returned.
    thinking_budget: int | None = None
    include_thoughts: bool = False
    # The Chinese engines' search format the request asked for (services/simulator/search/), or None.
    search_dialect: str | None = None
    # The request asked for the engine's web search (its search tool, or Perplexity's
    # web_search_options): the answer comes with that engine's citations (web_search.py).
    search: bool = False


class BadRequest(Exception):
    """The request is malformed for this protocol; rendered in the protocol's error shape."""

    def __init__(self, status: int, code: str | None, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class Protocol:
    name = ""
    request_id_header = "x-request-id"
    sse_content_type = "text/event-stream"

    def auth(self, request: web.Request) -> tuple[str, str | None]:
        """(how the key was sent, the key) — the kind is recorded even when the key is missing."""
        raise NotImplementedError

    def precheck(self, request: web.Request, auth_kind: str, key: str | None, model: str, rid: str) -> Built | None:
        """Auth and header checks, in the order the provider applies them; None when the call may proceed."""
        raise NotImplementedError

    def parse(self, body: Any, request: web.Request) -> Call:
        raise NotImplementedError

    def error(self, status: int | None, code: str | None, message: str | None, model: str, rid: str) -> Built:
        raise NotImplementedError

    def rate_limited(self, fault: FaultSpec, model: str, rid: str) -> Built:
        raise NotImplementedError

    def filtered(self, call: Call, answer: Answer, rid: str, variant: str | None) -> Built:
        raise NotImplementedError

    def success(self, call: Call, answer: Answer, rid: str, created: int, finish: str = "stop") -> dict[str, Any]:
        """The whole answer; `finish` "length" ends it the protocol's stopped-at-the-cap way."""
        raise NotImplementedError

    def empty(self, call: Call, rid: str, created: int) -> dict[str, Any]:
        raise NotImplementedError

    def stream_events(self, call: Call, answer: Answer | None, rid: str, created: int,
                      finish: str) -> list[bytes]:
        """SSE frames for a whole streamed answer. `answer` None streams an empty reply; `finish` is
        "stop", "filter" (the answer is cut short and ends the protocol's content-filter way) or
        "length" (the answer, already cut by the server, ends the stopped-at-the-cap way)."""
        raise NotImplementedError

    def assemble_stream(self, call: Call, frames: list[bytes]) -> tuple[str, list[bytes]]:
        """(content type, frames to write) for a streamed reply."""
        return self.sse_content_type, frames

    def garbage_for(self, call: Call) -> str:
        return '{"id": "' + call.model + '", "object": "chat.compl'


def message_text(content: Any) -> str:
    """Text of a message `content`: a string, or a list of parts with `text`."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def int_or_none(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value)


@functools.lru_cache(maxsize=4096)
def chunk_text(text: str, size: int = 32) -> tuple[str, ...]:
    return tuple(text[i:i + size] for i in range(0, len(text), size)) or ("",)


def truncated_answer(answer: Answer, cap: int | None, thinking_only: bool) -> Answer:
    """`answer` as a model stopped at its output cap would give it.

    `thinking_only`: the whole cap went to reasoning and no text came out (the costly case the
    adapter must not retry at the same budget).
    """
    cap = cap or 2048
    if thinking_only:
        return dataclasses.replace(answer, content="", completion_tokens=0, reasoning_tokens=cap)
    text = partial(answer.content)
    return dataclasses.replace(answer, content=text, completion_tokens=max(1, cap - answer.reasoning_tokens))


def partial(text: str) -> str:
    """The part of an answer a content filter lets through before cutting it."""
    return text[: max(1, len(text) // 3)]


_encode = msgspec.json.Encoder().encode


def sse(payload: Any, event: str | None = None) -> bytes:
    data = b"data: " + _encode(payload) + b"\n\n"
    return (b"event: " + event.encode() + b"\n" + data) if event else data


encode_json = _encode
