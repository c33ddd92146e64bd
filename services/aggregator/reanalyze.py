"""Re-reading a finished run's stored answers with the current analyser, and replacing its report.

Why the cells stay as they are: a cell's record is written once (create-only) and terminal
states are final, so the stored analysis remains the record of what the run originally
reported. The new report says which analyser produced it (``Report.analyser_version``) and
when (``Report.reanalysed_at``); the run record is not touched either.

Why large runs are analysed in worker processes: ten thousand answers are seconds of CPU in
pure Python, and the aggregator's event loop must keep storing other runs' results meanwhile.
They use the aggregator's own analysis pool (analysis_pool.py), in slices the size of a live
batch so live results keep being analysed in between; called without one (tests, tools), a
pool is started for the reanalysis and stopped after it.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import msgspec
from nats.js import JetStreamContext

from services.aggregator.analysis_pool import AnalysisPool, BrandSet, Item, worker_count
from services.aggregator.rejudge import Rejudge, send_rejudge_jobs
from services.aggregator.stored_run import read_cells, read_judgements, read_run
from shared import subjects
from shared.analysis import ANALYSER_VERSION, analyse
from shared.analysis.types import AnswerAnalysis
from shared.brand import Brand
from shared.bus import put_report
from shared.contracts import CellRecord, CellResult, RunRecord, encode
from shared.errors import RequestRejected, RunNotFinished, RunNotFound, ServiceUnavailable
from shared.judge.types import JudgeRecord
from shared.logging import get_logger
from shared.report import Report, build_report, render
from shared.report.judge import judge_summary
from shared.report.types import ReanalysisSummary
from shared.service import Reject

# Below this many answers a process start costs more than the analysis it would share out.
PARALLEL_FROM = 400
# Answers per worker per pool call: a live batch's size, so live batches interleave.
SLICE = 128

log = get_logger("brandlens.reanalyze")


class ReanalyzeRequest(msgspec.Struct, kw_only=True):
    run_id: str


_request_decoder = msgspec.json.Decoder(ReanalyzeRequest)


@dataclass
class Reanalysis:
    report: Report
    summary: ReanalysisSummary


def analyse_answers(
    answers: list[CellResult], brand: Brand, competitors: list[Brand], self_report: bool
) -> list[AnswerAnalysis | None]:
    # Same rule as Aggregator.store: any stored answer text is analysed (a filtered answer's
    # partial text included); a cell without text has no analysis.
    return [
        analyse(result.answer, brand, competitors, self_report_expected=self_report,
                sources=result.sources, spans=result.spans) if result.answer else None
        for result in answers
    ]


async def _analyse_all(
    run: RunRecord, stored: list[CellRecord], pool: AnalysisPool | None
) -> tuple[list[AnswerAnalysis | None], int]:
    """The current analyser's reading of every stored answer, in the order of ``stored``.

    Large runs are spread over worker processes: the analyser is pure Python, so a thread
    would get one core and hold the GIL against the aggregator's event loop. Small runs are
    not worth a process start and run in a thread.
    """
    request = run.request
    answers = [cell.result for cell in stored]
    if len(answers) < PARALLEL_FROM:
        return await asyncio.to_thread(
            analyse_answers, answers, request.brand, request.competitors, request.self_report
        ), 0
    if pool is not None:
        return await _analyse_on(pool, run, answers)
    own = AnalysisPool(worker_count())
    await own.start()
    try:
        return await _analyse_on(own, run, answers)
    finally:
        await own.stop()


async def _analyse_on(
    pool: AnalysisPool, run: RunRecord, answers: list[CellResult]
) -> tuple[list[AnswerAnalysis | None], int]:
    """``answers`` analysed on the pool's workers; the workers used (0: in-process)."""
    request = run.request
    if pool.size < 2:
        return await asyncio.to_thread(
            analyse_answers, answers, request.brand, request.competitors, request.self_report
        ), 0
    sets = [BrandSet(brand=request.brand, competitors=request.competitors, self_report=request.self_report)]
    # Same rule as store_once: any stored answer text is analysed; a cell without text has none.
    asked = [i for i, result in enumerate(answers) if result.answer]
    out: list[AnswerAnalysis | None] = [None] * len(answers)
    fallbacks = pool.fallbacks
    step = SLICE * pool.size
    for start in range(0, len(asked), step):
        part = asked[start:start + step]
        done = await pool.analyse(sets, [Item(brand_set=0, answer=answers[i].answer, sources=answers[i].sources,
                                               spans=answers[i].spans) for i in part])
        for i, analysis in zip(part, done, strict=True):
            out[i] = analysis
    return out, (0 if pool.fallbacks > fallbacks else pool.size)


def reanalysed(stored: list[CellRecord], analyses: list[AnswerAnalysis | None]) -> list[CellRecord]:
    return [msgspec.structs.replace(cell, analysis=new) for cell, new in zip(stored, analyses, strict=True)]


