"""The report's judge section (request ``judge``, issue #12) as typed Structs.

Its own module so ``shared/report/types.py`` stays readable; like every report type, every field
has a default and fields are only ever added. The report's metrics stay the rules': this
section sets the judge's verdicts beside them, it never replaces one (docs/analysis.md, "Judge").
"""

from __future__ import annotations

import msgspec

# A judged value: a rank (int, None = unranked) or a tone.
JudgedValue = int | str | None


class FieldAgreement(msgspec.Struct, kw_only=True):
    """``k`` of ``n`` accepted judge verdicts on one field equal the rule verdict; ``value`` = k / n
    (None with ``reason`` when no verdict was accepted). Discarded verdicts are never compared."""

    value: float | None = None
    reason: str | None = None
    n: int = 0
    k: int = 0


class JudgeAgreement(msgspec.Struct, kw_only=True):
    """Rule-vs-judge agreement over the answers of one model (``model`` None: the whole run)."""

    model: str | None = None
    # Judge jobs (one per answer with unsure verdicts) and unsure verdicts asked about.
    jobs: int = 0
    asked: int = 0
    accepted: int = 0
    discarded: int = 0
    rank: FieldAgreement = msgspec.field(default_factory=FieldAgreement)
    tone: FieldAgreement = msgspec.field(default_factory=FieldAgreement)


class JudgeDisagreement(msgspec.Struct, kw_only=True):
    """An accepted judge verdict that differs from the rule verdict; the rule verdict stands."""

    cell_id: str
    model: str
    question_index: int = 0
    brand: str
    field: str
    rule: JudgedValue = None
    judge: JudgedValue = None
    quote: str = ""


class JudgeDiscard(msgspec.Struct, kw_only=True):
    """A judge verdict that was discarded, and why (``bad_quote`` | ``invalid``)."""

    cell_id: str
    model: str
    brand: str = ""
    field: str = ""
    reason: str = ""
    detail: str = ""
    quote: str = ""


class JudgeCost(msgspec.Struct, kw_only=True):
    """What the judge's calls cost, apart from the cells' (``amount`` None with ``reason`` when
    some job is unpriced or the jobs were priced in several currencies)."""

    amount: float | None = None
    currency: str | None = None
    priced_jobs: int = 0
    unpriced_jobs: int = 0
    reason: str | None = None


class JudgeSummary(msgspec.Struct, kw_only=True):
    """The run's second opinion: judge jobs by outcome, verdicts by fate, agreement, disagreements."""

    judge: str = ""
    # Judge jobs by the job's status ("ok", "timeout", "budget_exceeded", ...); a failed job is
    # counted here, never fatal to the run.
    jobs: int = 0
    by_status: dict[str, int] = {}
    # Jobs that answered but whose reply held no JSON of the shape asked for.
    unparseable: int = 0
    # Unsure rule verdicts sent to the judge (brand × field), and what became of the replies:
    # accepted (quote checked, compared below), discarded for a quote that is not verbatim in
    # the answer, discarded as invalid (not asked / wrong value), and asked but never answered
    # (failed job, unparseable reply, or left out of the reply).
    asked: int = 0
    accepted: int = 0
    discarded_bad_quote: int = 0
    discarded_invalid: int = 0
    unanswered: int = 0
    agreement: JudgeAgreement = msgspec.field(default_factory=JudgeAgreement)
    by_model: list[JudgeAgreement] = []
    disagreements: list[JudgeDisagreement] = []
    discards: list[JudgeDiscard] = []
    cost: JudgeCost = msgspec.field(default_factory=JudgeCost)
    # Judge jobs a re-analysis sent (its new rules left answers unsure that no judge had read) whose
    # outcome was not stored yet when this report was built; the report is rebuilt once they are.
    pending: int = 0
