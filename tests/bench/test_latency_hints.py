"""The simulator's latency hints: a question can set the latency it is answered with (benchmarks)."""

from __future__ import annotations

import time

import httpx
import pytest

from services.simulator.config import SimulatorConfig
from services.simulator.latency import latency_hint_seconds
from services.simulator.server import start_simulator

pytestmark = pytest.mark.bench  # behind a marker: `make test-fast` skips it

HEADERS = {"Authorization": "Bearer sk-test-0001"}


def _body(model: str, question: str) -> dict[str, object]:
    return {"model": model, "messages": [{"role": "user", "content": question}]}


class TestHintParsing:
    def test_unnamed_marker_applies_to_every_model(self) -> None:
        """`[latency_ms=N]` gives N ms (as seconds) whatever the model."""
        assert latency_hint_seconds("手机推荐 [latency_ms=250]", "qwen-max") == 0.25
        assert latency_hint_seconds("手机推荐 [latency_ms=12.5]", "glm-4") == 0.0125

    def test_named_marker_wins_for_its_model_only(self) -> None:
        """`[latency_ms:MODEL=N]` applies to that model id and beats an unnamed marker; others ignore it."""
        text = "手机推荐 [latency_ms:deepseek-chat=300][latency_ms:qwen-max=40][latency_ms=7]"
        assert latency_hint_seconds(text, "deepseek-chat") == 0.3
        assert latency_hint_seconds(text, "qwen-max") == 0.04
        assert latency_hint_seconds(text, "glm-4") == 0.007
        assert latency_hint_seconds("手机推荐 [latency_ms:qwen-max=40]", "glm-4") is None

    def test_text_without_a_marker_has_no_hint(self) -> None:
        """Ordinary questions, and malformed markers, carry no hint."""
        assert latency_hint_seconds("手机推荐", "qwen-max") is None
        assert latency_hint_seconds("[latency_ms=abc] [latency_ms=-5]", "qwen-max") is None


class TestServedLatency:
    async def test_hinted_question_is_answered_after_the_hinted_time(self) -> None:
        """With honour_latency_hints the call takes at least the hinted time, per model."""
        runner, port = await start_simulator("127.0.0.1", 0, SimulatorConfig(latency_scale=0,
                                                                              honour_latency_hints=True))
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
                question = "全屋定制品牌哪家好 [latency_ms:deepseek-chat=300][latency_ms:qwen-max=0]"
                started = time.perf_counter()
                slow = await http.post("/v1/chat/completions", json=_body("deepseek-chat", question), headers=HEADERS)
                slow_s = time.perf_counter() - started
                started = time.perf_counter()
                fast = await http.post("/v1/chat/completions", json=_body("qwen-max", question), headers=HEADERS)
                fast_s = time.perf_counter() - started
        finally:
            await runner.cleanup()
        assert slow.status_code == fast.status_code == 200
        assert slow.json()["choices"][0]["message"]["content"]
        assert slow_s >= 0.3 and fast_s < 0.25

    async def test_hints_are_ignored_unless_enabled(self) -> None:
        """By default a marker is just text: the model's own latency (here zero) applies."""
        runner, port = await start_simulator("127.0.0.1", 0, SimulatorConfig(latency_scale=0))
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
                started = time.perf_counter()
                response = await http.post("/v1/chat/completions",
                                           json=_body("qwen-max", "手机推荐 [latency_ms=2000]"), headers=HEADERS)
                elapsed = time.perf_counter() - started
        finally:
            await runner.cleanup()
        assert response.status_code == 200 and elapsed < 1.5
