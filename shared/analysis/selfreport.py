"""Finding, cutting out and tolerantly parsing the model's `geo_analysis` self-report block.

Real answers end the block in many ways: bare JSON, a ```json fence, text after it, trailing
commas, Python literals, curly quotes, or a cut-off tail. The block is located by its key and
by brace matching (string-aware), removed from the text the analyser reads, and parsed with
progressively looser attempts: strict JSON, repaired JSON, then field-by-field patterns. What
was needed is recorded in ``parse_note``. The result is evidence to compare, never a value the
analyser adopts.
"""

from __future__ import annotations

import json
import re
from typing import Any

from shared.analysis.textutil import ascii_folded
from shared.analysis.types import SelfReport

_KEY_PATTERN = r"[\"'“”]?geo_analysis[\"'“”]?\s*[:：]"
_KEY = re.compile(_KEY_PATTERN, re.IGNORECASE)
_KEY_FOLDED = re.compile(_KEY_PATTERN)  # for ascii_folded() text
_FENCE_OPEN = re.compile(r"```[A-Za-z]*\s*$")
_FENCE_CLOSE = re.compile(r"\s*```")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_PY_LITERAL = {"True": "true", "False": "false", "None": "null"}
_PY_LITERAL_RE = re.compile(r"\b(True|False|None)\b")
_CURLY = str.maketrans({"“": '"', "”": '"', "：": ":", "，": ","})

# Outside strings only quotes and braces matter; a string runs to the next unescaped quote
# (an escape skips any one character, a line break included).
_JSON = json.JSONDecoder()
_JSON_MARK = re.compile(r'["{}]')
_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)

_FIELD_BOOL = re.compile(r"[\"']?brand_mentioned[\"']?\s*:\s*[\"']?(true|false|True|False|1|0)", re.IGNORECASE)
_FIELD_RANK = re.compile(r"[\"']?rank[\"']?\s*:\s*[\"']?(-?\d+)")
_FIELD_SENTIMENT = re.compile(r"[\"']?sentiment[\"']?\s*:\s*[\"']?(-?\d+(?:\.\d+)?)")
_FIELD_INTERCEPTION = re.compile(r"[\"']?interception[\"']?\s*:\s*[\"']([^\"'\n]*)")
_FIELD_SOURCE = re.compile(r"\{[^{}]*?[\"']url[\"']\s*:\s*[\"']([^\"']*)[\"'][^{}]*\}")
_FIELD_SITE = re.compile(r"[\"']site_name[\"']\s*:\s*[\"']([^\"']*)[\"']")
_FIELD_ATTITUDE = re.compile(r"[\"']attitude[\"']\s*:\s*[\"']([^\"']*)[\"']")


def _keys(text: str, folded: str | None) -> list[re.Match[str]]:
    """Key matches in ``text``; ``folded`` = ascii_folded(text)."""
    if folded is None:
        return list(_KEY.finditer(text))
    # Every key holds "geo_analysis" (at most one quote before it): start the case-sensitive
    # scan of the folded copy just before its first occurrence rather than scanning the answer.
    first = folded.find("geo_analysis")
    return [] if first < 0 else list(_KEY_FOLDED.finditer(folded, max(0, first - 1)))


def _block_bounds(text: str, folded: str | None) -> tuple[int, int, int, dict[str, Any] | None] | None:
    """(cut_start, json_start, cut_end, the block's object when it is well-formed JSON) of the
    last geo_analysis block, or None."""
    keys = _keys(text, folded)
    if not keys:
        return None
    key = keys[-1]
    # The enclosing "{" is the last one before the key with only blanks in between.
    prefix = text[: key.start()]
    stripped = prefix.rstrip()
    json_start = len(stripped) - 1 if stripped.endswith("{") else key.start()
    cut_start = json_start
    line_start = prefix.rfind("\n", 0, json_start) + 1
    before = text[:json_start].rstrip()
    if _FENCE_OPEN.search(before):
        cut_start = before.rfind("```")
    elif text[line_start:json_start].strip() == "":
        cut_start = line_start
    end, parsed = _object_at(text, json_start) if text[json_start] == "{" else (None, None)
    cut_end = end if end is not None else len(text)
    fence = _FENCE_CLOSE.match(text, cut_end)
    if fence:
        cut_end = fence.end()
    return cut_start, json_start, cut_end, parsed


def _object_at(text: str, start: int) -> tuple[int | None, dict[str, Any] | None]:
    """(end, object) of the JSON object opening at ``start``; the object only when it is
    well-formed JSON, the end None when the object never closes."""
    # A well-formed block (the usual case) ends where the JSON parser stops, which is where the
    # string-aware brace matching below ends too; anything else takes the tolerant path.
    try:
        parsed, end = _JSON.raw_decode(text, start)
    except ValueError:
        return _matching_brace_end(text, start), None
    return end, parsed


def _matching_brace_end(text: str, start: int) -> int | None:
    """End of the JSON object opening at ``start`` (string-aware), or None when it never closes."""
    # Jumps from one brace or quote to the next instead of walking every character.
    depth = 0
    position = start
    while found := _JSON_MARK.search(text, position):
        position = found.end()
        char = found.group()
        if char == '"':
            closed = _STRING_REST.match(text, position)
            if closed is None:
                return None
            position = closed.end()
        elif char == "{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return position
    return None


