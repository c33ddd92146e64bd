"""The execution models brandlens replaces, run against the same simulator in the same bench run.

- **serial** — the replaced system: one cell after another, each call building a new HTTP client
  and a new event loop (`asyncio.run` per call inside a worker thread). This is the anti-pattern
  brandlens exists to remove (docs/architecture.md: one long-lived loop per process); it appears
  here only as a measured baseline and nowhere else in the code base.
- **global pool** — promptfoo's model: one pool of N concurrent calls shared by every model, cells
  taken in submission order, so a slow provider's cells hold slots a fast provider could use.
"""

from __future__ import annotations

import asyncio
import time

import httpx

HEADERS = {"Authorization": "Bearer sk-bench-0001"}


def _body(provider_model: str, question: str) -> dict[str, object]:
    return {"model": provider_model, "messages": [{"role": "user", "content": question}], "max_tokens": 2048}


async def _call_with_fresh_client(url: str, provider_model: str, question: str) -> int:
    async with httpx.AsyncClient(timeout=120) as http:
        response = await http.post(f"{url}/v1/chat/completions", json=_body(provider_model, question),
                                   headers=HEADERS)
        return response.status_code


def _serial_in_thread(url: str, cells: list[tuple[str, str]]) -> list[int]:
    # The measured anti-pattern: a fresh event loop per call (see the module docstring).
    return [asyncio.run(_call_with_fresh_client(url, model, question)) for model, question in cells]


async def serial(url: str, cells: list[tuple[str, str]]) -> tuple[float, list[int]]:
    """Seconds to run `cells` ((provider model, question) pairs) one after another, and statuses."""
    started = time.perf_counter()
    statuses = await asyncio.to_thread(_serial_in_thread, url, cells)
    return time.perf_counter() - started, statuses


async def global_pool(url: str, cells: list[tuple[str, str]], size: int) -> tuple[float, list[int]]:
    """Seconds to run `cells` in order through one pool of `size` concurrent calls, and statuses."""
    limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
    slots = asyncio.Semaphore(size)
    async with httpx.AsyncClient(timeout=120, limits=limits) as http:

        async def one(model: str, question: str) -> int:
            async with slots:
                response = await http.post(f"{url}/v1/chat/completions", json=_body(model, question),
                                           headers=HEADERS)
                return response.status_code

        started = time.perf_counter()
        # Tasks are created in submission order and the semaphore wakes waiters first-in first-out.
        statuses = await asyncio.gather(*(one(m, q) for m, q in cells))
        return time.perf_counter() - started, list(statuses)
