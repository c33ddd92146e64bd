"""Lexicon sentiment over the sentences that talk about a brand, with negation and contrast.

One regex pass over the answer finds every lexicon word; each sentence then sums the words it
holds. A negator just before a word flips it ("不太推荐", "并不出色", "not recommended"); words
after a contrast marker ("但", "不过") weigh more, because Chinese answers put the verdict
there ("性能强，但价格偏高"). Score = (P − N) / (P + N + 1): bounded in (−1, 1), and a single
word moves it less than several agreeing ones.
"""

from __future__ import annotations

import bisect
import re

from shared.analysis.lexicon import (
    CONTRAST_ZH,
    DRAWBACK_LABELS,
    NEGATIVE_EN,
    NEGATIVE_ZH,
    NEGATORS_EN,
    NEGATORS_ZH,
    NEUTRAL_ZH,
    POSITIVE_EN,
    POSITIVE_ZH,
)
from shared.analysis.textutil import ascii_folded, trie_branches, trie_pattern
from shared.analysis.types import Tone

POSITIVE_THRESHOLD = 0.15
NEGATIVE_THRESHOLD = -0.15
_CONTRAST_WEIGHT = 1.5
_NEGATION_WINDOW = 3


_POLARITY: dict[str, int] = {w: 1 for w in POSITIVE_ZH} | {w: -1 for w in NEGATIVE_ZH}
_POLARITY |= {w: 1 for w in POSITIVE_EN} | {w: -1 for w in NEGATIVE_EN}
_POLARITY |= dict.fromkeys(NEUTRAL_ZH, 0)
# Two scans rather than one combined pattern: case folding and word boundaries are only needed
# for English, and re runs the CJK trie several times faster without IGNORECASE (and without
# Latin first characters among its candidates).
_LEXICON_ZH = re.compile(trie_pattern(NEUTRAL_ZH + POSITIVE_ZH + NEGATIVE_ZH))
# English words on word boundaries, case-insensitive: the IGNORECASE form for texts that
# ascii_folded() cannot fold, the lowercase guarded form (same matches, much faster) otherwise.
_WORD = r"\w"
_LEXICON_EN = re.compile(r"\b(?:" + trie_pattern(POSITIVE_EN + NEGATIVE_EN) + r")\b", re.IGNORECASE)
_LEXICON_EN_FOLDED = re.compile(trie_pattern(POSITIVE_EN + NEGATIVE_EN, not_after=_WORD) + r"\b")
# Two letters in a row (spelled out rather than "{2}": a pattern starting with a character set
# lets re skip ahead to the next letter; a repeat makes it try every position).
_HAS_LATIN = re.compile(r"[A-Za-z][A-Za-z]")
_NEGATOR_ZH = re.compile("(?:" + "|".join(map(re.escape, NEGATORS_ZH)) + ")$")
# A Chinese negator ends with one of these right before the word, or before a line break there
# ("$" also matches before a final "\n"); any other character before a word rules it out.
_NEGATOR_ZH_LAST = frozenset(word[-1] for word in NEGATORS_ZH) | {"\n"}
# Words that start with a negator character but do not negate what follows.
_FALSE_NEGATOR = re.compile(
    "不仅|不但|无论|不论|不管|无需|不断|不同|不少|无限|非常|无疑|不错|别具|特别|区别|分别|级别|类别|个别|别致"
)
_NEGATOR_EN = re.compile(r"\b(?:" + "|".join(map(re.escape, NEGATORS_EN)) + r")\s+(?:\w+\s+)?$", re.IGNORECASE)
_CONTRAST = re.compile("|".join(map(re.escape, CONTRAST_ZH)) + r"|\bbut\b|\bhowever\b", re.IGNORECASE)
# Branches that all start with a literal, so that re skips ahead between candidates.
_CONTRAST_FOLDED = re.compile(
    "|".join(trie_branches(CONTRAST_ZH) + trie_branches(("but", "however"), not_after=_WORD, suffix=r"\b"))
)
# What may precede a sentence's first word: blanks, list markers, numbers, emphasis.
_LEAD_IN = " \t\n*-+•#>0123456789.、)）"
# A reservation addressed to the reader is advice ("但还是建议您根据需求选择"), not a drawback.
_ADDRESSES_READER = re.compile("您|你|建议")
# "适合追求高性能但预算有限的用户": a contrast inside the description of who it suits (in the
# same clause, after "适合") describes the reader, not the brand.
_AUDIENCE = re.compile(r"适合[^，,。；;：:]*$")
# A drawback followed, in the same sentence, by its fix ("曾有争议，但新款已有显著改进").
_RESOLVED = re.compile(r"[^。；;！!？?\n]{0,30}?(?:但|不过)[^。；;！!？?\n]{0,20}?(?:改进|改善|进步|回升)")
# A drawback stated as past ("早期产品曾有争议", "第一代产品曾因…问题受到批评").
_PAST = re.compile(r"(?:曾|早期|过去|初代|第一代)[^，,。；;：:|\n]*$")
# A drawback of a brand's age or market standing ("起步稍晚", "历史积淀较浅", "声量相对华为略低",
# "渠道覆盖略逊于华为"): the rulings' mild drawback, which does not undo praise (tone_from()).
# The topic sits in the drawback word's clause, before it or inside it.
_STANDING_WORDS = r"起步|历史|积淀|资历|成立时间|声量|知名度|认知度|名气|渠道覆盖"
_STANDING = re.compile(_STANDING_WORDS)
_STANDING_BEFORE = re.compile(r"(?:" + _STANDING_WORDS + r")[^，,。；;：:|\n]*$")
_CLAUSE_AFTER = re.compile(r"[^，,。；;：:|\n]*")
# A clause describing the reader ("追求…", "适合…的用户"), up to the word: nothing in it judges a brand.
_READER_WISH = re.compile(r"(?:追求|看重|偏好|在意|钟爱|适合|不介意)[^，,。；;：:|\n]*$")
# A bullet or line headed by a drawback label ("- **考量点**：…", "注意：价格偏高"): whatever follows
# is a stated drawback, worded in the lexicon or not ("服务质量因店而异").
_DRAWBACK_LABEL = re.compile(
    r"^[ \t]*(?:[-*+•]\s*|\d{1,2}[.、)）]\s*)?(?:\*\*)?(?:" + "|".join(map(re.escape, DRAWBACK_LABELS))
    + r")(?:\*\*)?[ \t]*[:：](?![ \t]*(?:\*\*)?[ \t]*$)",
    re.MULTILINE,
)


