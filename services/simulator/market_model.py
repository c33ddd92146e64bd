"""The shape of the simulator's market knowledge: a category, its brands and the sites people
read about it on.

Separate from the data tables (categories_*.py) so the tables hold data only and the lookups
(knowledge.py) depend on the shape, not on any one table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Brand:
    name: str
    aliases: tuple[str, ...]
    # Latin name shown in parentheses by personas that like bilingual names (Qwen, GPT).
    latin: str
    positioning: str
    strengths: tuple[str, str]
    weakness: str
    audience: str


@dataclass(frozen=True, slots=True)
class Source:
    site_name: str
    url_prefix: str


@dataclass(frozen=True, slots=True)
class Category:
    key: str
    title: str
    keywords: tuple[str, ...]
    brands: tuple[Brand, ...]
    criteria: tuple[str, ...]
    sources: tuple[Source, ...]


def brand_row(name: str, latin: str, positioning: str, s1: str, s2: str, weak: str, audience: str,
              *aliases: str) -> Brand:
    """One brand as a table row lists it; its name, the extra aliases and its Latin name all match it."""
    return Brand(name, (name, *aliases) + ((latin,) if latin else ()), latin, positioning, (s1, s2), weak,
                 audience)
