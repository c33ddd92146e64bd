"""Finding brand mentions in an answer.

One combined regex per (brand, competitors) request, built once and cached: every alias of
every brand is an alternative, longest first, so that at any position the longest known name
wins ("华为云" over "华为" when both are tracked, "尚品宅配" attributed to the brand whose alias
it is). Latin aliases only match on word boundaries ("OPPO" never inside "OPPOSITE"); CJK
aliases match anywhere except inside a longer tracked name, because Chinese has no spaces and
"志邦家居" must count as a mention of "志邦".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from shared.analysis.textutil import ascii_folded, caseless_or_ascii
from shared.brand import Brand

_LATIN_EDGE = re.compile(r"[A-Za-z0-9]")
# How many (brand, competitors) matchers to keep: an aggregator analyses many runs over its
# lifetime, each with one brand set; old ones are rebuilt on demand (about a millisecond).
MATCHER_CACHE_SIZE = 256


# Not frozen: a frozen dataclass builds several times slower, and every mention is one.
@dataclass(slots=True)
class Mention:
    brand: str
    start: int
    end: int


def _alias_pattern(alias: str, *, literal_first: bool = False) -> str:
    # Guard only the ends that are Latin letters/digits: "清蓝GEO" must not match "清蓝GEOX",
    # but its CJK start may follow any character.
    guarded = _LATIN_EDGE.match(alias[0]) is not None
    suffix = r"(?![A-Za-z0-9])" if _LATIN_EDGE.match(alias[-1]) else ""
    if guarded and literal_first:
        # The same guard checked after the first character, so that every alternative starts
        # with a literal and re can skip ahead to the next possible first character.
        return re.escape(alias[0]) + r"(?<![A-Za-z0-9].)" + re.escape(alias[1:]) + suffix
    return (r"(?<![A-Za-z0-9])" if guarded else "") + re.escape(alias) + suffix


def _clean_names(name: str, aliases: tuple[str, ...] | list[str]) -> list[str]:
    seen: set[str] = set()
    names: list[str] = []
    for raw in [name, *aliases]:
        cleaned = raw.strip()
        if cleaned and cleaned.casefold() not in seen:
            seen.add(cleaned.casefold())
            names.append(cleaned)
    return names


class BrandMatcher:
    """Locates mentions of a fixed set of brands; immutable, safe to share between calls."""

    def __init__(self, brands: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
        self.brands = [name for name, _ in brands]
        owner: dict[str, str] = {}
        for canonical, aliases in brands:
            for alias in aliases:
                # The first brand to claim an alias keeps it (main brand first).
                owner.setdefault(alias.casefold(), canonical)
        self._owner = owner
        alternatives = sorted(owner, key=len, reverse=True)
        self._regex = (
            re.compile("|".join(_alias_pattern(a) for a in alternatives), re.IGNORECASE) if alternatives else None
        )
        # For ascii_folded() text: the same alternatives, lowercase, without IGNORECASE. Only when
        # every alias is ASCII or caseless (see textutil.ascii_folded); otherwise never used.
        self._folded_regex = (
            re.compile("|".join(_alias_pattern(a.lower(), literal_first=True) for a in alternatives))
            if alternatives and all(caseless_or_ascii(a) for a in alternatives)
            else None
        )

    def find(self, text: str, folded: str | None = None) -> list[Mention]:
        """Mentions in ``text``; pass ``folded`` = ascii_folded(text) when the caller already has it."""
        if self._regex is None:
            return []
        if self._folded_regex is not None and folded is None:
            folded = ascii_folded(text)
        if self._folded_regex is not None and folded is not None:
            matches = self._folded_regex.finditer(folded)
        else:
            matches = self._regex.finditer(text)
        owner = self._owner
        # A match in the folded copy differs from the text only in ASCII case, which casefold()
        # removes anyway.
        return [Mention(owner[m.group().casefold()], m.start(), m.end()) for m in matches]

    def spellings_in(self, text: str) -> list[str]:
        """Each mention in a short text (an option header) as written, in order.

        Uses the IGNORECASE pattern directly: it finds what find() finds, and on a few characters
        folding a copy costs more than the faster scan saves.
        """
        return self._regex.findall(text) if self._regex is not None else []

    def brands_of(self, spellings: list[str]) -> list[str]:
        """The brands that spellings_in() results name, in order of first appearance, each once."""
        found: list[str] = []
        for spelling in spellings:
            brand = self._owner[spelling.casefold()]
            if brand not in found:
                found.append(brand)
        return found

    def brands_in(self, text: str) -> list[str]:
        """Brands named in ``text``, in order of first appearance, each once."""
        return self.brands_of(self.spellings_in(text))


@lru_cache(maxsize=MATCHER_CACHE_SIZE)
def _cached_matcher(key: tuple[tuple[str, tuple[str, ...]], ...]) -> BrandMatcher:
    return BrandMatcher(key)


def matcher_for(brand: Brand, competitors: list[Brand]) -> BrandMatcher:
    """The matcher for a request, cached: an aggregator sees the same brands in every cell of a run."""
    # Looked up by the names as given, so that a run's cells skip cleaning them every time.
    return _matcher_for_names(tuple((b.name, tuple(b.aliases)) for b in [brand, *competitors]))


@lru_cache(maxsize=MATCHER_CACHE_SIZE)
def _matcher_for_names(given: tuple[tuple[str, tuple[str, ...]], ...]) -> BrandMatcher:
    key = tuple((name, tuple(names)) for name, aliases in given if (names := _clean_names(name, aliases)))
    return _cached_matcher(key)
