"""The report's judge section: judge jobs by outcome, verdicts by fate, rule-vs-judge agreement.

Agreement is counted over *accepted* judge verdicts only (quote verbatim in the answer, a value in
the field's domain): per field, ``k`` of ``n`` equal the rule verdict of the report's cells. The rule verdicts are the
report's figures whatever the judge says; a disagreement is listed for an analyst to read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import msgspec

from shared.analysis.types import AnswerAnalysis
from shared.contracts import CellRecord, DiagnosisRequest
from shared.judge.types import JudgeRecord
from shared.judge.verdict import rule_value
from shared.report.judge_types import (
    FieldAgreement,
    JudgeAgreement,
    JudgeCost,
    JudgeDisagreement,
    JudgeDiscard,
    JudgeSummary,
)


def _field(records: list[JudgeRecord], field: str) -> FieldAgreement:
    compared = [v for r in records for v in r.verdicts if v.field == field]
    if not compared:
        return FieldAgreement(reason="no accepted judge verdict on this field")
    agreeing = sum(v.agrees for v in compared)
    return FieldAgreement(value=round(agreeing / len(compared), 4), n=len(compared), k=agreeing)


def _agreement(model: str | None, records: list[JudgeRecord]) -> JudgeAgreement:
    return JudgeAgreement(
        model=model, jobs=len(records), asked=sum(len(r.asked) for r in records),
        accepted=sum(len(r.verdicts) for r in records), discarded=sum(len(r.discarded) for r in records),
        rank=_field(records, "rank"), tone=_field(records, "tone"),
    )


def _unanswered(record: JudgeRecord) -> int:
    """Asked verdicts with neither an accepted nor a discarded verdict on the same brand and field."""
    replied = {(v.brand, v.field) for v in record.verdicts} | {(d.brand, d.field) for d in record.discarded}
    return sum((brand, field) not in replied for brand, field in record.asked)


def _cost(records: list[JudgeRecord]) -> JudgeCost:
    # A job never sent (over budget) cost nothing: neither priced nor unpriced.
    sent = [r for r in records if r.status != "budget_exceeded"]
    priced = [r for r in sent if r.cost is not None]
    currencies = {r.currency for r in priced}
    cost = JudgeCost(priced_jobs=len(priced), unpriced_jobs=len(sent) - len(priced))
    if not priced:
        cost.reason = "no judge job reported a cost" if sent else "no judge job was sent"
    elif len(currencies) > 1:
        cost.reason = f"judge jobs priced in several currencies: {', '.join(sorted(map(str, currencies)))}"
    else:
        cost.amount = round(sum(r.cost or 0.0 for r in priced), 6)
        cost.currency = next(iter(currencies))
        if cost.unpriced_jobs:
            cost.reason = f"{cost.unpriced_jobs} judge jobs without a cost are not included"
    return cost


def _against(record: JudgeRecord, analysis: AnswerAnalysis | None) -> JudgeRecord:
    """``record`` compared with the cell's rule verdicts as they are now: after a re-analysis the
    judge's stored verdicts are set beside the new rules, not the ones they were asked about."""
    if analysis is None:
        return record
    verdicts = []
    for verdict in record.verdicts:
        found = analysis.brands.get(verdict.brand)
        if found is None:
            verdicts.append(verdict)
            continue
        rule = rule_value(found, verdict.field)
        verdicts.append(msgspec.structs.replace(verdict, rule=rule, rule_confidence=found.confidence,
                                                agrees=verdict.value == rule))
    return msgspec.structs.replace(record, verdicts=verdicts)


def judge_summary(request: DiagnosisRequest, cells: list[CellRecord],
                  judgements: Mapping[str, JudgeRecord], pending: int = 0) -> JudgeSummary:
    """The judge section of a run's report; ``cells`` give the order of models and answers;
    ``pending``: judge jobs out with no stored outcome yet (a re-analysis's)."""
    question_of = {cell.spec.cell_id: cell.spec.question_index for cell in cells}
    model_rank = {model: index for index, model in enumerate(request.models)}
    order = sorted((cell.spec for cell in cells if cell.spec.cell_id in judgements),
                   key=lambda s: (s.question_index, model_rank.get(s.model, len(model_rank)), s.sample, s.cell_id))
    analyses = {cell.spec.cell_id: cell.analysis for cell in cells}
    records = [_against(judgements[spec.cell_id], analyses[spec.cell_id]) for spec in order]
    by_model: dict[str, list[JudgeRecord]] = {}
    for record in records:
        by_model.setdefault(record.model, []).append(record)
    models = [m for m in request.models if m in by_model] + [m for m in by_model if m not in request.models]
    discards = [d for r in records for d in r.discarded]
    return JudgeSummary(
        judge=request.judge or "",
        jobs=len(records),
        by_status=dict(Counter(r.status for r in records)),
        unparseable=sum(r.unparseable for r in records),
        asked=sum(len(r.asked) for r in records),
        accepted=sum(len(r.verdicts) for r in records),
        discarded_bad_quote=sum(d.reason == "bad_quote" for d in discards),
        discarded_invalid=sum(d.reason == "invalid" for d in discards),
        unanswered=sum(_unanswered(r) for r in records),
        agreement=_agreement(None, records),
        by_model=[_agreement(model, by_model[model]) for model in models],
        disagreements=[
            JudgeDisagreement(cell_id=r.cell_id, model=r.model, question_index=question_of.get(r.cell_id, 0),
                              brand=v.brand, field=v.field, rule=v.rule, judge=v.value, quote=v.quote)
            for r in records for v in r.verdicts if not v.agrees
        ],
        discards=[
            JudgeDiscard(cell_id=r.cell_id, model=r.model, brand=d.brand, field=d.field, reason=d.reason,
                         detail=d.detail, quote=d.quote)
            for r in records for d in r.discarded
        ],
        cost=_cost(records),
        pending=pending,
    )
