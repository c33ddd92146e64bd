"""The parts of one answer as every provider's client normalises them: billed usage, citations,
sources with the spans that cite them, and a sanitised error.

Separate from the messages because the protocol clients (shared/providers) build these parts
and the report reads them, independently of how a CellResult travels.
"""

from __future__ import annotations

from typing import Literal

import msgspec


class Usage(msgspec.Struct, kw_only=True):
    """Tokens one call was billed for, normalised across providers (each client maps its fields).

    ``input_tokens`` is every input token, cached ones included; ``cached_input_tokens`` and
    ``cache_write_tokens`` are parts of it. ``output_tokens`` is every output token, reasoning
    included (Gemini's thoughtsTokenCount and xAI's reasoning_tokens are added to it);
    ``reasoning_tokens`` is the part of it spent thinking.
    """

    input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    cached_input_tokens: int | None = None
    cache_write_tokens: int | None = None
    # Web searches the engine ran (and bills per search) for this answer; None: search was off
    # or the engine does not say.
    search_calls: int | None = None


class Citation(msgspec.Struct, kw_only=True):
    url: str
    title: str | None = None
    # The cited site's domain when the URL does not show it: Gemini grounding links all point at
    # vertexaisearch.cloud.google.com/grounding-api-redirect/…, the site is in the chunk's title.
    site: str | None = None


Surface = Literal["api", "api+search"]
SourceKind = Literal["cited", "retrieved", "named"]


class Source(msgspec.Struct, kw_only=True):
    """One source of an answer, normalised across engines (issue #18).

    ``cited``: a span of the answer points at it; ``retrieved``: the engine consulted it but no
    span cites it; ``named``: only named in the answer text (a URL or a platform written out).
    ``domain`` is the real site (for Gemini's redirect links, taken from the chunk's title).
    """

    id: str
    url: str = ""
    domain: str = ""
    title: str = ""
    site_name: str = ""
    kind: SourceKind = "cited"


class Span(msgspec.Struct, kw_only=True):
    """A stretch of the answer and the sources that back it, in *character* offsets of ``answer``.

    Engines that report UTF-8 byte offsets (Gemini) or markers ([n], [ref_n], ^[n]^) are converted
    into this one shape by their client, so attribution never needs to know the engine.
    """

    start: int
    end: int
    source_ids: list[str] = []


class ErrorInfo(msgspec.Struct, kw_only=True):
    """A failure as it may travel on the bus: sanitised and capped, never an exception repr."""

    error_class: str
    message: str
    http_status: int | None = None
    provider_code: str | None = None
