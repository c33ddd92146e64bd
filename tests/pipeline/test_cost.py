"""max_cost end to end: spend is summed from the cells' usage at the catalogue price, the dispatcher
holds back the rest of a run once its spend reaches max_cost, and the report states the cost per
cell, model and run — null, never 0, where no price or usage is known.

A stack of its own (temp dir, per-role NATS users as `brandlens up` runs them) so the slow,
one-at-a-time priced model cannot disturb the shared session stack.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from shared import subjects
from shared.catalogue import Price, load_catalogue
from shared.client import BrandlensClient
from shared.contracts import CellRecord, Completed, cell_decoder
from shared.errors import RequestRejected
from shared.report import Report
from shared.report.types import CellView
from tests.conftest import wait_ready
from tests.harness import TEST_CATALOGUE, Harness

PRICED = "sim-priced"
UNPRICED = "sim-qwen"
PROVIDER_MODEL = {PRICED: "kimi-k2-0905-preview", UNPRICED: "qwen-max"}
# Every call of the priced model takes this long, so cells finish one by one and the aggregator's
# spend reaches the dispatcher while most of the run is still waiting there.
PRICED_LATENCY_MS = 150
# A simulator answer costs roughly 0.6–1.2 at the test price: the budget is spent after a few cells.
SMALL_BUDGET = 2.0


def price_of(model: str) -> Price:
    spec = load_catalogue(TEST_CATALOGUE, {"BRANDLENS_SIMULATOR_URL": "http://x"}).get(model)
    assert spec is not None and spec.price is not None, f"{model} must be priced in {TEST_CATALOGUE.name}"
    return spec.price


def expected_cost(cell: CellView, price: Price) -> float:
    """What a cell's usage costs at the list price (the adapter rounds to 8 decimals)."""
    assert cell.usage.input_tokens is not None and cell.usage.output_tokens is not None
    return (cell.usage.input_tokens * price.input_per_mtok + cell.usage.output_tokens * price.output_per_mtok) / 1e6


def diagnosis(models: list[str], questions: int, samples: int = 1, **overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "brand": {"name": "欧派", "aliases": ["OPPEIN"]},
        "competitors": [{"name": "索菲亚", "aliases": ["SOGAL"]}],
        "questions": [f"全屋定制品牌哪家好（第{i + 1}问）" for i in range(questions)],
        "models": models, "samples": samples, "deadline_s": 60,
    }
    request.update(overrides)
    return request


@dataclass
class CostStack:
    harness: Harness
    client: BrandlensClient

    def sim_requests(self, model: str) -> int:
        requests = self.harness.sim_stats()["requests"]
        return int(requests.get(PROVIDER_MODEL[model], 0))

    async def stored_cells(self, report: Report) -> list[CellRecord]:
        kv = await self.client.js.key_value(subjects.CELLS_BUCKET)
        return [cell_decoder.decode((await kv.get(subjects.cell_key(report.run_id, c.cell_id))).value or b"")
                for c in report.cells]

    async def run_summary(self, run_id: str) -> dict[str, Any]:
        return next(r for r in await self.client.runs(limit=50) if r["run_id"] == run_id)


@dataclass
class FinishedRun:
    report: Report
    completed: Completed
    summary: dict[str, Any]
    cells: list[CellRecord]
    # Requests the simulator received for the run's models while it ran.
    requests: int


async def finish(stack: CostStack, request: dict[str, Any]) -> FinishedRun:
    before = sum(stack.sim_requests(m) for m in request["models"])
    accepted = await stack.client.submit(request)
    completed = await stack.client.wait(accepted.run_id, timeout_s=60)
    report = await stack.client.report(accepted.run_id)
    requests = sum(stack.sim_requests(m) for m in request["models"]) - before
    return FinishedRun(report, completed, await stack.run_summary(report.run_id),
                       await stack.stored_cells(report), requests)


