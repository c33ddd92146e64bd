"""What a provider client is asked (Prompt) and what it answers (Completion)."""

from __future__ import annotations

import msgspec

from shared.contracts import Citation, Source, Span, Usage


class Prompt(msgspec.Struct, kw_only=True, frozen=True):
    """One single-turn question; ``None`` limits fall back to the model's catalogue entry."""

    user: str
    system: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    # Ask with the engine's web search on (the model's catalogue `search` dialect, issue #18).
    search: bool = False


# finish_reason / stop_reason / finishReason values meaning "stopped at the output-token cap".
LENGTH_REASONS = frozenset({"length", "max_tokens", "MAX_TOKENS", "model_context_window_exceeded"})


class Completion(msgspec.Struct, kw_only=True):
    """A provider's answer, normalised across protocols.

    ``truncated`` answers stopped at the output-token cap; their text may be empty when the whole
    budget went to reasoning (it is still a paid answer, never retried at the same budget).
    """

    text: str
    truncated: bool = False
    reasoning: str | None = None
    finish_reason: str | None = None
    usage: Usage = msgspec.field(default_factory=Usage)
    provider_request_id: str | None = None
    citations: list[Citation] = []
    # Search-grounded answers (issue #18): the engine's sources and the spans of ``text`` they
    # back, in character offsets of ``text`` (each search dialect converts its own offsets).
    sources: list[Source] = []
    spans: list[Span] = []
    # The model that actually answered, as the provider names it (aliases resolve to versions).
    model: str | None = None