def _close_unbalanced(candidate: str) -> str:
    stack: list[str] = []
    in_string = False
    escaped = False
    for char in candidate:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            stack.append("}" if char == "{" else "]")
        elif char in "}]" and stack:
            stack.pop()
    tail = '"' if in_string else ""
    return candidate.rstrip().rstrip(",") + tail + "".join(reversed(stack))


def _load(candidate: str) -> tuple[Any, str | None]:
    try:
        return json.loads(candidate), None
    except ValueError:
        pass
    repaired = candidate.translate(_CURLY)
    repaired = _PY_LITERAL_RE.sub(lambda m: _PY_LITERAL[m.group(1)], repaired)
    if '"' not in repaired:
        repaired = repaired.replace("'", '"')
    repaired = _TRAILING_COMMA.sub(r"\1", repaired)
    if not repaired.lstrip().startswith("{"):
        repaired = "{" + repaired
    for attempt in (repaired, _close_unbalanced(repaired)):
        try:
            return json.loads(_TRAILING_COMMA.sub(r"\1", attempt)), "repaired malformed JSON"
        except ValueError:
            continue
    return None, None


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in {"true", "false", "1", "0", "yes", "no"}:
        return value.strip().lower() in {"true", "1", "yes"}
    return None


def _as_rank(value: Any) -> int | None:
    try:
        rank = int(float(value))
    except (TypeError, ValueError):
        return None
    # -1 (and 0) is the old prompt's "not ranked".
    return rank if rank > 0 else None


def _as_sentiment(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return max(-1.0, min(1.0, number)) if number == number else None


def _as_sources(value: Any) -> list[dict[str, str]]:
    sources: list[dict[str, str]] = []
    if not isinstance(value, list):
        return sources
    for entry in value:
        if isinstance(entry, dict):
            sources.append({str(k): "" if v is None else str(v) for k, v in entry.items()})
        elif isinstance(entry, str):
            sources.append({"url": entry})
    return sources


def _as_interception(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _from_object(obj: Any, note: str | None) -> SelfReport | None:
    if isinstance(obj, dict) and isinstance(obj.get("geo_analysis"), dict):
        obj = obj["geo_analysis"]
    if not isinstance(obj, dict):
        return None
    return SelfReport(
        brand_mentioned=_as_bool(obj.get("brand_mentioned")),
        rank=_as_rank(obj.get("rank")),
        sentiment=_as_sentiment(obj.get("sentiment")),
        cited_sources=_as_sources(obj.get("cited_sources")),
        interception=_as_interception(obj.get("interception")),
        parse_note=note,
    )


def _from_patterns(candidate: str) -> SelfReport:
    mentioned = _FIELD_BOOL.search(candidate)
    rank = _FIELD_RANK.search(candidate)
    sentiment = _FIELD_SENTIMENT.search(candidate)
    interception = _FIELD_INTERCEPTION.search(candidate)
    sources: list[dict[str, str]] = []
    for match in _FIELD_SOURCE.finditer(candidate):
        source = {"url": match.group(1)}
        site = _FIELD_SITE.search(match.group(0))
        attitude = _FIELD_ATTITUDE.search(match.group(0))
        if site:
            source["site_name"] = site.group(1)
        if attitude:
            source["attitude"] = attitude.group(1)
        sources.append(source)
    return SelfReport(
        brand_mentioned=_as_bool(mentioned.group(1)) if mentioned else None,
        rank=_as_rank(rank.group(1)) if rank else None,
        sentiment=_as_sentiment(sentiment.group(1)) if sentiment else None,
        cited_sources=sources,
        interception=interception.group(1) if interception else None,
        parse_note="invalid JSON; fields recovered by pattern",
    )


def parse_self_report(answer: str) -> tuple[str, SelfReport | None]:
    """The answer without its geo_analysis block, and the block parsed (None when absent)."""
    text, _, report = cut_self_report(answer, ascii_folded(answer))
    return text, report


def cut_self_report(answer: str, folded: str | None) -> tuple[str, str | None, SelfReport | None]:
    """parse_self_report() for a caller that has ``folded`` = ascii_folded(answer): also returns
    ascii_folded() of the remaining text, cut from ``folded`` rather than folded again."""
    bounds = _block_bounds(answer, folded)
    if bounds is None:
        return answer, folded, None
    cut_start, json_start, cut_end, parsed = bounds
    candidate = answer[json_start:cut_end].strip().removesuffix("```").strip()
    # A well-formed block's candidate is exactly the JSON already parsed: _load() would parse it
    # again to the same object.
    obj, note = (parsed, None) if parsed is not None else _load(candidate)
    report = _from_object(obj, note) if obj is not None else None
    if report is None:
        report = _from_patterns(candidate)
    text = _without(answer, cut_start, cut_end)
    # Folding keeps offsets and never touches blanks, so the folded copy cuts the same way. An
    # answer that could not be folded may have lost the offending character with its block.
    return text, _without(folded, cut_start, cut_end) if folded is not None else ascii_folded(text), report


def _without(answer: str, cut_start: int, cut_end: int) -> str:
    head = answer[:cut_start].rstrip()
    tail = answer[cut_end:].strip()
    return f"{head}\n\n{tail}" if head and tail else head or tail