@pytest.fixture(scope="module")
async def cost_stack() -> AsyncIterator[CostStack]:
    root = Path(tempfile.mkdtemp(prefix="brandlens-cost-"))
    config = root / "simulator.json"
    config.write_text(json.dumps({"models": {PROVIDER_MODEL[PRICED]: {"latency_ms": PRICED_LATENCY_MS}}}),
                      encoding="utf-8")
    harness = Harness(root, auth=True)
    try:
        harness.start_nats()
        harness.start_simulator("--config", str(config))
        harness.start("aggregator", "-m", "services.aggregator", role="aggregator")
        harness.start("dispatcher", "-m", "services.dispatcher", role="dispatcher")
        for model in (PRICED, UNPRICED):
            harness.start(f"adapter-{model}", "-m", "services.adapter", "--model", model, role=f"adapter-{model}")
        await wait_ready(harness, [PRICED, UNPRICED])
        assert harness.nats is not None
        client = await BrandlensClient.connect(harness.nats.url, settings=harness.settings(), timeout_s=10)
        try:
            yield CostStack(harness, client)
        finally:
            await client.close()
    finally:
        harness.close()


@pytest.fixture(scope="module")
async def budget_run(cost_stack: CostStack) -> FinishedRun:
    """24 cells of the priced model with a budget of about two cells' worth."""
    return await finish(cost_stack, diagnosis([PRICED], questions=12, samples=2, max_cost=SMALL_BUDGET))


class TestBudgetReachedMidRun:
    async def test_run_ends_partial_and_every_reason_names_max_cost(self, budget_run: FinishedRun) -> None:
        """A run stopped by max_cost ends `partial`; report, completion event and run record say why."""
        assert budget_run.report.status == "partial"
        assert budget_run.completed.status == "partial"
        for reason in (budget_run.report.reason, budget_run.completed.reason):
            assert reason is not None and "max_cost" in reason and str(SMALL_BUDGET) in reason
        assert budget_run.summary["status"] == "partial"

    async def test_unasked_cells_are_budget_exceeded_with_no_attempt(self, budget_run: FinishedRun) -> None:
        """Every cell is either answered or `budget_exceeded` with 0 attempts, no answer, no usage, no cost."""
        by_status = {c.status for c in budget_run.report.cells}
        assert by_status == {"ok", "budget_exceeded"}, by_status
        held = [c for c in budget_run.report.cells if c.status == "budget_exceeded"]
        for cell in held:
            assert cell.attempts == 0 and cell.answer == "" and cell.latency_ms is None
            assert cell.usage.input_tokens is None and cell.usage.output_tokens is None
            assert cell.cost is None and cell.currency is None
            assert cell.error is not None and cell.error.error_class == "budget_exceeded"
        assert budget_run.report.totals.by_status["budget_exceeded"] == len(held)

    async def test_simulator_saw_one_request_per_asked_cell_and_fewer_than_cells(
        self, budget_run: FinishedRun
    ) -> None:
        """Held-back cells never reach the provider: requests = answered cells < planned cells."""
        asked = [c for c in budget_run.report.cells if c.status == "ok"]
        assert all(c.attempts == 1 for c in asked)
        assert budget_run.requests == len(asked)
        assert budget_run.requests < len(budget_run.report.cells) == 24

    async def test_spend_stays_within_the_budget_and_the_rest_is_held_back(self, budget_run: FinishedRun) -> None:
        """The pacer stops releasing cells once the projected spend (spent + cells in flight × cost per
        cell) would pass max_cost: the answered cells' total stays within the budget plus at most one
        cell's estimation error, some cells were asked, and the rest were held back."""
        answered = [c for c in budget_run.cells if c.result.status == "ok"]
        held = [c for c in budget_run.cells if c.result.status == "budget_exceeded"]
        assert answered and held
        spend = sum(c.result.cost or 0.0 for c in answered)
        largest = max(c.result.cost or 0.0 for c in answered)
        assert spend <= SMALL_BUDGET + largest, (spend, SMALL_BUDGET)

    async def test_cost_per_cell_model_and_run_is_usage_times_price(self, budget_run: FinishedRun) -> None:
        """Each answered cell costs its usage × the catalogue price; model and run totals are their sum.

        Held-back cells were never sent, so they are neither priced nor counted as unpriced.
        """
        price = price_of(PRICED)
        asked = [c for c in budget_run.report.cells if c.status == "ok"]
        for cell in asked:
            assert cell.currency == price.currency
            assert cell.cost is not None
            assert cell.cost == pytest.approx(expected_cost(cell, price), abs=1e-8) and cell.cost > 0
        spend = sum(c.cost or 0.0 for c in asked)
        (line,) = budget_run.report.cost.by_model
        (total,) = budget_run.report.cost.total
        for summary_line in (line, total):
            assert summary_line.amount == pytest.approx(spend) and summary_line.currency == price.currency
            assert summary_line.priced_cells == len(asked)
            assert summary_line.unpriced_cells == 0 and summary_line.reason is None
        assert line.model == PRICED
        assert budget_run.summary["cost"] == pytest.approx(spend)


