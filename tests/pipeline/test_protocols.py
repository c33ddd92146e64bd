"""Every wire format the adapters speak, through the whole pipeline: Anthropic Messages, Gemini
generateContent and OpenAI-compatible chat completions over server-sent events.

One diagnosis asks all three on a stack of their own (per-role NATS users, as `brandlens up` runs
them); the simulator's request log proves how each call was made.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.catalogue import ModelSpec, load_catalogue
from shared.client import BrandlensClient
from shared.report import Report
from tests.conftest import wait_ready
from tests.harness import TEST_CATALOGUE, Harness

MODELS = ["sim-claude", "sim-gemini", "sim-stream"]
QUESTIONS = ["全屋定制品牌哪家好", "{brand}的口碑怎么样", "定制衣柜选哪个牌子靠谱"]
# How each protocol must carry the key (the simulator records it per request).
AUTH = {"sim-claude": "x-api-key", "sim-gemini": "x-goog-api-key", "sim-stream": "bearer"}
CATALOGUE = load_catalogue(TEST_CATALOGUE, {"BRANDLENS_SIMULATOR_URL": "http://x"})


def spec(model: str) -> ModelSpec:
    found = CATALOGUE.get(model)
    assert found is not None and found.price is not None, f"{model} must be priced in {TEST_CATALOGUE.name}"
    return found


@dataclass
class ProtocolRun:
    harness: Harness
    report: Report
    # The simulator's per-request log, by catalogue model name.
    calls: dict[str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
async def protocol_run() -> AsyncIterator[ProtocolRun]:
    root = Path(tempfile.mkdtemp(prefix="brandlens-protocols-"))
    harness = Harness(root, auth=True)
    try:
        harness.start_stack(MODELS)
        await wait_ready(harness, MODELS)
        assert harness.nats is not None
        async with await BrandlensClient.connect(harness.nats.url, settings=harness.settings()) as client:
            report = await client.run({
                "brand": {"name": "欧派", "aliases": ["OPPEIN"]},
                "competitors": [{"name": "索菲亚", "aliases": ["SOGAL"]}, {"name": "志邦", "aliases": []}],
                "questions": QUESTIONS, "models": MODELS, "samples": 1, "deadline_s": 60,
            }, timeout_s=60)
        async with httpx.AsyncClient(base_url=harness.simulator_url, timeout=5) as sim:
            calls = {
                model: (await sim.get("/_sim/requests", params={"model": spec(model).model})).json()
                for model in MODELS
            }
        yield ProtocolRun(harness, report, calls)
    finally:
        harness.close()


class TestEveryProtocolEndToEnd:
    async def test_run_completes_with_every_cell_answered_once(self, protocol_run: ProtocolRun) -> None:
        """3 questions × 3 protocols: the run is complete, every cell ok after exactly one call."""
        report = protocol_run.report
        assert report.status == "complete" and report.reason is None
        assert len(report.cells) == 9 and {c.status for c in report.cells} == {"ok"}
        assert all(c.attempts == 1 for c in report.cells)

    @pytest.mark.parametrize("model", MODELS)
    async def test_simulator_saw_one_successful_call_per_cell(self, protocol_run: ProtocolRun, model: str) -> None:
        """Each model was called once per cell, every call answered 200 — none cut off or retried."""
        calls = protocol_run.calls[model]
        assert len(calls) == len(QUESTIONS)
        assert [c["status"] for c in calls] == [200] * len(QUESTIONS), calls

    @pytest.mark.parametrize("model", MODELS)
    async def test_key_travels_the_way_the_protocol_requires(self, protocol_run: ProtocolRun, model: str) -> None:
        """Anthropic sends x-api-key, OpenAI-compatible a bearer token, Gemini x-goog-api-key — never ?key=."""
        assert {c["auth"] for c in protocol_run.calls[model]} == {AUTH[model]}

    @pytest.mark.parametrize("model", MODELS)
    async def test_only_the_streaming_entry_streams(self, protocol_run: ProtocolRun, model: str) -> None:
        """The catalogue's `stream` flag decides the call: SSE for sim-stream, one JSON body otherwise."""
        assert {c["stream"] for c in protocol_run.calls[model]} == {spec(model).stream}

    @pytest.mark.parametrize("model", MODELS)
    async def test_answer_usage_and_cost_are_recorded(self, protocol_run: ProtocolRun, model: str) -> None:
        """Each cell keeps a non-empty answer, a finish reason, token usage, and cost = usage × price."""
        price = spec(model).price
        assert price is not None
        cells = [c for c in protocol_run.report.cells if c.model == model]
        assert len(cells) == len(QUESTIONS)
        for cell in cells:
            assert cell.answer.strip() and cell.finish_reason and cell.latency_ms is not None
            assert cell.usage.input_tokens and cell.usage.output_tokens
            expected = (cell.usage.input_tokens * price.input_per_mtok
                        + cell.usage.output_tokens * price.output_per_mtok) / 1e6
            assert cell.cost == pytest.approx(expected, abs=1e-8) and cell.currency == price.currency
        (line,) = [line for line in protocol_run.report.cost.by_model if line.model == model]
        assert line.amount == pytest.approx(sum(c.cost or 0.0 for c in cells))
        assert line.priced_cells == len(QUESTIONS) and line.unpriced_cells == 0

    async def test_report_carries_the_analysis_of_every_answer(self, protocol_run: ProtocolRun) -> None:
        """Every answer is analysed for each brand, and the report's metrics cover all three models."""
        report = protocol_run.report
        for cell in report.cells:
            assert cell.analysis is not None and set(cell.analysis.brands) == {"欧派", "索菲亚", "志邦"}
        assert report.totals.analysed == 9
        assert report.analyser_version is not None
        assert {b.key for b in report.by_model} == set(MODELS)
        main = next(b for b in report.brands if b.kind == "main")
        assert main.visibility.value is not None and main.visibility.n == 9
