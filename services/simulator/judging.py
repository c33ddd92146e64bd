"""The simulator as a judge: it answers brandlens judge prompts from its own ground truth.

A judge prompt (shared/judge/prompt.py; the markers below mirror it and a test pins that the
simulator reads what brandlens builds) embeds an answer the simulator composed earlier. Every
composed answer's truth (truth.py) is remembered by its text, so the judge reply gives, for each
brand asked about, its true rank and tone with a verbatim quote (the line of the answer that
names it, the option header for a ranked brand). Asked about an answer it does not know (e.g.
after a restart), it returns an empty verdict list — a judge that abstains, never one that guesses.

So the discard path is tested too, a seeded share of verdicts is wrong (``judge_wrong_rate``) or
carries a quote that is not in the answer (``judge_bad_quote_rate``); the draw is a stable hash
of (seed, answer, brand, field), so a run is reproducible. ``/_sim/judge`` lists what was given.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict, deque
from dataclasses import asdict, dataclass

from services.simulator.answers import Answer
from services.simulator.draws import unit
from services.simulator.knowledge import lookup_brand
from services.simulator.prompts import JUDGE_MARKER, estimate_tokens
from services.simulator.truth import BrandTruth

_ANSWER_START = "<<<回答原文开始>>>"
_ANSWER_END = "<<<回答原文结束>>>"
_BRANDS_LINE = "待评品牌（JSON）："
# Appended to a deliberately bad quote: no composed answer contains it.
BAD_QUOTE_MARK = "（据多位用户反馈）"
_TRUTHS_KEPT = 50_000
_LOG_KEPT = 5_000
_TONE_ROTATION = {"positive": "neutral", "neutral": "negative", "negative": "positive"}
_HEADER = re.compile(r"^\s*(?:#+\s|\d+[.、]|[一二三四五六七八九十]+、|\|)")


@dataclass(frozen=True, slots=True)
class JudgeAsk:
    brands: tuple[tuple[str, tuple[str, ...]], ...]
    answer: str


@dataclass(frozen=True, slots=True)
class GivenVerdict:
    brand: str
    field: str
    value: int | str | None
    quote: str
    wrong: bool
    bad_quote: bool


def read_judge_prompt(text: str) -> JudgeAsk | None:
    """The brands and the answer of a judge prompt; None when ``text`` is not one."""
    start, end = text.find(_ANSWER_START), text.rfind(_ANSWER_END)
    if JUDGE_MARKER not in text or start < 0 or end < start:
        return None
    # The prompt puts exactly one newline after the start marker and one before the end marker.
    answer = text[start + len(_ANSWER_START) + 1:end - 1]
    try:
        listed = json.loads(text[:start].split(_BRANDS_LINE, 1)[1].split("\n", 1)[0])
        brands = tuple((str(b["name"]), tuple(str(a) for a in b.get("aliases", []))) for b in listed)
    except (IndexError, ValueError, TypeError, KeyError, AttributeError):
        return None
    return JudgeAsk(brands=brands, answer=answer)


def _names(name: str, aliases: tuple[str, ...]) -> set[str]:
    return {n.casefold() for n in (name, *aliases) if n.strip()}


def _truth_for(truths: tuple[BrandTruth, ...], name: str, aliases: tuple[str, ...]) -> BrandTruth | None:
    asked = _names(name, aliases)
    canonical = {found[0].name for found in map(lookup_brand, (name, *aliases)) if found is not None}
    for truth in truths:
        if truth.name in canonical or asked & _names(truth.name, truth.aliases):
            return truth
    return None


def _quote(answer: str, truth: BrandTruth, header: bool) -> str:
    """The first line of the answer naming the brand (an option header first, for a rank)."""
    names = _names(truth.name, truth.aliases)
    lines = [line.strip() for line in answer.splitlines() if any(n in line.casefold() for n in names)]
    headers = [line for line in lines if _HEADER.match(line)] if header else []
    return (headers or lines or [""])[0]


def verdicts_for(ask: JudgeAsk, truths: tuple[BrandTruth, ...], *, seed: int, wrong_rate: float,
                 bad_quote_rate: float) -> list[GivenVerdict]:
    given: list[GivenVerdict] = []
    for name, aliases in ask.brands:
        truth = _truth_for(truths, name, aliases)
        if truth is None:
            continue
        for field in ("rank", "tone"):
            quote = _quote(ask.answer, truth, header=field == "rank" and truth.rank is not None)
            if not quote:
                continue
            wrong = unit("judge-wrong", seed, ask.answer, name, field) < wrong_rate
            value: int | str | None
            if field == "rank":
                value = ((truth.rank or 0) + 1) if wrong else truth.rank
            else:
                value = _TONE_ROTATION[truth.tone] if wrong else truth.tone
            bad = unit("judge-quote", seed, ask.answer, name, field) < bad_quote_rate
            given.append(GivenVerdict(brand=name, field=field, value=value,
                                      quote=quote + BAD_QUOTE_MARK if bad else quote, wrong=wrong, bad_quote=bad))
    return given


def render_reply(given: list[GivenVerdict], fenced: bool) -> str:
    payload = json.dumps({"verdicts": [{"brand": g.brand, "field": g.field, "value": g.value, "quote": g.quote}
                                       for g in given]}, ensure_ascii=False, indent=2)
    # Real models wrap JSON in a fence and a sentence as often as not; the parser must cope.
    return f"以下是评审结果：\n```json\n{payload}\n```" if fenced else payload


class Judge:
    """Remembers the truth of composed answers and answers judge prompts from it."""

    def __init__(self, seed: int, wrong_rate: float, bad_quote_rate: float) -> None:
        self.seed = seed
        self.wrong_rate = wrong_rate
        self.bad_quote_rate = bad_quote_rate
        self._truths: OrderedDict[str, tuple[BrandTruth, ...]] = OrderedDict()
        self.log: deque[dict[str, object]] = deque(maxlen=_LOG_KEPT)
        self.requests = 0

    def reset(self) -> None:
        self.log.clear()
        self.requests = 0

    def remember(self, answer: Answer) -> None:
        if not answer.truth:
            return
        self._truths[answer.content.strip()] = answer.truth
        if len(self._truths) > _TRUTHS_KEPT:
            self._truths.popitem(last=False)

    def truths_of(self, text: str) -> tuple[BrandTruth, ...] | None:
        return self._truths.get(text.strip())

    def answer(self, model: str, ask: JudgeAsk) -> Answer:
        truths = self.truths_of(ask.answer)
        given = [] if truths is None else verdicts_for(ask, truths, seed=self.seed, wrong_rate=self.wrong_rate,
                                                       bad_quote_rate=self.bad_quote_rate)
        self.requests += 1
        content = render_reply(given, fenced=unit("judge-fence", self.seed, ask.answer) < 0.5)
        self.log.append({"model": model, "known_answer": truths is not None,
                         "asked": [name for name, _ in ask.brands], "verdicts": [asdict(g) for g in given]})
        return Answer(content=content, reasoning="", sources=(), reasoning_tokens=0, search_query="",
                      completion_tokens=estimate_tokens(len(content.encode())))