class TestGenerousBudget:
    async def test_run_within_budget_completes_and_asks_every_cell(self, cost_stack: CostStack) -> None:
        """A budget the run never reaches changes nothing: complete, every cell asked once, no reason."""
        run = await finish(cost_stack, diagnosis([PRICED], questions=4, max_cost=1_000.0))
        assert run.report.status == "complete" and run.report.reason is None
        assert {c.status for c in run.report.cells} == {"ok"}
        assert run.requests == len(run.report.cells) == 4
        amount = run.report.cost.total[0].amount
        assert amount is not None
        assert amount == pytest.approx(sum(c.cost or 0.0 for c in run.report.cells))
        assert amount < 1_000.0


class TestUnknownCost:
    async def test_unpriced_model_cost_is_null_never_zero(self, cost_stack: CostStack) -> None:
        """Beside a priced model, an unpriced one reports null costs; the run total is a stated lower bound."""
        run = await finish(cost_stack, diagnosis([PRICED, UNPRICED], questions=2))
        assert run.report.status == "complete"
        priced = [c for c in run.report.cells if c.model == PRICED]
        unpriced = [c for c in run.report.cells if c.model == UNPRICED]
        assert all(c.cost is not None and c.cost > 0 for c in priced)
        # Usage is known, the price is not: the cost stays unknown rather than 0.
        assert all(c.usage.output_tokens and c.cost is None and c.currency is None for c in unpriced)
        lines = {line.model: line for line in run.report.cost.by_model}
        assert lines[UNPRICED].amount is None and lines[UNPRICED].unpriced_cells == len(unpriced)
        assert lines[PRICED].amount == pytest.approx(sum(c.cost or 0.0 for c in priced))
        (total,) = run.report.cost.total
        assert total.amount == pytest.approx(lines[PRICED].amount)
        assert total.unpriced_cells == len(unpriced) and "lower bound" in (total.reason or "")

    async def test_budget_on_an_unpriced_model_is_rejected(self, cost_stack: CostStack) -> None:
        """max_cost cannot be enforced without prices: the request is rejected naming max_cost."""
        with pytest.raises(RequestRejected) as caught:
            await cost_stack.client.submit(diagnosis([PRICED, UNPRICED], questions=2, max_cost=1_000.0))
        (field,) = caught.value.fields
        assert field.field == "max_cost" and UNPRICED in field.reason

    async def test_run_with_no_price_reports_null_total_on_the_wire(self, cost_stack: CostStack) -> None:
        """With no priced cell, the report JSON and the run list carry null cost — never 0."""
        run = await finish(cost_stack, diagnosis([UNPRICED], questions=2))
        raw = json.loads(await cost_stack.client.report_bytes(run.report.run_id))
        assert [cell["cost"] for cell in raw["cells"]] == [None, None]
        assert [line["amount"] for line in raw["cost"]["total"]] == [None]
        assert raw["cost"]["total"][0]["unpriced_cells"] == 2
        assert run.summary["cost"] is None
