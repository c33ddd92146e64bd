"""A judge's reply parsed, each verdict checked against the answer and compared with the rules.

Parsing is tolerant of how models wrap JSON (a ```json fence, a sentence before or after, a bare
list instead of the object asked for); checking is strict. A verdict is **discarded** — counted,
kept with its reason, never compared — when its quote is not a verbatim substring of the answer
(``bad_quote``: the guard against a judge that invents or paraphrases), or when it is not one of
the verdicts asked for in the shape asked (``invalid``: unknown brand or field, a value outside
the field's domain, a second verdict on the same field).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any, cast

from shared.analysis.types import BrandAnalysis
from shared.brand import Brand
from shared.contracts import CellRecord, CellResult
from shared.judge.types import JUDGE_FIELDS, DiscardedVerdict, JudgeField, JudgeRecord, JudgeVerdict, Value

TONES = ("positive", "neutral", "negative")
_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)
# Positions tried for a JSON value in a reply with text around it: enough for any sane reply,
# bounded so a hostile reply full of braces costs little.
_MAX_STARTS = 64


class ReplyInvalid(ValueError):
    pass


def _verdict_list(value: Any) -> list[Any] | None:
    if isinstance(value, dict) and isinstance(value.get("verdicts"), list):
        return cast(list[Any], value["verdicts"])
    if isinstance(value, list):
        return value
    return None


def parse_reply(text: str) -> list[Any]:
    """The verdict items of a judge's reply: ``{"verdicts": [...]}`` or a bare list, found in a
    code fence or anywhere in the text. Items are not checked here (see ``check_verdicts``)."""
    decoder = json.JSONDecoder()
    candidates = [block.strip() for block in _FENCE.findall(text)] + [text]
    for candidate in candidates:
        starts = [i for i, ch in enumerate(candidate) if ch in "{["][:_MAX_STARTS]
        for start in starts:
            try:
                value, _end = decoder.raw_decode(candidate, start)
            except ValueError:
                continue
            items = _verdict_list(value)
            if items is not None:
                return items
    raise ReplyInvalid("the reply holds no JSON object with a \"verdicts\" list")


def rule_value(analysis: BrandAnalysis, field: JudgeField) -> Value:
    return analysis.rank if field == "rank" else analysis.tone


def _value_problem(field: str, value: object) -> str | None:
    if field == "rank":
        if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
            return None
        return "rank must be an integer from 1, or null"
    if value in TONES:
        return None
    return f"tone must be one of {', '.join(TONES)}"


def check_verdicts(items: Sequence[Any], asked: Sequence[tuple[str, JudgeField]], answer: str,
                   rules: Mapping[str, BrandAnalysis], names: Mapping[str, str],
                   ) -> tuple[list[JudgeVerdict], list[DiscardedVerdict]]:
    """Accepted and discarded verdicts of a parsed reply. ``names`` maps each tracked brand's
    name and aliases (case-folded) to its canonical name; ``rules`` holds the rule verdicts."""
    wanted = set(asked)
    accepted: list[JudgeVerdict] = []
    discarded: list[DiscardedVerdict] = []
    seen: set[tuple[str, str]] = set()
    for item in items:
        if not isinstance(item, dict):
            discarded.append(DiscardedVerdict(reason="invalid", detail="a verdict must be a JSON object"))
            continue
        raw_brand, field, value, quote = item.get("brand"), item.get("field"), item.get("value"), item.get("quote")
        brand = names.get(raw_brand.strip().casefold(), "") if isinstance(raw_brand, str) else ""
        entry = DiscardedVerdict(brand=brand or str(raw_brand)[:80], field=str(field)[:20], value=value,
                                 quote=quote[:300] if isinstance(quote, str) else "", reason="invalid")
        problem: str | None = None
        if field not in JUDGE_FIELDS:
            problem = "field must be rank or tone"
        elif (brand, field) not in wanted:
            problem = "not a verdict that was asked for"
        elif (brand, field) in seen:
            problem = "a second verdict on the same brand and field"
        else:
            problem = _value_problem(field, value)
        if problem is None and (not isinstance(quote, str) or not quote.strip()):
            entry.reason, problem = "bad_quote", "no quote"
        elif problem is None and isinstance(quote, str) and quote.strip() not in answer:
            entry.reason, problem = "bad_quote", "the quote is not a verbatim substring of the answer"
        if problem is not None:
            entry.detail = problem
            discarded.append(entry)
            continue
        checked_field = cast(JudgeField, field)
        seen.add((brand, checked_field))
        rule = rule_value(rules[brand], checked_field)
        accepted.append(JudgeVerdict(brand=brand, field=checked_field, value=cast(Value, value),
                                     quote=cast(str, quote).strip(), rule=rule,
                                     rule_confidence=rules[brand].confidence, agrees=value == rule))
    return accepted, discarded


def brand_names(brands: Sequence[Brand]) -> dict[str, str]:
    """Case-folded name and aliases of each brand -> its canonical name (first brand wins)."""
    names: dict[str, str] = {}
    for brand in brands:
        for name in (brand.name, *brand.aliases):
            names.setdefault(name.strip().casefold(), brand.name)
    return names


def judge_record(result: CellResult, cell: CellRecord, judge: str, asked: list[tuple[str, JudgeField]],
                 brands: Sequence[Brand]) -> JudgeRecord:
    """The stored outcome of one judge job (``result``) about ``cell``."""
    record = JudgeRecord(run_id=result.run_id, cell_id=cell.spec.cell_id, model=cell.spec.model, judge=judge,
                         status=result.status, asked=asked, attempts=result.attempts, cost=result.cost,
                         currency=result.currency, stored_at=time.time())
    if result.status != "ok":  # a filtered or truncated reply is no verdict either
        record.reason = result.error.message if result.error else f"the judge call ended {result.status}"
        return record
    try:
        items = parse_reply(result.answer)
    except ReplyInvalid as exc:
        record.unparseable = True
        record.reason = str(exc)
        return record
    rules = cell.analysis.brands if cell.analysis is not None else {}
    record.verdicts, record.discarded = check_verdicts(items, asked, cell.result.answer, rules, brand_names(brands))
    return record
