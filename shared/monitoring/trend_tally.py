"""Accumulating a monitor's analysed answers into trend points (one per brand × model × period).

Why per question: each question is one cluster for the mean intervals (trend_stats.py), and the
branded / non-branded split of share of voice is decided per question. A cell is read once and
added to the accumulator of each tracked brand, as the report's tally does.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from shared.contracts import ANSWERED
from shared.monitoring.trend_stats import ONE_QUESTION, cluster_ratio_interval
from shared.monitoring.trend_types import Estimate, Period, SourceShare, TrendPoint, TrendQuestion
from shared.report.stats import proportion
from shared.report.types import BrandKind, CellView, Report, ToneCounts

TOP_SOURCES = 3
NO_ANSWERS = "no analysed answers from this model in this period"


@dataclass(slots=True)
class _QuestionCounts:
    """One brand's sums over one question's answers in one period (one cluster)."""

    answers: int = 0
    mentioned: int = 0
    first: int = 0
    rank_sum: int = 0
    ranked: int = 0
    mentions: int = 0
    tracked_mentions: int = 0
    sentiment_sum: float = 0.0
    sentiment_n: int = 0


@dataclass(slots=True)
class _Cell:
    """Everything one (brand, model, period) accumulates."""

    runs: list[str] = field(default_factory=list)
    by_question: dict[str, _QuestionCounts] = field(default_factory=dict)
    tones: Counter[str] = field(default_factory=Counter)
    domains: Counter[str] = field(default_factory=Counter)


def names_in(text: str, brands: Mapping[str, list[str]]) -> list[str]:
    """The tracked brands a question names: any of name + aliases, case-insensitive substring."""
    folded = text.casefold()
    return [name for name, aliases in brands.items()
            if any(alias.strip() and alias.casefold() in folded for alias in [name, *aliases])]


def _domains(cell: CellView) -> set[str]:
    assert cell.analysis is not None
    found = {d.removeprefix("www.").lower() for d in cell.analysis.cited_domains if d}
    for citation in cell.citations:
        host = citation.site or _host(citation.url)
        if host:
            found.add(host.lower().removeprefix("www."))
    return found


def _host(url: str) -> str | None:
    try:
        return urlsplit(url.strip()).hostname
    except ValueError:
        return None


def _estimate(clusters: list[tuple[float, float]], bounds: tuple[float, float], empty: str) -> Estimate:
    n = int(sum(m for _, m in clusters))
    g = sum(1 for _, m in clusters if m > 0)
    if n == 0:
        return Estimate(value=None, reason=empty, n=0, questions=0)
    value, low, high = cluster_ratio_interval(clusters, bounds)
    return Estimate(value=value, n=n, questions=g, low=low, high=high,
                    reason=None if low is not None else ONE_QUESTION)


class TrendTally:
    def __init__(self, zone: ZoneInfo, period: Period) -> None:
        self.zone = zone
        self.period: Period = period
        self.brands: dict[str, list[str]] = {}
        self.kinds: dict[str, BrandKind] = {}
        self.models: list[str] = []
        self.questions: dict[str, TrendQuestion] = {}
        self.cells: dict[tuple[str, str, str], _Cell] = {}
        self.branded: dict[str, bool] = {}

    def period_of(self, slot: dt.datetime) -> str:
        if self.period == "day":
            return slot.astimezone(self.zone).date().isoformat()
        return slot.astimezone(self.zone).isoformat(timespec="seconds")

    def add_report(self, report: Report, period: str) -> None:
        for brand, kind in [(report.brand, "main"), *((c, "competitor") for c in report.competitors)]:
            self.brands.setdefault(brand.name, list(brand.aliases))
            self.kinds.setdefault(brand.name, "main" if kind == "main" else "competitor")
        self.models += [m for m in report.models if m not in self.models]
        for cell in report.cells:
            if cell.analysis is None or cell.status not in ANSWERED:
                continue
            self._add_cell(report.run_id, cell, period)

    def _question(self, text: str) -> bool:
        known = self.questions.get(text)
        if known is None:
            names = names_in(text, self.brands)
            known = self.questions[text] = TrendQuestion(text=text, branded=bool(names), names=names)
        return known.branded

    def _add_cell(self, run_id: str, cell: CellView, period: str) -> None:
        assert cell.analysis is not None
        self._question(cell.question)
        if cell.model not in self.models:
            self.models.append(cell.model)
        found = cell.analysis.brands
        tracked_mentions = sum(b.mention_count for name, b in found.items() if b.mentioned and name in self.brands)
        domains = _domains(cell)
        for name in self.brands:
            acc = self.cells.setdefault((name, cell.model, period), _Cell())
            if run_id not in acc.runs:
                acc.runs.append(run_id)
            q = acc.by_question.setdefault(cell.question, _QuestionCounts())
            q.answers += 1
            q.tracked_mentions += tracked_mentions
            brand = found.get(name)
            if brand is None or not brand.mentioned:
                continue
            q.mentioned += 1
            q.mentions += brand.mention_count
            if brand.rank is not None:
                q.ranked += 1
                q.rank_sum += brand.rank
                q.first += brand.rank == 1
            if brand.sentiment is not None:
                q.sentiment_sum += brand.sentiment
                q.sentiment_n += 1
            if brand.tone:
                acc.tones[brand.tone] += 1
            acc.domains.update(domains)

    def point(self, brand: str, model: str, period: str) -> TrendPoint:
        acc = self.cells.get((brand, model, period))
        if acc is None:
            empty = proportion(0, 0, NO_ANSWERS)
            return TrendPoint(period=period, visibility=empty, first_rate=empty, positive_rate=empty,
                              avg_rank=Estimate(reason=NO_ANSWERS), share_of_voice=Estimate(reason=NO_ANSWERS),
                              share_of_voice_branded=Estimate(reason=NO_ANSWERS),
                              share_of_voice_unbranded=Estimate(reason=NO_ANSWERS),
                              sentiment=Estimate(reason=NO_ANSWERS))
        qs = acc.by_question
        answers = sum(q.answers for q in qs.values())
        mentioned = sum(q.mentioned for q in qs.values())

        def sov(pick: bool | None) -> Estimate:
            chosen = [q for text, q in qs.items() if pick is None or self.questions[text].branded == pick]
            if not chosen:
                kind = "branded" if pick else "non-branded"
                return Estimate(reason=f"no {kind} question was asked")
            return _estimate([(q.mentions, q.tracked_mentions) for q in chosen], (0.0, 1.0),
                             "none of your brands or competitors was mentioned")

        tones = ToneCounts(positive=acc.tones["positive"], neutral=acc.tones["neutral"],
                           negative=acc.tones["negative"])
        top = sorted(acc.domains.items(), key=lambda item: (-item[1], item[0]))[:TOP_SOURCES]
        return TrendPoint(
            period=period, runs=list(acc.runs), answers=answers, questions=len(qs),
            visibility=proportion(mentioned, answers, NO_ANSWERS),
            first_rate=proportion(sum(q.first for q in qs.values()), answers, NO_ANSWERS),
            avg_rank=_estimate([(q.rank_sum, q.ranked) for q in qs.values()], (1.0, float("inf")),
                               "never one of the ranked options in this period"),
            share_of_voice=sov(None), share_of_voice_branded=sov(True), share_of_voice_unbranded=sov(False),
            sentiment=_estimate([(q.sentiment_sum, q.sentiment_n) for q in qs.values()], (-1.0, 1.0),
                                "not mentioned (or no sentence scored) in this period"),
            positive_rate=proportion(tones.positive, mentioned, "not mentioned in this period"),
            tones=tones,
            sources=[SourceShare(domain=d, answers=proportion(k, mentioned, "")) for d, k in top],
        )
