"""The report's sections on how far its figures can be trusted: failed cells, agreement between
repeated samples, self-report disagreements and the unsure verdicts to review (issue #12).

Its own module so types.py stays readable; like every report type, every field has a default.
"""

from __future__ import annotations

import msgspec

from shared.report.metric_types import Metric


class Failure(msgspec.Struct, kw_only=True):
    cell_id: str
    question_index: int
    model: str
    sample: int
    status: str
    reason: str | None = None
    attempts: int = 0


class Agreement(msgspec.Struct, kw_only=True):
    """How consistently repeated samples of one question × model agree about the main brand."""

    question_index: int
    model: str
    samples: int = 0
    mention_agreement: Metric = msgspec.field(default_factory=Metric)
    rank_agreement: Metric = msgspec.field(default_factory=Metric)
    interval_width: Metric = msgspec.field(default_factory=Metric)


class Stability(msgspec.Struct, kw_only=True):
    groups: list[Agreement] = []
    mention_agreement: Metric = msgspec.field(default_factory=Metric)
    rank_agreement: Metric = msgspec.field(default_factory=Metric)
    interval_width: Metric = msgspec.field(default_factory=Metric)
    reason: str | None = None


class Disagreement(msgspec.Struct, kw_only=True):
    cell_id: str
    model: str
    notes: list[str] = []


class SelfReportSummary(msgspec.Struct, kw_only=True):
    answers_with_self_report: int = 0
    disagreement_count: int = 0
    disagreements: list[Disagreement] = []


class ReviewItem(msgspec.Struct, kw_only=True):
    """One unsure verdict an analyst should read (issue #12)."""

    cell_id: str
    model: str
    question_index: int
    brand: str
    rank: int | None = None
    tone: str | None = None
    reasons: list[str] = []


class ReviewCount(msgspec.Struct, kw_only=True):
    model: str
    # Mentioned-brand verdicts the analyser gave for this model's answers, and how many are unsure.
    verdicts: int = 0
    unsure: int = 0


class Review(msgspec.Struct, kw_only=True):
    by_model: list[ReviewCount] = []
    items: list[ReviewItem] = []
