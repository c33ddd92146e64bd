"""Sources an answer cites: URLs, their domains, and platforms named in prose (知乎, 小红书 …)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from shared.analysis.lexicon import NAMED_SOURCES
from shared.analysis.textutil import ascii_folded, trie_pattern

_URL_PATTERN = r"(?:https?://|www\.)[^\s<>\"'()（）\[\]【】{}，。；、！？|*`]+"
_URL = re.compile(_URL_PATTERN, re.IGNORECASE)
# The same on ascii_folded() text: without IGNORECASE, re skips ahead to the next "h" or "w".
_URL_FOLDED = re.compile(_URL_PATTERN)
_TRAILING = ".,;:!?)'\""
_SOURCE_OWNER: dict[str, str] = {
    spelling.casefold(): canonical for canonical, spellings in NAMED_SOURCES.items() for spelling in spellings
}
_SPELLINGS = [spelling for spellings in NAMED_SOURCES.values() for spelling in spellings]
_SOURCE_CJK = re.compile(trie_pattern([s for s in _SPELLINGS if not s.isascii()]))
_LATIN_SPELLINGS = [s for s in _SPELLINGS if s.isascii()]
_SOURCE_LATIN = re.compile(r"(?<![A-Za-z])(?:" + trie_pattern(_LATIN_SPELLINGS) + r")(?![A-Za-z])", re.IGNORECASE)
_SOURCE_LATIN_FOLDED = re.compile(
    trie_pattern([s.lower() for s in _LATIN_SPELLINGS], not_after="[A-Za-z]") + "(?![A-Za-z])"
)


def cited_urls(text: str, folded: str | None = None) -> list[str]:
    """URLs in order, once each; pass ``folded`` = ascii_folded(text) when the caller already has it."""
    urls: list[str] = []
    if folded is None:
        folded = ascii_folded(text)
    matches = _URL.finditer(text) if folded is None else _URL_FOLDED.finditer(folded)
    for match in matches:
        url = text[match.start() : match.end()].rstrip(_TRAILING)
        if url.lower().startswith("www."):
            url = "http://" + url
        if url not in urls and domain_of(url):
            urls.append(url)
    return urls


def domain_of(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    host = host.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    return host if "." in host else ""


def cited_domains(urls: list[str]) -> list[str]:
    domains: list[str] = []
    for url in urls:
        domain = domain_of(url)
        if domain and domain not in domains:
            domains.append(domain)
    return domains


def _first(span: tuple[int, int]) -> int:
    return span[0]


def named_sources(text: str, folded: str | None = None) -> list[str]:
    """Canonical platform names in order of first appearance; ``folded`` as for cited_urls()."""
    found: list[str] = []
    if folded is None:
        folded = ascii_folded(text)
    latin = _SOURCE_LATIN.finditer(text) if folded is None else _SOURCE_LATIN_FOLDED.finditer(folded)
    spans = sorted([*(m.span() for m in _SOURCE_CJK.finditer(text)), *(m.span() for m in latin)], key=_first)
    for start, end in spans:
        canonical = _SOURCE_OWNER[text[start:end].casefold()]
        if canonical not in found:
            found.append(canonical)
    return found
