"""analyse(): one answer → AnswerAnalysis, deterministic and pure (no I/O, no clock).

Pipeline: cut out the self-report block → outline the Markdown → find brand mentions →
extract the recommended options and rank tracked brands among them → score sentiment and
impression per brand → collect sources → derive interception → compare with the self-report.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from shared.analysis.attribution import cited_by_brand, sentence_brands
from shared.analysis.evidence import (
    AnswerOffsets,
    inside_other_option,
    mention_evidence,
    rank_evidence,
    tone_evidence,
    unsure_reasons,
)
from shared.analysis.impression import impression_shares
from shared.analysis.matching import BrandMatcher, Mention, matcher_for
from shared.analysis.options import Option, recommended_options
from shared.analysis.selfreport import cut_self_report
from shared.analysis.sentiment import SentimentIndex, score, tone_from
from shared.analysis.sources import cited_domains, cited_urls, named_sources
from shared.analysis.structure import parse_outline
from shared.analysis.textutil import ascii_folded, sentence_spans
from shared.analysis.tone_scope import clause_owners, comparison_points, pronoun_owners
from shared.analysis.types import AnswerAnalysis, BrandAnalysis, SelfReport
from shared.brand import Brand
from shared.contracts import Source, Span

# Bump whenever the analyser's output for the same input may change.
ANALYSER_VERSION = "2026.12.5"

_INTERCEPTION_SPLIT = re.compile(r"[,，、;；/|]|\s+和\s+|\s+and\s+")


def _ranks(options: list[Option]) -> tuple[dict[str, int], dict[str, Option]]:
    ranks: dict[str, int] = {}
    blocks: dict[str, Option] = {}
    for position, option in enumerate(options, start=1):
        # A header naming two brands ("小米、荣耀：…", "Redmi（小米旗下）") is one entry: it ranks the
        # first; the others are mentioned there, unranked (labelling guide and rulings).
        if option.brands and option.brands[0] not in ranks:
            ranks[option.brands[0]] = position
            blocks[option.brands[0]] = option
    return ranks, blocks


def _attribution(
    text: str, sentences: list[tuple[int, int]], mentions: list[Mention], blocks: dict[str, Option]
) -> tuple[dict[int, set[str]], dict[int, list[tuple[int, str]]]]:
    """Which brands each sentence is about: inside a brand's option block, that brand alone;
    elsewhere the brands it names.

    Inside a block, the block's brand owns every sentence but the header's: a sentence there that
    names another brand uses it as a point of comparison ("相比华为略有差距" under 小米), which the
    labelling guide calls neutral for the brand named. Keyed by sentence index in reading order,
    and only for sentences about some brand. Also returned: per sentence, the (offset, brand) of
    the mentions that are not points of comparison (what clause_owners() splits by).
    """
    ends = [end for _, end in sentences]
    named: dict[int, set[str]] = {}
    named_at: dict[int, list[tuple[int, str]]] = {}
    # "略逊于欧派", "与索菲亚、志邦相比": the brand is the point of comparison, and the judgement
    # is about the other brand (the guide: neutral for the brand compared with).
    points = comparison_points(text, mentions)
    for position, mention in enumerate(mentions):
        if position in points:
            continue
        # The sentence a mention sits in is the first one ending after its start.
        index = bisect.bisect_right(ends, mention.start)
        if index < len(sentences):
            named.setdefault(index, set()).add(mention.brand)
            named_at.setdefault(index, []).append((mention.start, mention.brand))
    owners = dict(named)
    if blocks:
        starts = [start for start, _ in sentences]
        for brand, block in blocks.items():
            # Sentences are ordered and disjoint: those inside a block are one run of them.
            for index in range(bisect.bisect_left(starts, block.start), len(sentences)):
                if ends[index] > block.end:
                    break
                if index not in named:
                    owners.setdefault(index, set()).add(brand)
                elif sentences[index][0] > block.start and brand not in named[index]:
                    # Not the header's sentence, and naming only other brands: comparisons.
                    owners[index] = {brand}
    owners |= pronoun_owners(text, sentences, owners)
    return dict(sorted(owners.items())), named_at


def _regions(sentences: list[tuple[int, int]], owners: dict[int, set[str]]) -> list[tuple[int, int]]:
    """The text the given sentences cover, consecutive sentences joined into one run."""
    regions: list[tuple[int, int]] = []
    previous = -2
    for index in owners:
        start, end = sentences[index]
        if index == previous + 1:
            start = regions.pop()[0]
        regions.append((start, end))
        previous = index
    return regions


def _sentiment_totals(
    index: SentimentIndex,
    sentences: list[tuple[int, int]],
    owners: dict[int, set[str]],
    named_at: dict[int, list[tuple[int, str]]],
    tracked: list[str],
) -> tuple[dict[str, tuple[float, float, int, float]], dict[str, list[tuple[int, int]]]]:
    """(positive, negative, caveats, mild) per brand over the sentences about it, each sentence scored
    once; and per brand the spans read for it (its sentences, or its clauses of a sentence naming
    several brands), which its tone evidence cites."""
    positive = dict.fromkeys(tracked, 0.0)
    negative = dict.fromkeys(tracked, 0.0)
    caveats = dict.fromkeys(tracked, 0)
    mild = dict.fromkeys(tracked, 0.0)
    read: dict[str, list[tuple[int, int]]] = {name: [] for name in tracked}
    for sentence, who in owners.items():
        if len(who) > 1 and sentence in named_at:
            # A sentence naming several brands: each clause judges the brands it names ("欧派具有
            # 一定优势，但索菲亚、志邦各有特色"). No caveats: a contrast there contrasts the brands.
            start, end = sentences[sentence]
            for clause_start, clause_end, brands in clause_owners(index.text, start, end, named_at[sentence]):
                clause_positive, clause_negative, clause_mild = index.span_totals(clause_start, clause_end)
                for name in brands:
                    positive[name] += clause_positive
                    negative[name] += clause_negative
                    mild[name] += clause_mild
                    read[name].append((clause_start, clause_end))
            continue
        sentence_positive, sentence_negative, sentence_mild = index.span_totals(*sentences[sentence])
        # A reservation in a sentence about several brands usually contrasts them ("华为领先，但
        # vivo和小米的竞争力不容忽视"), not a drawback of each: only one brand's own sentences count.
        sentence_caveats = index.span_caveats(*sentences[sentence]) if len(who) == 1 else 0
        for name in who:
            positive[name] += sentence_positive
            negative[name] += sentence_negative
            mild[name] += sentence_mild
            caveats[name] += sentence_caveats
            read[name].append(sentences[sentence])
    return {name: (positive[name], negative[name], caveats[name], mild[name]) for name in tracked}, read


def _intercepted(main: str, brands: list[str], ranks: dict[str, int]) -> list[str]:
    main_rank = ranks.get(main)
    ranked = sorted((ranks[b], b) for b in brands if b != main and b in ranks)
    return [b for r, b in ranked if main_rank is None or r < main_rank]


def _disagreements(
    report: SelfReport, main: str, result: BrandAnalysis, intercepted: list[str], matcher: BrandMatcher
) -> list[str]:
    notes: list[str] = []
    if report.brand_mentioned is not None and report.brand_mentioned != result.mentioned:
        if result.mentioned:
            notes.append(
                f"self-report says brand_mentioned=false, but the text names {main} {result.mention_count} time(s)"
            )
        else:
            notes.append(f"self-report says brand_mentioned=true, but the text never names {main}")
    if report.rank != result.rank:
        said = "not ranked" if report.rank is None else f"rank {report.rank}"
        found = "not among the ranked options" if result.rank is None else f"ranked {result.rank}"
        notes.append(f"self-report says {said}, but in the text {main} is {found}")
    if report.interception is not None:
        claimed: list[str] = []
        for piece in _INTERCEPTION_SPLIT.split(report.interception):
            for brand in matcher.brands_in(piece):
                if brand != main and brand not in claimed:
                    claimed.append(brand)
        if set(claimed) != set(intercepted):
            notes.append(
                "self-report names interceptors [" + ", ".join(claimed) + "], "
                "the text shows [" + ", ".join(intercepted) + "]"
            )
    return notes


def analyse(
    answer: str,
    brand: Brand,
    competitors: list[Brand],
    *,
    self_report_expected: bool = False,
    sources: Sequence[Source] = (),
    spans: Sequence[Span] = (),
) -> AnswerAnalysis:
    """Analyse one answer for the main brand and its competitors (see docs/analysis.md).

    ``sources``/``spans``: a search-grounded answer's citations (CellResult.sources/spans, in
    offsets of ``answer``); each brand's ``cited_sources`` are the ids attributed to it.
    """
    # One ASCII-lowercased copy serves every case-insensitive scan below.
    text, folded, report = cut_self_report(answer, ascii_folded(answer))
    matcher = matcher_for(brand, competitors)
    tracked = matcher.brands
    mentions = matcher.find(text, folded)
    outline = parse_outline(text)
    intro = text[: outline.children[0].start] if outline.children else ""
    options = recommended_options(outline, matcher, intro)
    ranks, blocks = _ranks(options)
    sentences = sentence_spans(text)
    owners, named_at = _attribution(text, sentences, mentions, blocks)
    shares = impression_shares(text, sentences, owners, tracked)
    # Only sentences about some brand are scored: index those alone.
    sentiment_index = SentimentIndex(text, folded, _regions(sentences, owners))

    by_brand: dict[str, list[Mention]] = {name: [] for name in tracked}
    for mention in mentions:
        by_brand[mention.brand].append(mention)
    owned: dict[str, list[int]] = {name: [] for name in tracked}
    for sentence, who in owners.items():
        for name in who:
            owned[name].append(sentence)
    polarity, read = _sentiment_totals(sentiment_index, sentences, owners, named_at, tracked)
    offsets = AnswerOffsets(answer, text)
    shared_headers = {name for option in options if len(option.brands) > 1 for name in option.brands}
    cited: dict[str, list[str]] = {}
    if spans and sources:
        about = sentence_brands(sentences, mentions, options)
        cited = cited_by_brand(text, offsets, sentences, about, sources, spans)
    brands: dict[str, BrandAnalysis] = {}
    for name in tracked:
        found = by_brand[name]
        if not found:
            brands[name] = BrandAnalysis(mentioned=False, mention_count=0, impression_share=shares[name])
            continue
        positive, negative, caveats, mild = polarity[name]
        value = score(positive, negative)
        tone = tone_from(positive, negative, caveats, mild)
        block = blocks.get(name)
        evidence = mention_evidence(found, offsets)
        if block is not None:
            evidence.append(rank_evidence(text, block, offsets, block.table))
        # A brand read nowhere (only compared with) cites the sentence naming it.
        read_spans = read[name] or sentences
        tone_cited = tone_evidence(
            text, read_spans, range(len(read[name])), found, sentiment_index, offsets
        )
        evidence.extend(tone_cited)
        inside_other = block is None and inside_other_option(name, found, options)
        reasons = unsure_reasons(
            mixed_tone=bool(positive and (negative or caveats)),
            shared_header=name in shared_headers,
            inside_other=inside_other,
            compared_only=not owned[name],
            table=block is not None and block.table,
            # Praise or blame read from prose only (no option of its own): a passing mention in
            # a sentence about something else is where labellers and rules part most.
            prose_only=block is None and not inside_other and tone != "neutral",
        )
        brands[name] = BrandAnalysis(
            mentioned=True,
            rank=ranks.get(name),
            first_offset=offsets.at(found[0].start),
            mention_count=len(found),
            sentiment=value,
            tone=tone,
            impression_share=shares[name],
            evidence=evidence,
            confidence="unsure" if reasons else "sure",
            unsure_reasons=reasons,
            cited_sources=cited.get(name, []),
        )

    main = tracked[0] if tracked else brand.name
    intercepted = _intercepted(main, tracked, ranks)
    urls = cited_urls(text, folded)
    recommended = [o.name for o in options]
    discovered = [o.name for o in options if not o.brands]
    notes: list[str] = []
    if report is not None and main in brands:
        notes = _disagreements(report, main, brands[main], intercepted, matcher)
    elif report is None and self_report_expected:
        notes = ["a geo_analysis self-report was requested but the answer has none"]
    return AnswerAnalysis(
        analyser_version=ANALYSER_VERSION,
        brands=brands,
        recommended=recommended,
        discovered=discovered,
        cited_urls=urls,
        cited_domains=cited_domains(urls),
        named_sources=named_sources(text, folded),
        intercepted_by=intercepted,
        self_report=report,
        disagreements=notes,
    )
