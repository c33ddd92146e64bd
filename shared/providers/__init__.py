"""Provider protocol clients: one call in, one Completion or one classified ProviderError out.

    client = make_http_client(max_connections=spec.concurrency, timeout_s=spec.timeout_s)
    completion = await complete(client, spec, api_key, Prompt(user="..."))

No retries happen here (the adapter owns the single retry layer). ``spec.timeout_s`` bounds
the whole call, streaming included; the caller may wrap the call in a shorter
``asyncio.timeout`` for the cell's deadline, and cancelling the awaiting task closes the
HTTP request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx

from shared.catalogue import ModelSpec
from shared.errors import ConfigError, ProviderTimeout
from shared.providers import anthropic, gemini, openai_compat, search
from shared.providers.http import make_http_client
from shared.providers.types import Completion, Prompt

_Client = Callable[[httpx.AsyncClient, ModelSpec, str | None, Prompt], Awaitable[Completion]]
CLIENTS: dict[str, _Client] = {
    "openai": openai_compat.complete,
    "anthropic": anthropic.complete,
    "gemini": gemini.complete,
}


async def complete(client: httpx.AsyncClient, spec: ModelSpec, api_key: str | None, prompt: Prompt) -> Completion:
    """Ask ``spec``'s model one question; raises a ProviderError subclass on any failure."""
    if prompt.search:
        if spec.search is None or spec.search not in search.DIALECTS:
            raise ConfigError(f"model {spec.name} has no web search dialect (catalogue `search` = {spec.search!r})")
        call = search.DIALECTS[spec.search]
    else:
        found = CLIENTS.get(spec.protocol)
        if found is None:
            raise ConfigError(f"unknown protocol {spec.protocol!r} for model {spec.name}")
        call = found
    try:
        # httpx's timeouts bound each read; this bounds the whole call (a slow drip of stream
        # chunks could otherwise run for ever).
        async with asyncio.timeout(spec.timeout_s):
            return await call(client, spec, api_key, prompt)
    except TimeoutError:
        raise ProviderTimeout(f"no complete answer within {spec.timeout_s:g}s") from None


__all__ = ["CLIENTS", "Completion", "Prompt", "complete", "make_http_client"]
