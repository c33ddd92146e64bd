"""Finished runs written straight into the stores, for tests that need more cells than a live run gives.

The records are exactly what the aggregator stores (real answers, analysed by the real
analyser), so reading and re-analysing them exercises the same decoding and metrics. Only the
asking is skipped: 10,000 simulated calls would take minutes, storing their outcome takes
a second.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Callable
from pathlib import Path

import msgspec
from nats.js import JetStreamContext

from shared import subjects
from shared.analysis import analyse
from shared.analysis.types import AnswerAnalysis, BrandAnalysis
from shared.contracts import Brand, CellRecord, CellResult, DiagnosisRequest, RunRecord, Usage, encode
from shared.report import build_report, render
from shared.validation import plan_cells

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BRAND = Brand(name="欧派", aliases=["OPPEIN"])
COMPETITORS = [Brand(name="索菲亚"), Brand(name="志邦"), Brand(name="尚品")]
PUBLISH_WINDOW = 500
STALE_VERSION = "2025.01.0"


def fixture_answers() -> list[dict[str, str]]:
    """Real answers (DeepSeek, Qwen, Doubao, GLM) about 欧派 and its competitors."""
    with open(FIXTURES / "answers.jsonl", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def seed_request(questions: int, models: int, samples: int) -> DiagnosisRequest:
    return DiagnosisRequest(
        brand=BRAND, competitors=COMPETITORS, questions=[f"全屋定制品牌哪家好（{i + 1}）" for i in range(questions)],
        models=[f"sim-model-{m}" for m in range(models)], samples=samples,
    )


def stale(analysis: AnswerAnalysis) -> AnswerAnalysis:
    """What an older analyser might have stored: another version that saw no brand at all."""
    unseen = {name: BrandAnalysis(mentioned=False) for name in analysis.brands}
    return msgspec.structs.replace(analysis, analyser_version=STALE_VERSION, brands=unseen, recommended=[],
                                   discovered=[], intercepted_by=[])


def seed_cells(
    request: DiagnosisRequest, run_id: str, *, rewrite: Callable[[str], str] | None = None,
    stale_analyses: bool = False,
) -> list[CellRecord]:
    """One stored cell per planned cell: fixture answers in turn, every tenth a timeout.

    ``rewrite`` edits each answer text first; ``stale_analyses`` stores an older analyser's
    (wrong) reading instead of the current one.
    """
    answers = [{**a, "answer": rewrite(a["answer"])} if rewrite else a for a in fixture_answers()]
    # One analysis per distinct answer: the analyser is deterministic, and seeding must be fast.
    analyses = [analyse(a["answer"], request.brand, request.competitors) for a in answers]
    if stale_analyses:
        analyses = [stale(a) for a in analyses]
    now = time.time()
    cells = []
    for index, spec in enumerate(plan_cells(request)):
        if index % 10 == 9:
            result = CellResult(run_id=run_id, cell_id=spec.cell_id, model=spec.model, status="timeout",
                                attempts=3, finished_at=now)
            cells.append(CellRecord(spec=spec, result=result, stored_at=now))
            continue
        pick = index % len(answers)
        result = CellResult(
            run_id=run_id, cell_id=spec.cell_id, model=spec.model, status="ok", answer=answers[pick]["answer"],
            usage=Usage(input_tokens=120, output_tokens=800), cost=0.002, currency="CNY", attempts=1,
            latency_ms=1500 + index % 700, started_at=now - 2, finished_at=now,
        )
        cells.append(CellRecord(spec=spec, result=result, analysis=analyses[pick], stored_at=now))
    return cells


def new_run_id() -> str:
    return f"rseed{time.strftime('%Y%m%d%H%M%S', time.gmtime())}{secrets.token_hex(4)}"


async def seed_finished_run(
    js: JetStreamContext, *, questions: int = 4, models: int = 3, samples: int = 2,
    rewrite: Callable[[str], str] | None = None, stale_analyses: bool = False,
) -> tuple[RunRecord, list[CellRecord]]:
    """A `complete` run with questions × models × samples stored cells and its stored report."""
    run_id = new_run_id()
    request = seed_request(questions, models, samples)
    cells = seed_cells(request, run_id, rewrite=rewrite, stale_analyses=stale_analyses)
    now = time.time()
    record = RunRecord(run_id=run_id, request=request, total=len(cells), status="complete", stage="done",
                       created_at=now - 60, deadline_at=now + 840, finished_at=now,
                       by_status={"ok": sum(c.result.status == "ok" for c in cells),
                                  "timeout": sum(c.result.status == "timeout" for c in cells)})
    cells_kv = await js.key_value(subjects.CELLS_BUCKET)
    for start in range(0, len(cells), PUBLISH_WINDOW):
        window = cells[start:start + PUBLISH_WINDOW]
        await asyncio.gather(*(cells_kv.create(subjects.cell_key(run_id, c.spec.cell_id), encode(c)) for c in window))
    report = build_report(record, cells, generated_at=now)
    main = report.brands[0]
    record.coverage, record.visibility = report.totals.coverage.value, main.visibility.value
    store = await js.object_store(subjects.REPORTS_STORE)
    await store.put(run_id, render(report, "json"))
    # The run record last, as the aggregator does: a terminal record means the report is stored.
    runs_kv = await js.key_value(subjects.RUNS_BUCKET)
    await runs_kv.create(run_id, encode(record))
    return record, cells


async def seed_running_run(js: JetStreamContext, *, deadline_s: float = 20.0) -> RunRecord:
    """A run record still `running` (no cells yet); the aggregator ends it at its deadline."""
    now = time.time()
    request = seed_request(1, 1, 1)
    record = RunRecord(run_id=new_run_id(), request=request, total=1, status="running", stage="running",
                       created_at=now, deadline_at=now + deadline_s)
    runs_kv = await js.key_value(subjects.RUNS_BUCKET)
    await runs_kv.create(record.run_id, encode(record))
    return record
