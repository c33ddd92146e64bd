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
from httpx_aiohttp.transport import AiohttpTransport, map_aiohttp_exceptions

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


# What httpx's client would add to every request; the direct send below adds them itself.
# gzip and deflate only: httpx decodes exactly those without optional packages.
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
    )


@lru_cache(maxsize=256)
def _url(url: str) -> httpx.URL:
    # A model's endpoint URL never changes; parsing it costs more than the rest of the request.
    return httpx.URL(url)


@lru_cache(maxsize=64)
def _timeout(timeout_s: float) -> dict[str, float | None]:
    return httpx.Timeout(timeout_s).as_dict()


@lru_cache(maxsize=64)
def _aiohttp_timeout(timeout_s: float) -> aiohttp.ClientTimeout:
    # The same mapping httpx-aiohttp applies to httpx's timeouts (connect, read, pool).
    timeout = _timeout(timeout_s)
    return aiohttp.ClientTimeout(sock_connect=timeout.get("connect"), sock_read=timeout.get("read"),
                                 connect=timeout.get("pool"))


class BufferedResponse(NamedTuple):
    """A finished response, body read and decoded: all a buffered provider call looks at."""

    status_code: int
    headers: Mapping[str, str]  # case-insensitive
    content: bytes


async def send_buffered(
    client: httpx.AsyncClient, url: str, headers: Mapping[str, str], content: bytes, timeout_s: float
) -> BufferedResponse:
    """POST ``content`` through the client's transport and return the response, body read.

    The client's own ``send`` runs cookie extraction (http.cookiejar), auth and redirect
    generators, event hooks and URL merging on every call: ≈40% of an adapter's CPU per cell at
    a zero-latency provider (docs/performance.md). A provider API call needs none of them —
    keys travel in headers, redirects are not followed, cookies are not kept — so the request
    goes straight to the transport the client would have picked for the URL (its proxy mounts
    included), with the same timeouts. Transport errors are raised exactly as the client raises them.
    """
    # The client's own routing (proxy mounts from the environment); private but stable since
    # httpx 0.18, and httpx is pinned.
    transport = client._transport_for_url(_url(url))
    if isinstance(transport, AiohttpTransport):
        return await _send_on_aiohttp(transport, url, headers, content, timeout_s)
    request = httpx.Request(
        "POST", _url(url), headers={**_DEFAULT_HEADERS, **headers}, content=content,
        extensions={"timeout": _timeout(timeout_s)},
    )
    response = await transport.handle_async_request(request)
    try:
        await response.aread()
    finally:
        await response.aclose()
    return BufferedResponse(response.status_code, response.headers, response.content)


async def _send_on_aiohttp(
    transport: AiohttpTransport, url: str, headers: Mapping[str, str], content: bytes, timeout_s: float
) -> BufferedResponse:
    """What httpx-aiohttp's ``handle_async_request`` does, minus the httpx Request and Response.

    Converting to httpx's models and back (header normalisation, a byte stream with decoders)
    was a third of the adapter's remaining CPU per cell; a buffered call only needs the status,
    the headers and the decoded body, which aiohttp gives directly. Proxy settings and
    exception mapping are the transport's own, so errors reach ``classify_transport`` as before.
    """
    if not isinstance(transport.client, aiohttp.ClientSession):
        transport.client = transport.get_client()
    proxy = transport.proxy
    with map_aiohttp_exceptions():
        async with transport.client.post(
            url, data=content, headers={**_DEFAULT_HEADERS, **headers}, allow_redirects=False,
            timeout=_aiohttp_timeout(timeout_s),
            proxy=str(proxy.url) if proxy else None,
            proxy_auth=aiohttp.BasicAuth(*proxy.auth) if proxy and proxy.auth else None,
            proxy_headers=proxy.headers if proxy else None,
        ) as response:
            body = await response.read()
            return BufferedResponse(response.status, response.headers, body)


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
