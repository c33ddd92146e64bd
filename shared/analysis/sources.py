"""Sources an answer cites: URLs, their domains, and platforms named in prose (知乎, 小红书 …)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from shared.analysis.lexicon import NAMED_SOURCES
from shared.analysis.textutil import trie_pattern

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'()（）\[\]【】{}，。；、！？|*`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)'\""
_SOURCE_OWNER: dict[str, str] = {
    spelling.casefold(): canonical for canonical, spellings in NAMED_SOURCES.items() for spelling in spellings
}
_SPELLINGS = [spelling for spellings in NAMED_SOURCES.values() for spelling in spellings]
_SOURCE_CJK = re.compile(trie_pattern([s for s in _SPELLINGS if not s.isascii()]))
_SOURCE_LATIN = re.compile(
    r"(?<![A-Za-z])(?:" + trie_pattern([s for s in _SPELLINGS if s.isascii()]) + r")(?![A-Za-z])", re.IGNORECASE
)


def cited_urls(text: str) -> list[str]:
    urls: list[str] = []
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
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


def named_sources(text: str) -> list[str]:
    found: list[str] = []
    matches = sorted([*_SOURCE_CJK.finditer(text), *_SOURCE_LATIN.finditer(text)], key=lambda m: m.start())
    for match in matches:
        canonical = _SOURCE_OWNER[match.group(0).casefold()]
        if canonical not in found:
            found.append(canonical)
    return found
