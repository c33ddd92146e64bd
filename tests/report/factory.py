"""Hand-built runs and cells for report tests (no analyser: analyses are written out explicitly)."""

from __future__ import annotations

from shared.analysis.types import AnswerAnalysis, BrandAnalysis, SelfReport
from shared.contracts import (
    Brand,
    CellRecord,
    CellResult,
    CellSpec,
    Citation,
    DiagnosisRequest,
    ErrorInfo,
    RunRecord,
    Usage,
)

MAIN = "华为"
RIVALS = ("小米", "苹果")


def make_run(
    *,
    questions: list[str] | None = None,
    models: list[str] | None = None,
    samples: int = 1,
    total: int = 0,
    status: str = "complete",
    brand: str = MAIN,
    competitors: tuple[str, ...] = RIVALS,
    run_id: str = "run-1",
) -> RunRecord:
    request = DiagnosisRequest(
        brand=Brand(name=brand),
        competitors=[Brand(name=name) for name in competitors],
        questions=questions or ["3000元左右拍照好看的手机推荐哪个牌子的"],
        models=models or ["sim-deepseek"],
        samples=samples,
    )
    return RunRecord(
        run_id=run_id,
        request=request,
        total=total,
        status=status,  # type: ignore[arg-type]  # tests pass literal statuses
        created_at=1_700_000_000.0,
        deadline_at=1_700_000_900.0,
        finished_at=1_700_000_120.0,
    )


def seen(
    *,
    rank: int | None = None,
    mentions: int = 1,
    sentiment: float | None = 0.5,
    tone: str | None = "positive",
    impression: float = 0.2,
) -> BrandAnalysis:
    return BrandAnalysis(
        mentioned=True,
        rank=rank,
        first_offset=0,
        mention_count=mentions,
        sentiment=sentiment,
        tone=tone,  # type: ignore[arg-type]  # tests pass literal tones
        impression_share=impression,
    )


def absent() -> BrandAnalysis:
    return BrandAnalysis(mentioned=False)


def analysis(
    brands: dict[str, BrandAnalysis],
    *,
    recommended: list[str] | None = None,
    discovered: list[str] | None = None,
    intercepted_by: list[str] | None = None,
    domains: list[str] | None = None,
    named: list[str] | None = None,
    self_report: SelfReport | None = None,
    disagreements: list[str] | None = None,
) -> AnswerAnalysis:
    return AnswerAnalysis(
        analyser_version="test",
        brands=brands,
        recommended=recommended or [],
        discovered=discovered or [],
        cited_domains=domains or [],
        named_sources=named or [],
        intercepted_by=intercepted_by or [],
        self_report=self_report,
        disagreements=disagreements or [],
    )


def cell(
    cell_id: str,
    *,
    status: str = "ok",
    model: str = "sim-deepseek",
    question_index: int = 0,
    question: str = "3000元左右拍照好看的手机推荐哪个牌子的",
    sample: int = 0,
    answer: str = "推荐华为。",
    result_analysis: AnswerAnalysis | None = None,
    cost: float | None = None,
    currency: str | None = None,
    citations: list[str] | None = None,
    sites: list[str | None] | None = None,
    error: ErrorInfo | None = None,
    run_id: str = "run-1",
) -> CellRecord:
    answered = status in ("ok", "filtered", "truncated")
    if not answered and error is None:
        error = ErrorInfo(error_class="TimeoutError", message="no answer within 60 s")
    return CellRecord(
        spec=CellSpec(
            cell_id=cell_id, question_index=question_index, question=question, model=model, sample=sample
        ),
        result=CellResult(
            run_id=run_id,
            cell_id=cell_id,
            model=model,
            status=status,  # type: ignore[arg-type]  # tests pass literal statuses
            answer=answer if answered else "",
            usage=Usage(input_tokens=100, output_tokens=400),
            cost=cost,
            currency=currency,
            citations=[Citation(url=url, site=site) for url, site in
                       zip(citations or [], sites or [None] * len(citations or []), strict=True)],
            attempts=1,
            latency_ms=1234,
            error=error,
        ),
        analysis=result_analysis if answered else None,
    )
