"""Built-in market knowledge: product categories, their brands, and where people read about them.

The data is deliberately realistic (brand names, aliases, the strengths and complaints that real
answers in the corpus repeat) so a simulated report looks like one built from real models. List
order inside a category is rough market prominence: personas start from it and then diverge.

The data lives in tables by kind of market (categories_home_and_car, categories_consumer_goods,
categories_business_services) over the shape in market_model and the sites in market_sources;
this module orders them into one table and finds brands and categories in text.
"""

from __future__ import annotations

import re

from services.simulator.categories_business_services import DIGITAL_CONSULTING, GEO_SERVICE
from services.simulator.categories_consumer_goods import (
    APPLIANCES,
    COFFEE,
    MILK_POWDER,
    PHONE,
    SKINCARE,
    SNEAKERS,
    WELLNESS_TEA,
)
from services.simulator.categories_home_and_car import CAR_MODIFICATION, CUSTOM_FURNITURE, NEV, RENOVATION
from services.simulator.market_model import Brand, Category, Source
from services.simulator.market_sources import (
    AUTOHOME,
    BAIKE,
    DCD,
    JIAJU,
    KR36,
    SMZDM,
    TOUSU,
    TOUTIAO,
    XHS,
    ZHIHU,
    ZOL,
)

# Imported from here by the rest of the simulator (the source sites too, as before the split).
__all__ = [
    "AUTOHOME",
    "BAIKE",
    "BY_KEY",
    "CATEGORIES",
    "DCD",
    "JIAJU",
    "KR36",
    "SMZDM",
    "TOUSU",
    "TOUTIAO",
    "XHS",
    "ZHIHU",
    "ZOL",
    "Brand",
    "Category",
    "Source",
    "find_brands",
    "find_category",
    "lookup_brand",
]

# In table order: find_category tries specific categories before general ones, and the first
# table entry wins an alias two brands share.
CATEGORIES: tuple[Category, ...] = (
    CUSTOM_FURNITURE,
    PHONE,
    CAR_MODIFICATION,
    NEV,
    MILK_POWDER,
    SNEAKERS,
    COFFEE,
    DIGITAL_CONSULTING,
    SKINCARE,
    APPLIANCES,
    WELLNESS_TEA,
    RENOVATION,
    GEO_SERVICE,
)

BY_KEY = {category.key: category for category in CATEGORIES}

# Every alias, lowered, with the brand it names; the first table entry wins a shared alias.
_ALIASES: dict[str, tuple[Brand, Category]] = {}
for _category in CATEGORIES:
    for _brand in _category.brands:
        for _alias in _brand.aliases:
            _ALIASES.setdefault(_alias.lower(), (_brand, _category))

# Latin aliases need letter boundaries ("NB" must not match inside words).
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _aliases_by_first_char() -> dict[str, tuple[str, ...]]:
    """Aliases grouped by their first character, longest first, so "小米汽车" wins over "小米"."""
    groups: dict[str, list[str]] = {}
    for alias in sorted(_ALIASES, key=len, reverse=True):
        groups.setdefault(alias[0], []).append(alias)
    return {first: tuple(aliases) for first, aliases in groups.items()}


_BY_FIRST_CHAR = _aliases_by_first_char()
# Finds the next position where an alias may start, so a question is scanned in C, not per character
# in Python (a single alternation regex over every alias tried all of them at every position).
_ALIAS_START = re.compile("[" + "".join(re.escape(first) for first in _BY_FIRST_CHAR) + "]")


def _alias_at(text: str, start: int) -> str:
    """The longest alias that occurs in `text` at `start` (respecting Latin word boundaries), or ""."""
    for alias in _BY_FIRST_CHAR[text[start]]:
        if not text.startswith(alias, start):
            continue
        if alias.isascii():
            end = start + len(alias)
            if (start > 0 and text[start - 1] in _WORD_CHARS) or (end < len(text) and text[end] in _WORD_CHARS):
                continue
        return alias
    return ""


def find_brands(text: str) -> list[tuple[Brand, Category]]:
    """Known brands mentioned in `text`, in order of first mention, each once.

    Scans left to right; at each position the longest alias wins and the scan resumes after it.
    """
    lowered = text.lower()
    seen: dict[str, tuple[Brand, Category]] = {}
    position = 0
    while (candidate := _ALIAS_START.search(lowered, position)) is not None:
        start = candidate.start()
        alias = _alias_at(lowered, start)
        if alias:
            brand, category = _ALIASES[alias]
            seen.setdefault(brand.name, (brand, category))
            position = start + len(alias)
        else:
            position = start + 1
    return list(seen.values())


# Per category, one search for any of its keywords (lowered): a third of the cost of testing each.
_KEYWORD_RES = tuple(
    (category, re.compile("|".join(re.escape(keyword.lower()) for keyword in category.keywords)))
    for category in CATEGORIES
)


def find_category(text: str) -> Category | None:
    """The first category (in table order: specific before general) whose keyword occurs in `text`."""
    lowered = text.lower()
    for category, keywords in _KEYWORD_RES:
        if keywords.search(lowered):
            return category
    return None


def lookup_brand(name: str) -> tuple[Brand, Category] | None:
    return _ALIASES.get(name.lower())
