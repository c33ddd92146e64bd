"""Building the one normalised shape of a search-grounded answer: sources, their kinds, spans.

Every dialect collects the engine's sources into a ``SourceBook`` (one id per URL, in order of
first appearance) and the stretches of text they back as spans in *character* offsets; the book
then labels each source ``cited`` (a span points at it) or ``retrieved`` (consulted, not cited).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from shared.contracts import Source, Span


def domain_of(url: str) -> str:
    """Lowercase host without ``www.``; "" for a URL with no dotted host."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    host = host.lower().rstrip(".").removeprefix("www.")
    return host if "." in host else ""


class SourceBook:
    """The sources of one answer, each URL once, ids ``s1``, ``s2`` … in order of appearance."""

    def __init__(self) -> None:
        self._by_url: dict[str, Source] = {}

    def add(self, url: str, title: str = "", site_name: str = "", domain: str = "") -> str | None:
        """The id of ``url`` (added when new); None for anything that is not an http(s) URL."""
        if not url.startswith(("http://", "https://")):
            return None
        known = self._by_url.get(url)
        if known is not None:
            # A later mention may carry the title or site the first one lacked.
            known.title = known.title or title
            known.site_name = known.site_name or site_name
            return known.id
        source = Source(id=f"s{len(self._by_url) + 1}", url=url, domain=domain or domain_of(url), title=title,
                        site_name=site_name, kind="retrieved")
        self._by_url[url] = source
        return source.id

    def finish(self, spans: list[Span]) -> list[Source]:
        """Sources with their kind: ``cited`` when a span points at them, ``retrieved`` otherwise."""
        pointed = {source_id for span in spans for source_id in span.source_ids}
        out = []
        for source in self._by_url.values():
            source.kind = "cited" if source.id in pointed else "retrieved"
            out.append(source)
        return out


def add_span(spans: list[Span], start: int, end: int, source_ids: list[str | None]) -> None:
    """Append a span, merging into one already covering the same stretch (engines repeat them)."""
    ids = [source_id for source_id in dict.fromkeys(source_ids) if source_id is not None]
    if end <= start or not ids:
        return
    for span in spans:
        if span.start == start and span.end == end:
            span.source_ids.extend(source_id for source_id in ids if source_id not in span.source_ids)
            return
    spans.append(Span(start=start, end=end, source_ids=ids))


def utf8_offset_to_char(text: str, byte_offset: int) -> int:
    """The character offset of UTF-8 byte ``byte_offset`` of ``text`` (a cut inside a character
    rounds down to that character's start)."""
    if byte_offset <= 0:
        return 0
    encoded = text.encode("utf-8")
    return len(encoded[:byte_offset].decode("utf-8", errors="ignore"))


# Sentence ends as the analyser splits them (shared.analysis.textutil): CJK and Latin terminators,
# semicolons and line breaks, or a full stop before a blank or the end.
_SENTENCE_END = re.compile(r"[。！？!?；;\n]+|\.(?=\s|$)")


def sentence_start(text: str, position: int) -> int:
    """Where the sentence holding ``position`` starts (after the previous terminator, blanks skipped)."""
    start = 0
    for match in _SENTENCE_END.finditer(text, 0, position):
        start = match.end()
    while start < position and text[start].isspace():
        start += 1
    return start


__all__ = ["SourceBook", "add_span", "domain_of", "sentence_start", "utf8_offset_to_char"]
