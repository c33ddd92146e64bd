"""Measure the simulator's throughput: `python -m services.simulator.loadtest --url http://127.0.0.1:8770`.

Keep-alive aiohttp clients send non-streaming chat completions (the adapters' hot path) for a fixed
time against a simulator started with `--latency-scale 0`, then print requests per second. Bounded
in time and aimed only at the given (local) URL.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

import aiohttp

_QUESTIONS = ("全屋定制品牌哪家好", "3000元手机品牌推荐", "欧派的口碑怎么样", "20万左右的新能源汽车哪个品牌好",
              "养生茶品牌推荐", "北京装修公司哪家好", "咖啡品牌推荐", "护肤品哪个牌子好")
_MODELS = ("deepseek-chat", "qwen-max", "doubao-seed-1-6", "glm-4")


async def _worker(session: aiohttp.ClientSession, url: str, deadline: float, index: int, counts: list[int]) -> None:
    n = index
    while time.monotonic() < deadline:
        body = {"model": _MODELS[n % len(_MODELS)],
                "messages": [{"role": "user", "content": _QUESTIONS[n % len(_QUESTIONS)]}]}
        async with session.post(url, json=body, headers={"Authorization": "Bearer sk-load"}) as response:
            await response.read()
            counts[0 if response.status == 200 else 1] += 1
        n += 1


async def run(base_url: str, seconds: float, connections: int) -> tuple[int, int, float]:
    url = base_url.rstrip("/") + "/v1/chat/completions"
    counts = [0, 0]
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(*(_worker(session, url, deadline, i, counts) for i in range(connections)))
        elapsed = time.monotonic() - started
    return counts[0], counts[1], elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.simulator.loadtest")
    parser.add_argument("--url", default="http://127.0.0.1:8770")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args(argv)
    ok, failed, elapsed = asyncio.run(run(args.url, min(args.seconds, 60.0), args.connections))
    print(f"{ok} ok, {failed} failed in {elapsed:.1f}s: {(ok + failed) / elapsed:.0f} requests/s")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
