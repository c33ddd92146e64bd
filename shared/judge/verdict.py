"""A judge's reply parsed, checked against the answer, and compared with the rule verdicts.

The verbatim-quote check is the guard against a judge that invents: a verdict whose quote is
not a substring of the answer (after trimming surrounding whitespace only) is recorded with
its reason but never applied. A mentioned brand must come with a quote; an absent one needs none.
"""

from __future__ import annotations

import time

import msgspec

from shared.analysis.types import BrandAnalysis, Tone
from shared.contracts import CellRecord, CellResult
from shared.judge.types import BrandJudgement, JudgeRecord, RuleVerdict


class _BrandReply(msgspec.Struct, kw_only=True):
    mentioned: bool
    rank: int | None = None
    tone: Tone | None = None
    quote: str = ""


class _Reply(msgspec.Struct, kw_only=True):
    brands: dict[str, _BrandReply]


_reply_decoder = msgspec.json.Decoder(_Reply)


class ReplyInvalid(ValueError):
    pass


def parse_reply(text: str) -> dict[str, _BrandReply]:
    """The JSON object of a judge's reply (a ```json fence or text around it is tolerated)."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        raise ReplyInvalid("the reply holds no JSON object")
    try:
        return _reply_decoder.decode(text[start:end + 1]).brands
    except msgspec.DecodeError as exc:
        raise ReplyInvalid(f"the reply is not the JSON asked for: {str(exc)[:160]}") from None


def rule_verdict(analysis: BrandAnalysis) -> RuleVerdict:
    return RuleVerdict(mentioned=analysis.mentioned, rank=analysis.rank, tone=analysis.tone,
                       confidence=analysis.confidence)


def quote_problem(reply: _BrandReply, answer: str) -> str | None:
    """Why this verdict may not be applied, or None when its quote checks out."""
    quote = reply.quote.strip()
    if not quote:
        return "no quote for a mentioned brand" if reply.mentioned else None
    if quote not in answer:
        return "quote is not a verbatim substring of the answer"
    return None


def judge_brand(reply: _BrandReply | None, rule: BrandAnalysis, answer: str) -> BrandJudgement:
    rules = rule_verdict(rule)
    if reply is None:
        return BrandJudgement(rule=rules, reason="the judge gave no verdict for this brand")
    judgement = BrandJudgement(mentioned=reply.mentioned, rank=reply.rank, tone=reply.tone, quote=reply.quote,
                               rule=rules)
    problem = quote_problem(reply, answer)
    if problem is not None:
        judgement.reason = problem
        return judgement
    judgement.accepted = True
    judgement.mention_agrees = reply.mentioned == rules.mentioned
    judgement.rank_agrees = reply.rank == rules.rank
    judgement.tone_agrees = reply.tone == rules.tone
    # Rules stay the default: only an unsure rule verdict gives way to a checked judge verdict.
    judgement.source = "judge" if rules.confidence == "unsure" else "rules"
    return judgement


def judge_record(result: CellResult, cell: CellRecord, cell_id: str, judge: str, brands: list[str]) -> JudgeRecord:
    """The stored outcome of one judge job for ``cell`` (``result`` is the judge model's result)."""
    record = JudgeRecord(run_id=result.run_id, cell_id=cell_id, model=cell.spec.model, judge=judge,
                         status=result.status, attempts=result.attempts, cost=result.cost, currency=result.currency,
                         stored_at=time.time())
    analyses = cell.analysis.brands if cell.analysis is not None else {}
    if result.status != "ok":  # a filtered or truncated reply is no verdict either
        record.reason = result.error.message if result.error else f"the judge call ended {result.status}"
        record.brands = {name: BrandJudgement(rule=rule_verdict(analyses[name]), reason=record.reason)
                         for name in brands if name in analyses}
        return record
    try:
        replies = parse_reply(result.answer)
    except ReplyInvalid as exc:
        record.status = "malformed"
        record.reason = str(exc)
        record.brands = {name: BrandJudgement(rule=rule_verdict(analyses[name]), reason=record.reason)
                         for name in brands if name in analyses}
        return record
    answer = cell.result.answer
    record.brands = {name: judge_brand(replies.get(name), analyses[name], answer) for name in brands
                     if name in analyses}
    return record
