"""A judge's verdicts as stored (KV brandlens_judgements, key = <run_id>.<cell_id>, create-only).

Additive like every stored record: new fields get defaults, readers ignore what they do not know.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from shared.analysis.types import Confidence
from shared.contracts import CONTRACT_VERSION, CellStatus

# What a judge is asked about each unsure brand: its rank and its tone (mention is never unsure).
JudgeField = Literal["rank", "tone"]
JUDGE_FIELDS: tuple[JudgeField, ...] = ("rank", "tone")
# Why a judge verdict was discarded: its quote is not a verbatim substring of the answer, or it
# is not a verdict that was asked for in the shape asked (unknown brand or field, wrong value).
DiscardReason = Literal["bad_quote", "invalid"]
# A verdict's value: a rank (1-based int, None = unranked) or a tone ("positive" | "neutral" | "negative").
Value = int | str | None


class JudgeVerdict(msgspec.Struct, kw_only=True):
    """One accepted judge verdict (its quote checked) beside the rule verdict on the same field."""

    brand: str
    field: JudgeField
    value: Value
    quote: str
    rule: Value
    rule_confidence: Confidence = "unsure"
    agrees: bool = False


class DiscardedVerdict(msgspec.Struct, kw_only=True):
    """A judge verdict that was not accepted, kept so the report can show why."""

    brand: str = ""
    field: str = ""
    value: object = None
    quote: str = ""
    reason: DiscardReason
    detail: str = ""


class JudgeRecord(msgspec.Struct, kw_only=True):
    """One judged cell: the judge job's outcome, what was asked, and the checked verdicts."""

    v: int = CONTRACT_VERSION
    run_id: str
    # The judged cell (not the judge job's "<cell>:judge" id).
    cell_id: str
    # The model that answered the cell, and the judge model that re-read it.
    model: str
    judge: str
    # The judge job's outcome as the adapter classified it (a failed job is reported, not fatal).
    status: CellStatus
    reason: str | None = None
    # The job answered but its reply held no JSON of the shape asked for: no verdict at all.
    unparseable: bool = False
    # [brand, field] pairs the judge was asked about (the cell's unsure verdicts).
    asked: list[tuple[str, JudgeField]] = []
    verdicts: list[JudgeVerdict] = []
    discarded: list[DiscardedVerdict] = []
    attempts: int = 0
    cost: float | None = None
    currency: str | None = None
    stored_at: float = 0.0


judge_record_decoder = msgspec.json.Decoder(JudgeRecord)

# Who sent a judge job: the live run, or a re-analysis of the finished run (whose new rules left
# answers unsure that the run's own judge never saw).
AskedBy = Literal["run", "reanalysis"]


class JudgeAsk(msgspec.Struct, kw_only=True):
    """A judge job that was published (KV brandlens_judgements, key = asked.<run_id>.<cell_id>, create-only).

    Why it is stored rather than kept in memory: after an aggregator restart, a cell whose judge
    job is already in the stream must not be sent again — the stream drops a re-publish only
    within its duplicate window (minutes), and a restart can take longer. A published job needs
    no re-send: JetStream keeps it until an adapter answers it, MaxDeliver turns it into a stored
    ``crashed`` outcome, or the run's deadline stores ``deadline_exceeded``. A re-analysis reads
    the same records to know which answers already have a judge job out.
    """

    v: int = CONTRACT_VERSION
    run_id: str
    cell_id: str
    judge: str
    asked: list[tuple[str, JudgeField]] = []
    sent_at: float = 0.0
    by: AskedBy = "run"
    # The analyser whose unsure verdicts were sent (a re-analysis may send under a newer one).
    analyser_version: str = ""


judge_ask_decoder = msgspec.json.Decoder(JudgeAsk)
