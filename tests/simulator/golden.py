"""A fixed, varied set of provider requests and the digest of every reply the simulator gives them.

Speed work on the simulator must not change a single byte of what it answers (benchmarks and
tests rely on seeded determinism). `replay()` sends the requests, in order, to a fresh in-process
simulator with a pinned request id and clock, and returns one digest per reply (status, headers
that the simulator chooses, body). `python -m tests.simulator.golden` rewrites the stored digests;
do that only for an intended change of output.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

from aiohttp.test_utils import TestClient, TestServer

from services.simulator.config import FaultSpec, SimulatorConfig
from services.simulator.server import Simulator

DIGESTS = Path(__file__).with_name("golden_digests.json")
_FIXED_NOW = 1_767_225_600.0
# Headers aiohttp fills in from the wall clock or its own version, not chosen by the simulator.
_IGNORED_HEADERS = frozenset({"date", "server"})

_OPENAI_MODELS = ("deepseek-chat", "deepseek-reasoner", "qwen-max", "qwq-32b", "doubao-seed-1-6",
                  "glm-4-plus", "moonshot-v1-8k", "ernie-4.0-8k", "gpt-4o", "sonar-pro", "mystery-model")
_ANTHROPIC_MODELS = ("claude-sonnet-4", "claude-3-5-haiku", "deepseek-chat")
_GEMINI_MODELS = ("gemini-2.5-flash", "gemini-2.0-pro", "qwen-max")
_QUESTIONS = (
    "全屋定制品牌哪家好", "定制衣柜选哪个牌子靠谱", "欧派的口碑怎么样", "橱柜定制推荐哪些品牌",
    "3000元手机品牌推荐", "华为和小米哪个好", "比亚迪、特斯拉、理想怎么选", "20万左右的新能源汽车哪个品牌好",
    "奶粉哪个牌子好", "飞鹤奶粉怎么样", "跑鞋推荐", "NB的鞋子怎么样", "咖啡品牌推荐", "瑞幸和星巴克哪个好",
    "数字化转型咨询公司推荐", "护肤品哪个牌子好", "空调家电品牌推荐", "养生茶品牌推荐", "北京装修公司哪家好",
    "GEO优化服务哪家好", "元若曦怎么样", "介绍一下云杉定制", "今天天气怎么样", "有什么推荐的",
    "汽车改装哪家靠谱", "小米汽车SU7怎么样", "Apple和HUAWEI哪个好", "索菲亚的口碑",
    "请介绍下志邦家居这个品牌口碑",
)
_SELF_REPORT = (
    "\n\n回答完毕后，请另起一行输出一个 JSON 代码块，格式为："
    '{"geo_analysis": {"brand_mentioned": true/false, "rank": 1-10 或 -1, "sentiment": -1.0~1.0, '
    '"cited_sources": [{"url": "", "site_name": "", "attitude": "positive|negative|neutral"}], '
    '"interception": "被推荐替代的竞品名称"}}，其中品牌为 {"name": "欧派"}，竞品为 [{"name": "索菲亚"}]。'
)
_OPENAI_KEY = {"Authorization": "Bearer sk-golden"}
_ANTHROPIC_KEY = {"x-api-key": "sk-ant-golden", "anthropic-version": "2023-06-01"}
_GEMINI_KEY = {"x-goog-api-key": "AIza-golden"}
# (fault rule, requests it applies to): each rule has count=1 so it hits exactly the next request.
_FAULT_ROUNDS: tuple[dict[str, Any], ...] = (
    {"mode": "filter"}, {"mode": "filter", "variant": "dashscope"}, {"mode": "filter", "variant": "ark"},
    {"mode": "filter", "variant": "prompt"}, {"mode": "empty"}, {"mode": "garbage"},
    {"mode": "garbage", "variant": "html"}, {"mode": "status", "code": "insufficient_quota"},
    {"mode": "status", "status": 503}, {"mode": "rate_limit"}, {"mode": "rate_limit", "retry_after_ms": 1500},
    {"mode": "burst", "count": 1},
)

Request = tuple[str, dict[str, str], bytes]


def _question(index: int) -> str:
    """Question `index`: plain, tagged fresh (as the benchmark's are), wrapped or with a self-report ask."""
    base = _QUESTIONS[index % len(_QUESTIONS)]
    shape = index % 5
    if shape == 1:
        return f"{base} #{index}"
    if shape == 2:
        return f"品牌：欧派\n竞争对手：索菲亚, 志邦\n问题：{base}"
    if shape == 3:
        return base + _SELF_REPORT
    if shape == 4:
        return f"{base} #{index} [latency_ms=0]" + _SELF_REPORT
    return base


def _openai(index: int, stream: bool) -> Request:
    model = _OPENAI_MODELS[index % len(_OPENAI_MODELS)]
    messages: list[dict[str, Any]] = [{"role": "user", "content": _question(index)}]
    if index % 3 == 0:
        messages.insert(0, {"role": "system", "content": "你是一个乐于助人的助手。"})
    if index % 7 == 0:
        messages[-1]["content"] = [{"type": "text", "text": _question(index)}]
    body: dict[str, Any] = {"model": model, "messages": messages, "temperature": 0.7}
    if index % 4 == 0:
        body["seed"] = index
    if stream:
        body["stream"] = True
        if index % 2 == 0:
            body["stream_options"] = {"include_usage": True}
    return "/v1/chat/completions", _OPENAI_KEY, json.dumps(body, ensure_ascii=False).encode()


def _anthropic(index: int, stream: bool) -> Request:
    body: dict[str, Any] = {"model": _ANTHROPIC_MODELS[index % len(_ANTHROPIC_MODELS)], "max_tokens": 2048,
                            "messages": [{"role": "user", "content": _question(index)}]}
    if index % 3 == 0:
        body["system"] = "你是一个乐于助人的助手。"
    if index % 4 == 0:
        body["seed"] = index
    if stream:
        body["stream"] = True
    return "/v1/messages", _ANTHROPIC_KEY, json.dumps(body, ensure_ascii=False).encode()


def _gemini(index: int, stream: bool) -> Request:
    model = _GEMINI_MODELS[index % len(_GEMINI_MODELS)]
    body: dict[str, Any] = {"contents": [{"role": "user", "parts": [{"text": _question(index)}]}]}
    if index % 3 == 0:
        body["systemInstruction"] = {"parts": [{"text": "你是一个乐于助人的助手。"}]}
    if index % 4 == 0:
        body["generationConfig"] = {"seed": index}
    method = "streamGenerateContent" if stream else "generateContent"
    path = f"/v1beta/models/{model}:{method}" + ("?alt=sse" if stream and index % 2 == 0 else "")
    return path, _GEMINI_KEY, json.dumps(body, ensure_ascii=False).encode()


def requests() -> Iterator[Request]:
    """Every protocol, streaming and not, seeded and sampled, repeated questions, then bad requests."""
    for index in range(60):
        for build in (_openai, _anthropic, _gemini):
            yield build(index, False)
            yield build(index, True)
    # Repeats of unseeded questions walk through the sample variants.
    for index in range(20):
        yield _openai(5, False)
        yield _anthropic(7, index % 2 == 1)
    anonymous = b'{"model": "deepseek-chat", "messages": [{"role": "user", "content": "x"}]}'
    yield "/v1/chat/completions", {}, anonymous
    yield "/v1/chat/completions", {"Authorization": "Bearer sk-invalid-1"}, b'{"model": "m", "messages": [1]}'
    yield "/v1/chat/completions", _OPENAI_KEY, b"{not json"
    yield "/v1/chat/completions", _OPENAI_KEY, b'{"model": "deepseek-chat", "messages": []}'
    yield "/v1/messages", _ANTHROPIC_KEY, b'{"model": "claude-sonnet-4", "messages": []}'
    yield "/v1/messages", {"x-api-key": "k"}, b'{"model": "claude-sonnet-4", "max_tokens": 1, "messages": []}'
    yield "/v1beta/models/gemini-2.5-flash:countTokens", _GEMINI_KEY, b"{}"
    yield "/v1beta/models/gemini-2.5-flash:generateContent?key=abc", {}, b"{}"


def _faulted() -> Iterator[tuple[dict[str, Any], Request]]:
    """Each fault rule once per protocol and stream mode."""
    for round_index, rule in enumerate(_FAULT_ROUNDS):
        for offset, build in enumerate((_openai, _anthropic, _gemini)):
            for stream in (False, True):
                yield rule, build(round_index * 3 + offset, stream)


def _digest(status: int, headers: Any, body: bytes) -> str:
    kept = sorted((k.lower(), v) for k, v in headers.items() if k.lower() not in _IGNORED_HEADERS)
    hasher = hashlib.sha256(repr((status, kept)).encode())
    hasher.update(body)
    return hasher.hexdigest()[:20]


async def _send(client: TestClient[Any, Any], request: Request) -> str:
    path, headers, body = request
    async with client.post(path, data=body, headers={**headers, "Content-Type": "application/json"}) as reply:
        return _digest(reply.status, reply.headers, await reply.read())


async def replay() -> list[str]:
    """Digests of the replies to `requests()` and then the faulted requests, in order."""
    simulator = Simulator(SimulatorConfig(latency_scale=0.0, seed=3, honour_latency_hints=True))
    simulator._rid_prefix = "5eed5eed"  # pinned so reply ids are reproducible
    digests = []
    with mock.patch.object(time, "time", return_value=_FIXED_NOW):
        async with TestClient(TestServer(simulator.app())) as client:
            for request in requests():
                digests.append(await _send(client, request))
            for rule, request in _faulted():
                simulator.faults.add(FaultSpec(**{"count": 1, **rule}))
                digests.append(await _send(client, request))
    return digests


def main() -> int:
    digests = asyncio.run(replay())
    DIGESTS.write_text(json.dumps(digests, indent=0) + "\n")
    print(f"wrote {len(digests)} digests to {DIGESTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
