"""Measure the simulator's throughput: `python -m services.simulator.loadtest --url http://127.0.0.1:8770`.

Keep-alive aiohttp clients send non-streaming chat completions (the adapters' hot path) for a fixed
time against a simulator started with `--latency-scale 0`, then print requests per second. Bounded
in time and aimed only at the given (local) URL.

`--workload fresh` sends what the pipeline benchmark sends: distinct questions, each asked
`--samples` times of every model, so answers are mostly composed rather than served from the cache.
`--sim-pid` adds the simulator process's own CPU per request (from /proc), which is the number that
matters when the load generator shares the cores with it.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp

_QUESTIONS = ("全屋定制品牌哪家好", "3000元手机品牌推荐", "欧派的口碑怎么样", "20万左右的新能源汽车哪个品牌好",
              "养生茶品牌推荐", "北京装修公司哪家好", "咖啡品牌推荐", "护肤品哪个牌子好")
_MODELS = ("deepseek-chat", "qwen-max", "doubao-seed-1-6", "glm-4")
# The pipeline benchmark's topics and models (bench/workload.py, bench/overhead.py).
_FRESH_TOPICS = ("全屋定制品牌哪家好", "定制衣柜选哪个牌子靠谱", "欧派的口碑怎么样", "橱柜定制推荐哪些品牌")
_FRESH_MODELS = ("deepseek-chat", "qwen-max")

Body = dict[str, object]


def repeated_bodies() -> Iterator[Body]:
    """A small fixed set of questions over and over: measures the answer cache's hit path."""
    for n in itertools.count():
        yield {"model": _MODELS[n % len(_MODELS)],
               "messages": [{"role": "user", "content": _QUESTIONS[n % len(_QUESTIONS)]}]}


def fresh_bodies(samples: int) -> Iterator[Body]:
    """Distinct questions, each sent `samples` times to every model, as the benchmark's cells are."""
    tag = os.urandom(3).hex()
    for n in itertools.count():
        question_index, rest = divmod(n, samples * len(_FRESH_MODELS))
        question = f"{_FRESH_TOPICS[question_index % len(_FRESH_TOPICS)]} {tag}-#{question_index + 1}"
        yield {"model": _FRESH_MODELS[rest % len(_FRESH_MODELS)], "max_tokens": 4096, "temperature": 0.7,
               "messages": [{"role": "user", "content": question}]}


async def _worker(session: aiohttp.ClientSession, url: str, deadline: float, bodies: Iterator[Body],
                  counts: list[int]) -> None:
    # One shared iterator: workers take the next body in turn, so the order of questions is global.
    for body in bodies:
        if time.monotonic() >= deadline:
            return
        async with session.post(url, json=body, headers={"Authorization": "Bearer sk-load"}) as response:
            await response.read()
            counts[0 if response.status == 200 else 1] += 1


async def run(base_url: str, seconds: float, connections: int,
              bodies: Iterator[Body] | None = None) -> tuple[int, int, float]:
    url = base_url.rstrip("/") + "/v1/chat/completions"
    counts = [0, 0]
    source = bodies if bodies is not None else repeated_bodies()
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(*(_worker(session, url, deadline, source, counts) for _ in range(connections)))
        elapsed = time.monotonic() - started
    return counts[0], counts[1], elapsed


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (fields 14 and 15 of /proc/<pid>/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name may contain spaces; the fields after its closing parenthesis do not.
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.simulator.loadtest")
    parser.add_argument("--url", default="http://127.0.0.1:8770")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workload", choices=("repeat", "fresh"), default="repeat")
    parser.add_argument("--samples", type=int, default=20, help="fresh workload: samples per question and model")
    parser.add_argument("--sim-pid", type=int, default=None, help="report this process's CPU per request")
    args = parser.parse_args(argv)
    make: Callable[[], Iterator[Body]] = (
        (lambda: fresh_bodies(args.samples)) if args.workload == "fresh" else repeated_bodies)
    cpu_before = cpu_seconds(args.sim_pid) if args.sim_pid else 0.0
    ok, failed, elapsed = asyncio.run(run(args.url, min(args.seconds, 60.0), args.connections, make()))
    print(f"{ok} ok, {failed} failed in {elapsed:.1f}s: {(ok + failed) / elapsed:.0f} requests/s")
    if args.sim_pid:
        cpu = cpu_seconds(args.sim_pid) - cpu_before
        print(f"simulator CPU: {cpu:.2f}s = {cpu * 1000 / max(ok + failed, 1):.3f} CPU-s per 1,000 requests")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
