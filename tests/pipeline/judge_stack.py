"""The judge's test stack: per-role NATS users as `brandlens up` runs them, the simulator with judge
error rates, two answering models and a judge model — and one judged run, shared by the judge
tests of a module (tests/pipeline/conftest.py makes both fixtures available).
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared import subjects
from shared.bus import kv_keys
from shared.client import BrandlensClient
from shared.contracts import CellRecord, Completed, cell_decoder
from shared.judge.types import JudgeAsk, JudgeRecord, judge_ask_decoder, judge_record_decoder
from shared.report import Report
from tests.conftest import wait_ready
from tests.harness import Harness

ANSWERING = ["sim-qwen", "sim-doubao"]
# Priced in the test catalogue, so the judge's own cost is known; it also answers no cell here.
JUDGE = "sim-deepseek"
QUESTIONS = ["全屋定制品牌哪家好", "欧派和索菲亚哪个好", "全屋定制十大品牌推荐", "欧派全屋定制口碑怎么样"]


def diagnosis(**overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "brand": {"name": "欧派", "aliases": ["OPPEIN"]},
        "competitors": [{"name": "索菲亚", "aliases": ["SOGAL"]}, {"name": "志邦", "aliases": ["ZBOM"]}],
        "questions": QUESTIONS, "models": ANSWERING, "samples": 3, "deadline_s": 60,
    }
    request.update(overrides)
    return request


@dataclass
class JudgeStack:
    harness: Harness
    client: BrandlensClient

    def sim_judge(self) -> dict[str, Any]:
        body: dict[str, Any] = httpx.get(f"{self.harness.simulator_url}/_sim/judge", timeout=5).json()
        return body

    def sim_faults(self, method: str, body: dict[str, Any] | None = None) -> None:
        url = f"{self.harness.simulator_url}/_sim/faults"
        httpx.request(method, url, json=body, timeout=5).raise_for_status()

    async def cells(self, report: Report) -> dict[str, CellRecord]:
        kv = await self.client.js.key_value(subjects.CELLS_BUCKET)
        return {c.cell_id: cell_decoder.decode((await kv.get(subjects.cell_key(report.run_id, c.cell_id))).value
                                               or b"") for c in report.cells}

    async def asks(self, run_id: str) -> dict[str, JudgeAsk]:
        """The run's recorded judge jobs (JudgeAsk) by judged cell."""
        kv = await self.client.js.key_value(subjects.JUDGEMENTS_BUCKET)
        keys = await kv_keys(self.client.js, subjects.JUDGEMENTS_BUCKET, f"{subjects.JUDGE_ASK_PREFIX}.{run_id}.>")
        records = [judge_ask_decoder.decode((await kv.get(key)).value or b"") for key in keys]
        return {r.cell_id: r for r in records}

    async def judgements(self, run_id: str) -> dict[str, JudgeRecord]:
        kv = await self.client.js.key_value(subjects.JUDGEMENTS_BUCKET)
        keys = await kv_keys(self.client.js, subjects.JUDGEMENTS_BUCKET, f"{run_id}.>")
        records = [judge_record_decoder.decode((await kv.get(key)).value or b"") for key in keys]
        return {r.cell_id: r for r in records}


@dataclass
class JudgedRun:
    report: Report
    cells: dict[str, CellRecord]
    judgements: dict[str, JudgeRecord]
    # What the simulator's judge gave while the run ran: one entry per judge request.
    given: list[dict[str, Any]]
    # The run's completion event and its status reply once finished.
    completed: Completed
    status: dict[str, Any]


@pytest.fixture(scope="module")
async def judge_stack() -> AsyncIterator[JudgeStack]:
    root = Path(tempfile.mkdtemp(prefix="brandlens-judge-"))
    harness = Harness(root, auth=True)
    try:
        harness.start_nats()
        harness.start_simulator("--seed", "7", "--judge-wrong-rate", "0.25", "--judge-bad-quote-rate", "0.2")
        harness.start("aggregator", "-m", "services.aggregator", role="aggregator")
        harness.start("dispatcher", "-m", "services.dispatcher", role="dispatcher")
        for model in [*ANSWERING, JUDGE]:
            harness.start(f"adapter-{model}", "-m", "services.adapter", "--model", model, role=f"adapter-{model}")
        await wait_ready(harness, [*ANSWERING, JUDGE])
        assert harness.nats is not None
        client = await BrandlensClient.connect(harness.nats.url, settings=harness.settings(), timeout_s=10)
        try:
            yield JudgeStack(harness, client)
        finally:
            await client.close()
    finally:
        harness.close()


@pytest.fixture(scope="module")
async def judged(judge_stack: JudgeStack) -> JudgedRun:
    seen = judge_stack.sim_judge()["requests"]
    accepted = await judge_stack.client.submit(diagnosis(judge=JUDGE))
    completed = await judge_stack.client.wait(accepted.run_id, timeout_s=90)
    report = await judge_stack.client.report(accepted.run_id)
    given = judge_stack.sim_judge()
    assert given["requests"] - seen == len(given["log"][seen:])
    return JudgedRun(report, await judge_stack.cells(report), await judge_stack.judgements(report.run_id),
                     given["log"][seen:], completed, await judge_stack.client.status(accepted.run_id))


def unsure_pairs(cell: CellRecord) -> list[tuple[str, str]]:
    if cell.analysis is None:
        return []
    return [(name, field) for name, b in cell.analysis.brands.items()
            if b.mentioned and b.confidence == "unsure" for field in ("rank", "tone")]


