"""A judge's verdicts as stored (KV brandlens_judgements, key = <run_id>.<cell_id>, create-only).

Additive like every stored record: new fields get defaults, readers ignore what they do not know.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from shared.analysis.types import Confidence, Tone
from shared.contracts import CONTRACT_VERSION, CellStatus

# "rules": the analyser's verdict stands (it was sure, or the judge's verdict was rejected or
# missing); "judge": an unsure rule verdict whose judge verdict passed the quote check.
VerdictSource = Literal["rules", "judge"]


class RuleVerdict(msgspec.Struct, kw_only=True):
    """The analyser's verdict on one brand, as it was when the judge was asked."""

    mentioned: bool
    rank: int | None = None
    tone: Tone | None = None
    confidence: Confidence = "sure"


class BrandJudgement(msgspec.Struct, kw_only=True):
    """The judge's verdict on one brand of one answer, checked and compared with the rules."""

    # None when the judge gave no usable verdict for this brand (see ``reason``).
    mentioned: bool | None = None
    rank: int | None = None
    tone: Tone | None = None
    quote: str = ""
    # False: recorded but not applied — the quote is not a verbatim substring of the answer, the
    # verdict is missing, or the reply was unusable. ``reason`` says which.
    accepted: bool = False
    reason: str | None = None
    rule: RuleVerdict
    # Agreement with the rule verdict; None when the judge verdict was not accepted.
    mention_agrees: bool | None = None
    rank_agrees: bool | None = None
    tone_agrees: bool | None = None
    source: VerdictSource = "rules"


class JudgeRecord(msgspec.Struct, kw_only=True):
    """One judged cell: the judge job's outcome and a verdict per judged brand."""

    v: int = CONTRACT_VERSION
    run_id: str
    cell_id: str
    # The model that answered the cell, and the judge model that re-read it.
    model: str
    judge: str
    # The judge job's status; "malformed" also when the call answered but the reply was not the
    # JSON asked for. Anything but "ok" means no verdict was applied.
    status: CellStatus
    reason: str | None = None
    brands: dict[str, BrandJudgement] = {}
    attempts: int = 0
    cost: float | None = None
    currency: str | None = None
    stored_at: float = 0.0


judge_record_decoder = msgspec.json.Decoder(JudgeRecord)
