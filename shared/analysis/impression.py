"""Position-adjusted word-count impression share (Aggarwal et al., GEO, KDD 2024).

For an answer split into sentences s_0 … s_{n−1}:

    Imp(b) = Σ_{i : b ∈ A_i}  wc(s_i) · exp(−i / n) / |A_i|
    share(b) = Imp(b) / Σ_b' Imp(b')

where A_i is the set of tracked brands sentence i is attributed to (the brands it names; a
sentence naming none inside a brand's option block is attributed to that brand), wc counts
words (one per CJK character, one per Latin/digit run) and the exponential decay favours what
a reader sees first. A sentence shared by several brands is split equally between them, as the
paper splits a sentence citing several sources.
"""

from __future__ import annotations

import math

from shared.analysis.textutil import word_count


def impression_shares(
    text: str, sentences: list[tuple[int, int]], attributed: dict[int, set[str]], brands: list[str]
) -> dict[str, float]:
    """``attributed``: sentence index → the brands it is about, in reading order (see analyser)."""
    totals = dict.fromkeys(brands, 0.0)
    n = len(sentences)
    for index, owners in attributed.items():
        start, end = sentences[index]
        weight = word_count(text, start, end) * math.exp(-index / n) / len(owners)
        for brand in owners:
            totals[brand] += weight
    grand = sum(totals.values())
    if grand <= 0:
        return dict.fromkeys(brands, 0.0)
    return {brand: round(value / grand, 4) for brand, value in totals.items()}
