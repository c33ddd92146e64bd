"""Web-search dialects (issue #18): how each engine turns search on and returns its citations.

One module per dialect, each with ``complete(client, spec, api_key, prompt) -> Completion`` that
builds the engine's documented search request and parses its citations into the one normalised
shape (``Completion.sources`` / ``Completion.spans`` in character offsets of the text, and
``Usage.search_calls``). A catalogue entry names its dialect in ``search``; models without one are
rejected when a request asks for search (never silently run without it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

from shared.catalogue import ModelSpec
from shared.providers.search import anthropic_web_search, gemini_google_search, openai_responses, perplexity
from shared.providers.types import Completion, Prompt

SearchClient = Callable[[httpx.AsyncClient, ModelSpec, str | None, Prompt], Awaitable[Completion]]

# dialect name (catalogue `search`) -> client; each dialect module adds its own line here.
DIALECTS: dict[str, SearchClient] = {}
DIALECTS[openai_responses.DIALECT] = openai_responses.complete
DIALECTS[anthropic_web_search.DIALECT] = anthropic_web_search.complete
DIALECTS[gemini_google_search.DIALECT] = gemini_google_search.complete
DIALECTS[perplexity.DIALECT] = perplexity.complete

from shared.providers.search.chinese import CHINESE_DIALECTS  # noqa: E402 - needs SearchClient above

DIALECTS.update(CHINESE_DIALECTS)

__all__ = ["DIALECTS", "SearchClient"]
