"""What the analyser says about one answer.

These types are stored with every cell (KV) and embedded in reports, so fields are additive:
a new field gets a default, old stored cells still decode, and readers ignore what they do
not know.
"""

from __future__ import annotations

from typing import Literal

import msgspec

Tone = Literal["positive", "neutral", "negative"]
EvidenceRole = Literal["mention", "rank", "tone"]
Confidence = Literal["sure", "unsure"]


class Evidence(msgspec.Struct, kw_only=True, frozen=True):
    """A stretch of the answer a verdict rests on, in character offsets: ``answer[start:end]``.

    ``rank``: the option header that carries the brand; ``tone``: the sentence(s) and the cue
    words read for the tone; ``mention``: a place the brand is named.
    """

    role: EvidenceRole
    start: int
    end: int


class BrandAnalysis(msgspec.Struct, kw_only=True, omit_defaults=False):
    """How one brand (main or competitor) appears in one answer, read from the text only."""

    mentioned: bool
    # 1-based position among the options the answer recommends; None when the brand is not
    # one of the ranked options (absent, or only mentioned in passing).
    rank: int | None = None
    first_offset: int | None = None
    mention_count: int = 0
    # -1.0 .. 1.0 over the sentences that mention the brand; None when not mentioned.
    sentiment: float | None = None
    tone: Tone | None = None
    # Position-adjusted word-count share (GEO impression metric, Aggarwal et al. 2024), 0..1.
    impression_share: float = 0.0
    # Where in the answer each verdict comes from (issue #12): every verdict has evidence.
    evidence: list[Evidence] = []
    # "unsure" when the layout is ambiguous, the tone mixed, or the brand sits inside another
    # brand's option; an analyst reviews these (and an optional judge model re-reads them).
    confidence: Confidence = "sure"
    unsure_reasons: list[str] = []
    # Ids of the answer's sources (CellResult.sources) attributed to this brand (issue #18).
    cited_sources: list[str] = []


class SelfReport(msgspec.Struct, kw_only=True):
    """The model's own `geo_analysis` block, parsed tolerantly. Never trusted over the text."""

    brand_mentioned: bool | None = None
    rank: int | None = None
    sentiment: float | None = None
    cited_sources: list[dict[str, str]] = []
    interception: str | None = None
    parse_note: str | None = None


class AnswerAnalysis(msgspec.Struct, kw_only=True):
    analyser_version: str
    # Keyed by the brand's canonical name as given in the request (main brand first).
    brands: dict[str, BrandAnalysis]
    # Every option the answer recommends, in order (user brands and discovered ones).
    recommended: list[str] = []
    # Recommended entities the user did not list as brand or competitor.
    discovered: list[str] = []
    cited_urls: list[str] = []
    cited_domains: list[str] = []
    named_sources: list[str] = []
    # Competitors recommended above the main brand, or while the main brand is absent.
    intercepted_by: list[str] = []
    self_report: SelfReport | None = None
    # Human-readable notes where the self-report contradicts the text.
    disagreements: list[str] = []