def _rebuild(
    run: RunRecord, stored: list[CellRecord], analyses: list[AnswerAnalysis | None], now: float,
    judgements: dict[str, JudgeRecord], rejudge: Rejudge,
) -> tuple[Report, bytes, ReanalysisSummary]:
    """Metrics and JSON from the new analyses (CPU-only, run in a worker thread)."""
    previous: Counter[str] = Counter(c.analysis.analyser_version for c in stored if c.analysis is not None)
    cells = reanalysed(stored, analyses)
    changed = sum(1 for old, new in zip(stored, analyses, strict=True) if old.analysis != new)
    report = build_report(run, cells, generated_at=now)
    report.reanalysed_at = now
    if run.request.judge is not None:
        # The stored judge verdicts beside the new rule verdicts; answers the new rules leave unsure
        # and no judge has read are out to the judge (rejudge.py) and counted as pending.
        report.judge = judge_summary(run.request, cells, judgements, pending=rejudge.pending)
    body = render(report, "json")
    main = next((b for b in report.brands if b.kind == "main"), None)
    summary = ReanalysisSummary(
        run_id=run.run_id,
        status=run.status,
        cells=len(cells),
        analysed=sum(1 for a in analyses if a is not None),
        changed=changed,
        analyser_version=ANALYSER_VERSION,
        previous_versions=dict(previous),
        visibility_before=run.visibility,
        visibility_after=main.visibility.value if main is not None else None,
        generated_at=now,
        judge_jobs=rejudge.sent,
        judge_over_budget=rejudge.over_budget,
        judge_pending=rejudge.pending,
    )
    return report, body, summary


_locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}


def _one_at_a_time() -> asyncio.Lock:
    # Per event loop: a lock is bound to the loop that first waits on it.
    return _locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())


async def reanalyse(js: JetStreamContext, run_id: str, pool: AnalysisPool | None = None,
                    judge_costs: Mapping[str, float | None] | None = None) -> Reanalysis:
    """Re-run the analyser over a finished run's stored answers and store the rebuilt report;
    ``judge_costs``: the catalogue's expected cost of one judge job per model (rejudge.py)."""
    started = time.perf_counter()
    run = await read_run(js, run_id)
    # One at a time: each large re-analysis already uses every core it may, and a second one
    # running alongside would only slow both down (and the aggregator with them).
    async with _one_at_a_time():
        stored = await read_cells(js, run_id)
        analyses, workers = await _analyse_all(run, stored, pool)
        judgements = await read_judgements(js, run) if run.request.judge is not None else {}
        rejudge = Rejudge()
        if run.request.judge is not None:
            prior = (judge_costs or {}).get(run.request.judge)
            rejudge = await send_rejudge_jobs(js, run, reanalysed(stored, analyses), judgements, prior)
        report, body, summary = await asyncio.to_thread(_rebuild, run, stored, analyses, time.time(), judgements,
                                                        rejudge)
        reports = await js.object_store(subjects.REPORTS_STORE)
        # put() publishes the new object and then purges the old one's chunks: readers see the old
        # report or the new one, never a mix. Under the lock: the rebuild that follows this
        # re-analysis's judge outcomes must not be overwritten by this older report.
        await put_report(reports, run_id, body)
    summary.workers = workers
    summary.elapsed_ms = round((time.perf_counter() - started) * 1000)
    log.info("run_reanalysed", run_id=run_id, cells=summary.cells, changed=summary.changed,
             judge_jobs=summary.judge_jobs, elapsed_ms=summary.elapsed_ms)
    return Reanalysis(report=report, summary=summary)


def _parse_request(data: bytes) -> str:
    data = data.strip()
    if data and not data.startswith(b"{"):
        # `nats req brandlens.runs.reanalyze r2026...` sends the bare id, as for status and report.
        return data.decode("utf-8", "replace")
    try:
        return _request_decoder.decode(data or b"{}").run_id
    except msgspec.DecodeError as exc:
        raise RequestRejected(f'expected {{"run_id": ...}}: {exc}') from None


async def handle_reanalyze(js: JetStreamContext, request_data: bytes, pool: AnalysisPool | None = None,
                           judge_costs: Mapping[str, float | None] | None = None) -> bytes:
    """The body of the ``brandlens.runs.reanalyze`` endpoint: a ReanalysisSummary as JSON.

    The reply is the summary, not the report: a large run's report exceeds the NATS payload
    limit, and the caller reads the rebuilt report from the object store like any other.
    """
    try:
        run_id = _parse_request(request_data)
        result = await reanalyse(js, run_id, pool, judge_costs)
    except RequestRejected as exc:
        raise Reject(400, "invalid_request", exc.message) from None
    except RunNotFound as exc:
        raise Reject(404, "not_found", str(exc)) from None
    except RunNotFinished as exc:
        raise Reject(409, "not_finished", str(exc)) from None
    except ServiceUnavailable as exc:
        raise Reject(503, "unavailable", exc.message) from None
    return encode(result.summary)

