"""The report's judge section: judge jobs by outcome, rule-vs-judge agreement, the review list."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from shared.contracts import CellRecord, DiagnosisRequest
from shared.judge.types import BrandJudgement, JudgeRecord
from shared.report.types import JudgeAgreement, JudgeReview, JudgeSummary, Metric


def _share(agreeing: int, n: int) -> Metric:
    if n == 0:
        return Metric(reason="no accepted judge verdict to compare", n=0)
    return Metric(value=round(agreeing / n, 4), n=n)


def _agreement(model: str | None, verdicts: list[BrandJudgement]) -> JudgeAgreement:
    accepted = [v for v in verdicts if v.accepted]
    return JudgeAgreement(
        model=model, verdicts=len(verdicts), accepted=len(accepted), rejected=len(verdicts) - len(accepted),
        mention=_share(sum(bool(v.mention_agrees) for v in accepted), len(accepted)),
        rank=_share(sum(bool(v.rank_agrees) for v in accepted), len(accepted)),
        tone=_share(sum(bool(v.tone_agrees) for v in accepted), len(accepted)),
    )


def _review(record: JudgeRecord, brand: str, verdict: BrandJudgement) -> JudgeReview:
    rule = verdict.rule
    return JudgeReview(
        cell_id=record.cell_id, model=record.model, brand=brand, rule_mentioned=rule.mentioned,
        rule_rank=rule.rank, rule_tone=rule.tone, rule_confidence=rule.confidence,
        judge_mentioned=verdict.mentioned, judge_rank=verdict.rank, judge_tone=verdict.tone, quote=verdict.quote,
        accepted=verdict.accepted, reason=verdict.reason, source=verdict.source,
    )


def judge_summary(request: DiagnosisRequest, cells: list[CellRecord],
                  judgements: Mapping[str, JudgeRecord]) -> JudgeSummary:
    """The judge section of a run's report; ``cells`` give the report's order of models and cells."""
    order = [cell.spec.cell_id for cell in cells if cell.spec.cell_id in judgements]
    records = [judgements[cell_id] for cell_id in order]
    by_status: Counter[str] = Counter(record.status for record in records)
    per_model: dict[str, list[BrandJudgement]] = {}
    everything: list[BrandJudgement] = []
    reviews: list[JudgeReview] = []
    for record in records:
        for brand, verdict in record.brands.items():
            per_model.setdefault(record.model, []).append(verdict)
            everything.append(verdict)
            reviews.append(_review(record, brand, verdict))
    priced = [r for r in records if r.cost is not None]
    currencies = {r.currency for r in priced}
    from_judge = sum(v.source == "judge" for v in everything)
    return JudgeSummary(
        judge=request.judge or "", scope=request.judge_scope, cells=len(records), judged=by_status.get("ok", 0),
        failed=len(records) - by_status.get("ok", 0), by_status=dict(by_status), verdicts=len(everything),
        accepted=sum(v.accepted for v in everything), rejected=sum(not v.accepted for v in everything),
        final_from_judge=from_judge, final_from_rules=len(everything) - from_judge,
        agreement=_agreement(None, everything),
        by_model=[_agreement(model, per_model[model]) for model in request.models if model in per_model],
        reviews=reviews,
        cost=round(sum(r.cost or 0.0 for r in priced), 6) if priced and len(currencies) == 1 else None,
        currency=next(iter(currencies)) if priced and len(currencies) == 1 else None,
    )