def _start(match: re.Match[str]) -> int:
    return match.start()


def _lexicon_matches(text: str, folded: str | None, start: int, end: int) -> list[re.Match[str]]:
    """Every lexicon word in ``text[start:end]`` in text order; ``folded`` = ascii_folded(text)."""
    found = list(_LEXICON_ZH.finditer(text, start, end))
    if _HAS_LATIN.search(text, start, end):
        english = (
            _LEXICON_EN.finditer(text, start, end)
            if folded is None
            else _LEXICON_EN_FOLDED.finditer(folded, start, end)
        )
        # Chinese and English words never overlap: ordering by start interleaves the two.
        found = sorted([*found, *english], key=_start)
    return found


class SentimentIndex:
    """Every lexicon hit of one text, searchable by span."""

    def __init__(
        self, text: str, folded: str | None = None, regions: list[tuple[int, int]] | None = None
    ) -> None:
        """Pass ``folded`` = ascii_folded(text) when the caller already has it.

        ``regions``: ordered, disjoint runs of whole sentences to index (default: the whole text);
        span_totals() then serves sentences inside them. Lexicon words, negators and contrast markers hold
        no sentence terminator, so a word found in a run is one a scan of the whole text finds.
        """
        self.text = text
        if folded is None:
            folded = ascii_folded(text)
        if regions is None:
            regions = [(0, len(text))]
        # Parallel lists rather than one object per hit: built for every answer, read by bisect.
        starts: list[int] = []
        ends: list[int] = []
        polarities: list[int] = []  # +1 / -1 after negation
        mild: list[bool] = []  # drawbacks of age or market standing (see _STANDING)
        contrasts: list[int] = []
        contrast_starts: list[int] = []
        caveats: list[int] = []  # drawback labels: offsets of their first character
        for region_start, region_end in regions:
            caveats.extend(m.start() for m in _DRAWBACK_LABEL.finditer(text, region_start, region_end))
            for match in _lexicon_matches(text, folded, region_start, region_end):
                # Lexicon keys are lowercase: lowering finds English words whatever their case.
                polarity = _POLARITY.get(match.group().lower(), 0)
                start = match.start()
                if polarity < 0 and (
                    _PAST.search(text, max(region_start, start - 20), start) or _RESOLVED.match(text, start, region_end)
                ):
                    # A past drawback, or one since fixed ("早期曾受诟病，但近几代已有显著改进"):
                    # the rulings' mild or past drawback, not one the brand has now.
                    polarity = 0
                # A drawback of age or standing stays a drawback, flagged mild: it does not undo
                # praise (tone_from()), but with no praise it still judges the brand.
                is_mild = polarity < 0 and (
                    _STANDING.search(match.group()) is not None
                    or _STANDING_BEFORE.search(text, max(region_start, start - 20), start) is not None
                )
                if polarity < 0 and _READER_WISH.search(text, max(region_start, start - 20), start):
                    # What the reader wants or puts up with ("追求品牌溢价：华为是首选", "适合不介意
                    # 价格偏高的用户") is no drawback of the brand.
                    polarity = 0
                if polarity:
                    starts.append(start)
                    ends.append(match.end())
                    # Cheap necessary condition of _negated() first: a negator ends right before
                    # the word (Chinese) or is followed by blanks (English); most words have neither.
                    previous = text[start - 1] if start else ""
                    if (previous in _NEGATOR_ZH_LAST or previous.isspace()) and self._negated(start):
                        polarity = -polarity
                    polarities.append(polarity)
                    mild.append(is_mild and polarity < 0)
            markers = (
                _CONTRAST.finditer(text, region_start, region_end)
                if folded is None
                else _CONTRAST_FOLDED.finditer(folded, region_start, region_end)
            )
            # "不但" / "不只是" open an addition, "包括但不限于" a list: neither is a contrast.
            for m in markers:
                if not (m.start() and text[m.start() - 1] == "不") and not text.startswith("但不限于", m.start()):
                    contrasts.append(m.end())
                    contrast_starts.append(m.start())
        self._starts = starts
        self._ends = ends
        self._polarities = polarities
        self._mild = mild
        self._contrasts = contrasts
        self._contrast_starts = contrast_starts
        self._caveats = caveats

    def _negated(self, start: int) -> bool:
        text = self.text
        # Cheap necessary conditions first: a Chinese negator ends right before the word, an
        # English one is followed by blanks ("not recommended"); most words have neither.
        previous = text[start - 1] if start else ""
        if (
            previous in _NEGATOR_ZH_LAST
            and _NEGATOR_ZH.search(text[max(0, start - _NEGATION_WINDOW) : start])
            and not _FALSE_NEGATOR.search(text[max(0, start - 4) : start + 2])
        ):
            return True
        return previous.isspace() and _NEGATOR_EN.search(text[max(0, start - 24) : start]) is not None

    def span_totals(self, start: int, end: int) -> tuple[float, float, float]:
        """(positive, negative, mild) weight of one sentence (inside the indexed regions); mild is
        the part of negative that drawbacks of age or market standing weigh.

        Weights are 1 or 1.5: sums of them are exact, so per-sentence totals add up to what
        summing a brand's words one by one gives.
        """
        first = bisect.bisect_left(self._starts, start)
        last = bisect.bisect_left(self._starts, end)
        if first == last:
            return 0.0, 0.0, 0.0
        contrast = bisect.bisect_left(self._contrasts, start)
        pivot = self._contrasts[contrast] if contrast < len(self._contrasts) else end
        positive = negative = mild = 0.0
        for index in range(first, last):
            weight = _CONTRAST_WEIGHT if pivot <= self._starts[index] < end else 1.0
            if self._polarities[index] > 0:
                positive += weight
            else:
                negative += weight
                if self._mild[index]:
                    mild += weight
        return positive, negative, mild


    def span_caveats(self, start: int, end: int) -> int:
        """Drawbacks of one sentence that the lexicon does not see: a drawback label heading it,
        and a reservation after a contrast marker ("功能丰富，但广告较多需手动关闭", "虽然领先，但其
        主要通过合作造车"): the clause after the marker holds no praise, and either the sentence
        opens with the marker or praise comes before it ("虽然起步晚，但也各有特色" is praise).
        A clause addressed to the reader ("但还是建议您按需选择") is advice, not a drawback.
        """
        count = bisect.bisect_left(self._caveats, end) - bisect.bisect_left(self._caveats, start)
        first = bisect.bisect_left(self._contrasts, start)
        last = bisect.bisect_left(self._contrasts, end)
        text = self.text
        pairs = zip(self._contrasts[first:last], self._contrast_starts[first:last], strict=True)
        for marker, marker_start in pairs:
            if _ADDRESSES_READER.search(text, marker, end) or _AUDIENCE.search(text, start, marker_start):
                continue
            clause = _CLAUSE_AFTER.match(text, marker, end)
            if clause is not None and _STANDING.search(clause.group()):
                # "…有优势，但历史积淀相对较浅": a mild drawback (see _STANDING).
                continue
            hits = range(bisect.bisect_left(self._starts, start), bisect.bisect_left(self._starts, end))
            praise_after = any(self._polarities[i] > 0 for i in hits if self._starts[i] >= marker)
            praise_before = any(self._polarities[i] > 0 for i in hits if self._starts[i] < marker)
            opens = not text[start:marker_start].strip(_LEAD_IN)
            if not praise_after and (praise_before or opens):
                count += 1
        return count

    def cues(self, start: int, end: int) -> list[tuple[int, int, int]]:
        """The lexicon words of one sentence as (start, end, polarity after negation): the cue
        words a tone verdict cites as its evidence."""
        first = bisect.bisect_left(self._starts, start)
        last = bisect.bisect_left(self._starts, end)
        return [(self._starts[i], self._ends[i], self._polarities[i]) for i in range(first, last)]


