"""The report's ``Sources``: which domains and named sources the analysed answers cite.

Each answer counts a domain (or a named source) at most once, so the figures read as "in how
many answers", not "how many links".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from shared.contracts import CellRecord
from shared.report.stats import proportion
from shared.report.tally import NO_ANSWERS
from shared.report.types import SourceCount, Sources

TOP_SOURCES = 20


@dataclass(slots=True)
class SourceTally:
    domains: Counter[str] = field(default_factory=Counter)
    named: Counter[str] = field(default_factory=Counter)
    with_sources: int = 0

    def add(self, cell: CellRecord) -> None:
        assert cell.analysis is not None  # only called for analysed cells
        domains = {d.removeprefix("www.").lower() for d in cell.analysis.cited_domains if d}
        for citation in cell.result.citations:
            # Gemini's grounding URLs are all Google redirects; the client put the real site in `site`.
            domain = citation.site or domain_of(citation.url)
            if domain:
                domains.add(domain.lower())
        named = {n for n in cell.analysis.named_sources if n}
        self.domains.update(domains)
        self.named.update(named)
        if domains or named:
            self.with_sources += 1

    def finish(self, analysed: int) -> Sources:
        """``analysed``: the answers the tally could have seen (the share's denominator)."""
        return Sources(
            domains=_top(self.domains),
            named=_top(self.named),
            answers_with_sources=proportion(self.with_sources, analysed, NO_ANSWERS),
        )


def _top(counter: Counter[str]) -> list[SourceCount]:
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:TOP_SOURCES]
    return [SourceCount(name=name, answers=count) for name, count in ranked]


def domain_of(url: str) -> str | None:
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.removeprefix("www.")
