"""Server-sent events from an httpx response, per the WHATWG event-stream rules we rely on.

Providers differ in small ways (Anthropic names events, OpenAI-compatible servers do not,
some send ``data:`` without a space, some end lines with CRLF), so the parser is tolerant and
yields (event, data) once per blank-line-terminated block.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx


class SSEEvent:
    __slots__ = ("data", "event")

    def __init__(self, event: str, data: str) -> None:
        self.event = event
        self.data = data


async def iter_sse(response: httpx.Response) -> AsyncIterator[SSEEvent]:
    event = ""
    data: list[str] = []
    async for line in response.aiter_lines():
        line = line.rstrip("\r")
        if not line:
            if data:
                yield SSEEvent(event or "message", "\n".join(data))
            event, data = "", []
            continue
        if line.startswith(":"):  # comment / keep-alive
            continue
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "data":
            data.append(value)
        elif field == "event":
            event = value
    if data:  # a stream cut without its final blank line still delivers its last event
        yield SSEEvent(event or "message", "\n".join(data))
