"""The HTTP layer every protocol client shares: the pooled client, one POST, one SSE stream.

Errors leave this module already classified (shared.errors): a non-2xx answer through
``classify_http``, a transport failure through ``classify_transport``, a 2xx body that is not
JSON as ``Malformed``. Keys are passed in as ``secrets`` so that no message can echo them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from functools import lru_cache
from importlib import metadata
from typing import Any, NamedTuple

import aiohttp
import httpx
import msgspec
from httpx_aiohttp import HttpxAiohttpClient

from shared.errors import Malformed, ProviderError, classify_http, classify_transport

# Everything a transport can raise while a request is in flight. TimeoutError and the other
# socket errors are OSError subclasses; aiohttp errors normally arrive wrapped by httpx-aiohttp.
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (httpx.HTTPError, aiohttp.ClientError, OSError)

_json = msgspec.json.Encoder()

def _user_agent() -> str:
    try:
        return f"brandlens/{metadata.version('brandlens')}"
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "brandlens"


# The client's default headers. gzip and deflate only: httpx decodes exactly those without
# optional packages (it would offer br/zstd whenever such a package happens to be installed).
_DEFAULT_HEADERS = {
    "accept": "*/*",
    "accept-encoding": "gzip, deflate",
    "user-agent": _user_agent(),
}


def make_http_client(max_connections: int, timeout_s: float) -> httpx.AsyncClient:
    """A pooled client on the aiohttp transport (≈8x the throughput of httpx's own at 32 conns).

    ``HttpxAiohttpClient`` rather than a plain AsyncClient with the transport: it also routes
    proxies from the environment through aiohttp, where a plain client would build httpx's
    slower transport for them.
    """
    return HttpxAiohttpClient(
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        timeout=httpx.Timeout(timeout_s),
        follow_redirects=False,
        headers=_DEFAULT_HEADERS,
    )


@lru_cache(maxsize=256)
def _url(url: str) -> httpx.URL:
    # A model's endpoint URL never changes; parsing it costs more than the rest of the request.
    return httpx.URL(url)


class BufferedResponse(NamedTuple):
    """A finished response, body read and decoded: all a buffered provider call looks at."""

    status_code: int
    headers: Mapping[str, str]  # case-insensitive
    content: bytes


async def send_buffered(
    client: httpx.AsyncClient, url: str, headers: Mapping[str, str], content: bytes, timeout_s: float
) -> BufferedResponse:
    """POST ``content`` with the client's public ``post`` and return the response, body read.

    The client routes the call (proxy mounts from the environment), applies its default headers
    and decodes the body. A direct send to the client's transport saved ~0.08 CPU-ms per cell in
    the adapters (docs/performance.md) but needed httpx's private ``_transport_for_url``:
    upgradability wins over that last few percent.
    """
    response = await client.post(_url(url), headers=headers, content=content, timeout=timeout_s)
    return BufferedResponse(response.status_code, response.headers, response.content)


def _status_ok(status: int) -> bool:
    return 200 <= status < 300


def decode_json(body: bytes, what: str) -> Any:
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise Malformed(f"{what} is not JSON ({len(body)} bytes)") from None


_ANSWER_KEYS = ("choices", "candidates", "content")


def error_in_body(doc: Any) -> bool:
    """A 2xx body that is an error report, not an answer.

    Qianfan documents its rate limits as ``HTTP 200 {"code": 336501, "msg": "Rate limit reached
    for RPM"}`` and gateways relay upstream errors as ``200 {"error": {...}}``; read as answers
    they would be "malformed" and retried at once, which is exactly wrong for a rate limit.
    """
    if not isinstance(doc, dict) or any(key in doc for key in _ANSWER_KEYS):
        return False
    if doc.get("error"):
        return True
    code = doc.get("code")
    return code not in (None, 0, "0", "", "success") and bool(doc.get("msg") or doc.get("message"))


async def post_json(
    client: httpx.AsyncClient,
    protocol: str,
    url: str,
    headers: Mapping[str, str],
    body: Mapping[str, Any],
    timeout_s: float,
    secrets: Iterable[str],
) -> tuple[Any, Mapping[str, str]]:
    """POST ``body`` as JSON and return the decoded 2xx body with the response headers."""
    secrets = tuple(secrets)
    try:
        response = await send_buffered(client, url, headers, _json.encode(body), timeout_s)
    except TRANSPORT_ERRORS as exc:
        raise classify_transport(exc, secrets=secrets) from None
    if not _status_ok(response.status_code):
        raise classify_http(protocol, response.status_code, response.headers, response.content, secrets=secrets)
    doc = decode_json(response.content, "response body")
    if error_in_body(doc):
        raise classify_http(protocol, response.status_code, response.headers, response.content, secrets=secrets)
    return doc, response.headers


@asynccontextmanager
async def open_stream(
    client: httpx.AsyncClient,
    protocol: str,
    url: str,
    headers: Mapping[str, str],
    body: Mapping[str, Any],
    timeout_s: float,
    secrets: Iterable[str],
) -> AsyncIterator[httpx.Response]:
    """POST ``body`` and yield the 2xx streaming response; transport errors while reading map too.

    Leaving the block (normally, by an error, or by cancellation) closes the response, which
    closes the connection when the body was not read to the end: the provider sees the
    disconnect and stops generating.
    """
    secrets = tuple(secrets)
    try:
        async with client.stream(
            "POST", url, content=_json.encode(body), headers=dict(headers), timeout=timeout_s
        ) as response:
            if not _status_ok(response.status_code):
                raw = await response.aread()
                raise classify_http(protocol, response.status_code, response.headers, raw, secrets=secrets)
            yield response
    except ProviderError:
        raise
    except TRANSPORT_ERRORS as exc:
        raise classify_transport(exc, secrets=secrets) from None
