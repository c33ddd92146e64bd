"""One buffered OpenAI-compatible chat call with search fields added: the base of the Zhipu, Kimi,
Qianfan and Hunyuan search dialects, which all ride on ``/chat/completions``.

Search calls are never streamed (even for entries with ``stream = true``): the engines put their
source lists beside the message (Zhipu's top-level ``web_search``, Hunyuan's ``search_info``), and
one JSON body keeps each dialect's parser a pure function of the documented response.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx

from shared.catalogue import ModelSpec
from shared.contracts import Source
from shared.providers import openai_compat
from shared.providers._common import merge_extra, secrets_of
from shared.providers.http import post_json
from shared.providers.search.cjk_spans import mark_kinds, spans_from_markers, strip_markers
from shared.providers.types import Completion, Prompt


def chat_request(spec: ModelSpec, api_key: str | None, prompt: Prompt,
                 search_fields: Mapping[str, Any]) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The entry's usual chat request, unstreamed, with the dialect's search fields merged in."""
    url, headers, body = openai_compat.build_request(spec, api_key, prompt)
    body.pop("stream", None)
    body.pop("stream_options", None)
    return url, headers, merge_extra(body, dict(search_fields))


async def post_chat(client: httpx.AsyncClient, spec: ModelSpec, api_key: str | None, url: str,
                    headers: Mapping[str, str], body: Mapping[str, Any]) -> tuple[dict[str, Any], Mapping[str, str]]:
    doc, response_headers = await post_json(
        client, openai_compat.PROTOCOL, url, headers, body, spec.timeout_s, secrets_of(api_key))
    return (doc if isinstance(doc, dict) else {}), response_headers


def with_marked_sources(completion: Completion, sources: list[Source], marker: re.Pattern[str]) -> Completion:
    """``completion`` with its ``marker``-style references stripped from the text and turned into
    sentence spans over ``sources`` (ids = the marker numbers), each source's kind set, and one
    search counted when the engine returned any source (these engines bill per searching call)."""
    text, markers = strip_markers(completion.text, marker)
    completion.text = text
    completion.spans = spans_from_markers(text, markers, {s.id: s.id for s in sources})
    completion.sources = mark_kinds(sources, completion.spans)
    completion.usage.search_calls = 1 if sources else 0
    return completion