def score(positive: float, negative: float) -> float:
    return round((positive - negative) / (positive + negative + 1.0), 3)


def tone_of(value: float) -> Tone:
    """Tone of a score alone (see tone_from() for the verdict on a brand's word counts)."""
    if value >= POSITIVE_THRESHOLD:
        return "positive"
    if value <= NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"


def tone_from(positive: float, negative: float, caveats: int = 0, mild: float = 0.0) -> Tone:
    """Tone of a brand from its weighted (positive, negative) word counts and its caveats
    (drawbacks stated in words outside the lexicon, SentimentIndex.span_caveats()).

    The labelling guide's rule, not a balance of counts: praise together with a stated drawback
    of its own ("优势：… 不足：价格偏高", "但售后一般") is neutral however much praise there is;
    positive needs praise and no drawback, negative drawbacks and no praise. A caveat alone
    (no praise, no drawback word) judges nothing: neutral.

    ``mild``: the part of ``negative`` weighed by drawbacks of age or market standing ("起步稍晚",
    "声量略低"): the rulings' mild drawbacks, which leave praise positive ("neutral unless other
    praise makes it positive"). With no praise they count as any drawback.
    """
    if positive:
        negative -= mild
    if positive and (negative or caveats):
        return "neutral"
    return tone_of(score(positive, negative))
