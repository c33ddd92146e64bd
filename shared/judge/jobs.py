"""A judge job and its record: what goes on the judge model's subject, and what says it went.

Shared by the live run (services/aggregator/judge.py) and the re-analysis of a finished run
(services/aggregator/rejudge.py), so a judge job is the same whoever sends it: an ordinary job
with cell id ``<cell>:judge`` and ``Nats-Msg-Id`` ``<run>.<cell>:judge``.
"""

from __future__ import annotations

import time

from shared import subjects
from shared.contracts import CellRecord, DiagnosisRequest, Job
from shared.judge.prompt import build_judge_prompt
from shared.judge.select import tracked
from shared.judge.types import AskedBy, JudgeAsk, JudgeField


def judge_job(run_id: str, request: DiagnosisRequest, cell: CellRecord, asked: list[tuple[str, JudgeField]],
              deadline_at: float) -> Job:
    """The judge job about ``cell``'s ``asked`` verdicts (request.judge must be set)."""
    assert request.judge is not None
    brands = tracked(request, [brand for brand, _field in asked])
    return Job(
        run_id=run_id, cell_id=subjects.judge_cell_id(cell.spec.cell_id), model=request.judge,
        question=cell.spec.question, sample=cell.spec.sample, deadline_at=deadline_at,
        brand=request.brand.name, competitors=[c.name for c in request.competitors], purpose="judge",
        prompt=build_judge_prompt(cell.spec.question, cell.result.answer, brands),
    )


def msg_id(job: Job) -> str:
    return f"{job.run_id}.{job.cell_id}"


def judge_ask(job: Job, asked: list[tuple[str, JudgeField]], by: AskedBy, analyser_version: str) -> JudgeAsk:
    cell_id = subjects.judged_cell(job.cell_id)
    assert cell_id is not None
    return JudgeAsk(run_id=job.run_id, cell_id=cell_id, judge=job.model, asked=asked, sent_at=time.time(),
                    by=by, analyser_version=analyser_version)
