"""Composing a persona's answer to a brand question, plus its optional `geo_analysis` self-report.

Everything is a pure function of (model, question, main brand, variant, world seed), cached, so a
zero-latency request costs a dictionary lookup. Rankings come from a persona's taste (hashed per
brand, plus its favourites) on top of market prominence, with a little per-variant jitter so
repeated samples of one question differ slightly, as real ones do.
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
import re
from dataclasses import dataclass

from services.simulator.knowledge import BY_KEY, Brand, Category, find_brands, find_category, lookup_brand
from services.simulator.personas import Persona, persona_for
from services.simulator.prompts import estimate_tokens
from services.simulator.truth import BrandTruth, answer_truth


@dataclass(frozen=True, slots=True)
class CitedSource:
    site_name: str
    url: str
    title: str
    date: str


@dataclass(frozen=True, slots=True)
class Answer:
    content: str
    reasoning: str
    sources: tuple[CitedSource, ...]
    completion_tokens: int
    reasoning_tokens: int
    search_query: str
    # What the answer says about each brand (truth.py): how the simulator answers a judge.
    truth: tuple[BrandTruth, ...] = ()


# Copying a fresh 8-byte blake2b state is cheaper than building one (no parameter parsing and setup).
_BLAKE2B_8 = hashlib.blake2b(digest_size=8)


def unit(*parts: object) -> float:
    """A stable pseudo-random number in [0, 1) for the parts (Python's hash() is salted per process)."""
    state = _BLAKE2B_8.copy()
    state.update("\x1f".join(map(str, parts)).encode())
    return int.from_bytes(state.digest(), "big") / 2**64


# unit() of parts that name only a persona and a brand: the same few thousand values on every request,
# while hashing costs about a microsecond. typed=True because 1 and 1.0 hash to different units.
_fixed_unit = functools.lru_cache(maxsize=8192, typed=True)(unit)


class _UnitSeries:
    """unit(*prefix, last) for many values of `last`: the shared prefix (question included) is
    hashed once and each value only extends a copy of that hash state, giving the same digest."""

    __slots__ = ("_state",)

    def __init__(self, *prefix: object) -> None:
        self._state = _BLAKE2B_8.copy()
        self._state.update(("\x1f".join(map(str, prefix)) + "\x1f").encode())

    def __call__(self, last: object) -> float:
        state = self._state.copy()
        state.update(str(last).encode())
        return int.from_bytes(state.digest(), "big") / 2**64


def _cn_num(n: int) -> str:
    return "一二三四五六七八九十"[n - 1] if 1 <= n <= 10 else str(n)


@functools.lru_cache(maxsize=16384)
def compose_answer(model: str, question: str, main_brand: str, variant: int, want_geo: bool,
                   world_seed: int = 0, left_out: tuple[str, ...] = ()) -> Answer:
    """`left_out`: brands a visibility shift removes from this answer's recommended options."""
    persona = persona_for(model)
    rng = random.Random(int(unit(model, question, main_brand, variant, world_seed) * 2**53))
    composer = _Composer(persona, model, question, main_brand, variant, rng, left_out)
    body, report = composer.compose()
    content = body
    if want_geo:
        content = body + "\n\n" + _render_geo(report, composer.sources, persona, rng)
    reasoning = composer.reasoning() if "reasoner" in model.lower() or model.lower().startswith("qwq") else ""
    return Answer(
        content=content,
        reasoning=reasoning,
        sources=tuple(composer.sources),
        completion_tokens=estimate_tokens(len(content.encode())),
        reasoning_tokens=estimate_tokens(len(reasoning.encode())) if reasoning else 0,
        search_query=question[:80],
        truth=composer.truth(),
    )


@dataclass(slots=True)
class _Report:
    """What the answer says about the main brand: the truth the self-report starts from."""

    brand_mentioned: bool = False
    rank: int = -1
    sentiment: float = 0.0
    interception: tuple[str, ...] = ()


_NAME_BEFORE = re.compile(
    r"^(?:请|帮我)?(?:介绍一下|介绍下|说说|聊聊|评价一下)?\s*([^\s，,。？?！!]{2,14}?)"
    r"(?:的|这个|这家)?(?:品牌|公司|门店)?(?:口碑|怎么样|好不好|靠谱吗|靠不靠谱|值得买吗|如何|评价|可靠吗|好吗)")
_INTRO_NAME = re.compile(r"(?:介绍一下|介绍下|了解一下)\s*([^\s，,。？?！!]{1,14})")
_BRAND_HINTS = ("口碑", "靠谱", "公司", "门店", "介绍", "品牌")
_GENERIC_WORDS = ("品牌", "哪家", "哪个", "推荐", "什么", "哪些", "排名", "牌子")


@dataclass(frozen=True, slots=True)
class _Reading:
    """What a question says by itself, whichever model answers it."""

    mentioned: tuple[tuple[Brand, Category], ...]
    category: Category | None
    # The name asked about when no known brand is mentioned ("" when none): maybe an unknown brand.
    unknown: str


@functools.lru_cache(maxsize=4096)
def _read_question(question: str) -> _Reading:
    # Cached: the same question goes to several models, and to one model in several variants.
    mentioned = tuple(find_brands(question))
    category = find_category(question) or (mentioned[0][1] if mentioned else None)
    unknown = "" if mentioned else _unknown_name(question, category)
    return _Reading(mentioned, category, unknown)


@functools.lru_cache(maxsize=4096)
def _cited_sources(persona_key: str, model: str, question: str, category_key: str,
                   count: int) -> tuple[CitedSource, ...]:
    """The `count` sources a model cites for a question: the same for every variant (sample) of it,
    so cached; only whether an answer cites at all, and how many, is drawn per answer."""
    category = BY_KEY[category_key]
    draw = _UnitSeries(persona_key, question)
    order = sorted(category.sources, key=lambda s: draw(s.site_name))
    cited = []
    for source in order[:count]:
        ident = int(unit(source.site_name, question, model) * 9e8) + 10**8
        year = 2025 + int(unit("y", source.site_name, question) * 2)
        month = 1 + int(unit("m", source.site_name, question) * 12)
        cited.append(CitedSource(
            site_name=source.site_name,
            url=f"{source.url_prefix}{ident}",
            title=f"{year}年{category.title}品牌怎么选？真实用户经验分享 - {source.site_name}",
            date=f"{year}-{month:02d}-{1 + ident % 28:02d}",
        ))
    return tuple(cited)


def _unknown_name(question: str, category: Category | None) -> str:
    stripped = question.strip()
    for pattern in (_INTRO_NAME, _NAME_BEFORE):
        match = pattern.search(stripped)
        if match:
            name = match.group(1)
            if category is not None:
                for keyword in category.keywords:
                    if name.endswith(keyword) and len(name) > len(keyword):
                        name = name[: -len(keyword)]
            if name and not any(word in name for word in _GENERIC_WORDS) and not (
                category and name in category.keywords
            ):
                return name
    return ""


class _Composer:
    def __init__(self, persona: Persona, model: str, question: str, main_brand: str, variant: int,
                 rng: random.Random, left_out: tuple[str, ...] = ()) -> None:
        self.persona = persona
        self.left_out = left_out
        self.model = model
        self.question = question
        self.main_brand = main_brand
        self.variant = variant
        self.rng = rng
        self.sources: list[CitedSource] = []
        self.ranked: list[Brand] = []
        # A comparison's per-brand sections, in the question's order (its options).
        self.sections: list[Brand] = []
        self.category: Category | None = None
        self.subject = ""
        # category | brand | comparison | unknown | generic: decides how the self-report ranks.
        self.kind = "generic"
        # Per-brand ranking jitter: unit(model, question, variant, brand name).
        self._jitter = _UnitSeries(model, question, variant)

    # ----------------------------------------------------------------------------- dispatch
    def compose(self) -> tuple[str, _Report]:
        reading = _read_question(self.question)
        mentioned = reading.mentioned
        self.category = reading.category
        if self.category is not None:
            self._pick_sources(self.category)
        if len(mentioned) >= 2:
            self.kind = "comparison"
            text = self._comparison([brand for brand, _ in mentioned[:3]])
        elif len(mentioned) == 1:
            self.kind = "brand"
            text = self._brand_answer(mentioned[0][0])
        else:
            unknown = reading.unknown
            if unknown and self._looks_like_brand(unknown):
                self.kind = "unknown"
                text = self._unknown_brand_answer(unknown)
            elif self.category is not None:
                self.kind = "category"
                text = self._category_answer(self.category)
            else:
                text = self._generic_answer()
        return text, self._report(text)

    def truth(self) -> tuple[BrandTruth, ...]:
        order = self.sections if self.kind == "comparison" else self.ranked
        subject_tone = self.tone_for(self.ranked[0]) if self.kind == "brand" and self.ranked else None
        return answer_truth(self.kind, self.persona.layout, [(b.name, b.aliases) for b in order], self.subject,
                            subject_tone)

    def _looks_like_brand(self, name: str) -> bool:
        # "元若曦怎么样" is a brand question but "今天天气怎么样" is not; without knowledge of the name,
        # trust it only when the prompt names it as the brand or the question is about a market.
        if self.main_brand and (self.main_brand in name or name in self.main_brand):
            return True
        return self.category is not None or any(word in self.question for word in _BRAND_HINTS)

    # ----------------------------------------------------------------------------- ranking
    def score(self, brand: Brand, position: int, total: int) -> float:
        return _persona_score(self.persona, brand, position, total) + (self._jitter(brand.name) - 0.5) * 0.3

    def rank(self, category: Category, exclude: tuple[str, ...] = ()) -> list[Brand]:
        """The category's brands by score(brand, its position in the category, category size)."""
        scored = [(base + (self._jitter(b.name) - 0.5) * 0.3, b)
                  for b, base in zip(category.brands, _persona_scores(self.persona, category.key), strict=True)
                  if b.name not in exclude and b.name not in self.left_out]
        scored.sort(key=lambda pair: pair[0], reverse=True)
        return [brand for _, brand in scored]

    def label(self, brand: Brand) -> str:
        if self.persona.bilingual and brand.latin and brand.latin != brand.name:
            return f"{brand.name}（{brand.latin}）"
        return brand.name

    def tone_for(self, brand: Brand) -> float:
        taste = (_fixed_unit("tone", self.persona.key, brand.name) - 0.5) * 0.8
        return max(-0.9, min(0.9, self.persona.tone + taste + self._tone_jitter))

    @functools.cached_property
    def _tone_jitter(self) -> float:
        # The same for every brand of one answer, which may ask for several tones.
        return (unit("tone", self.model, self.question, self.variant) - 0.5) * 0.2

    # ----------------------------------------------------------------------------- sources
    def _pick_sources(self, category: Category) -> None:
        wants = self.rng.random() < self.persona.source_rate
        if not wants:
            return
        count = 2 + int(self.rng.random() * 3) if self.persona.layout == "cited" else 2
        self.sources.extend(_cited_sources(self.persona.key, self.model, self.question, category.key, count))

    def _source_phrase(self) -> str:
        if not self.sources:
            return ""
        names = "、".join(s.site_name for s in self.sources)
        return f"据{names}等平台的用户反馈和评测，"

    def _url_block(self) -> str:
        if not self.sources or self.rng.random() >= self.persona.url_rate:
            return ""
        lines = ["参考来源："] + [f"- {s.site_name}：{s.url}" for s in self.sources]
        return "\n".join(lines)

    def _cite(self, index: int) -> str:
        if self.persona.layout != "cited" or not self.sources:
            return ""
        return f"[{index % len(self.sources) + 1}]"

    # ----------------------------------------------------------------------------- category
    def _category_answer(self, category: Category) -> str:
        ranked = self.rank(category)
        count = self.rng.randint(self.persona.min_items, self.persona.max_items)
        self.ranked = ranked[: min(count, len(ranked))]
        layout = getattr(self, f"_layout_{self.persona.layout}")
        text: str = layout(category, self.ranked)
        return text

    def _closing_pairs(self, brands: list[Brand]) -> list[str]:
        lines = []
        for brand in brands[:3]:
            lines.append(f"- **{brand.audience}**：优先考虑 **{brand.name}**（{brand.strengths[0]}）。")
        return lines

    def _table(self, brands: list[Brand]) -> str:
        rows = ["| 品牌 | 定位 | 核心优势 | 适合人群 |", "|------|------|----------|----------|"]
        rows += [f"| {b.name} | {b.positioning} | {b.strengths[0]} | {b.audience} |" for b in brands]
        return "\n".join(rows)

    def _layout_consultant(self, category: Category, brands: list[Brand]) -> str:
        out = [
            f"作为专业顾问，我将基于公开的消费者反馈、行业报告及媒体信息，为您客观分析{category.title}品牌的选择。"
            f"{self._source_phrase()}没有绝对的“最好”，只有最适合您需求的选择。",
            "",
            f"**{category.title}主流品牌分析**",
            "",
        ]
        for i, brand in enumerate(brands, 1):
            out += [
                f"{i}.  **{self.label(brand)}**（{brand.positioning}）",
                f"    *   **优势**：{brand.strengths[0]}；{brand.strengths[1]}。",
                f"    *   **不足**：{brand.weakness}。",
                f"    *   **适合人群**：{brand.audience}。",
                "",
            ]
        if self.rng.random() < self.persona.table_rate:
            out += [self._table(brands), ""]
        out += ["**总结与建议**："]
        out += self._closing_pairs(brands)
        out += ["", f"建议重点关注{category.criteria[0]}和{category.criteria[3]}，并实地考察本地门店的真实案例。"]
        return _join(out, self._url_block())

    def _layout_sections(self, category: Category, brands: list[Brand]) -> str:
        split = max(2, (len(brands) + 1) // 2)
        criteria = "、".join(category.criteria[:3])
        out = [
            f"{category.title}品牌众多，选择靠谱的品牌需要综合考虑{criteria}等多个方面。"
            f"以下是一些**国内口碑较好的{category.title}品牌推荐**，供你参考：",
            "",
            "---",
            "",
        ]
        groups = [("一线品牌（品质有保障）", brands[:split]), ("高性价比品牌（中端市场）", brands[split:])]
        section = 0
        for title, members in groups:
            if not members:
                continue
            section += 1
            out += [f"## {_cn_num(section)}、**{title}**", ""]
            for i, brand in enumerate(members, 1):
                out += [
                    f"### {i}. **{self.label(brand)}**",
                    f"- **特点**：{brand.positioning}，{brand.strengths[0]}。",
                    f"- **优势**：{brand.strengths[1]}。",
                    f"- **适合人群**：{brand.audience}。",
                    "",
                ]
            out += ["---", ""]
        section += 1
        out += [f"## {_cn_num(section)}、**如何选择靠谱的{category.title}品牌？**", ""]
        out += [f"{i}. **{c}**" for i, c in enumerate(category.criteria, 1)]
        out += [""]
        if self.rng.random() < self.persona.table_rate:
            section += 1
            out += [f"## {_cn_num(section)}、**总结推荐（按预算和需求）**", ""]
            out += ["| 需求 | 推荐品牌 |", "|------|----------|"]
            out += [f"| {b.audience} | {b.name} |" for b in brands[:4]]
            out += [""]
        if self.sources:
            out += [f"{self._source_phrase()}以上品牌整体口碑较为稳定。", ""]
        out += ["如果你有具体的城市、预算或偏好，我可以帮你更精准地推荐。欢迎补充更多信息！"]
        return _join(out, self._url_block())

    def _layout_grouped(self, category: Category, brands: list[Brand]) -> str:
        out = [
            f"{category.title}选择可以根据**品质、口碑、价格、服务**等需求分类，以下是口碑与实力兼具的品牌推荐及选购建议：",
            "",
        ]
        groups = [("头部品牌·综合实力强", brands[:2]), ("特色品牌·各有所长", brands[2:4]),
                  ("高性价比·务实之选", brands[4:])]
        section = 0
        for title, members in groups:
            if not members:
                continue
            section += 1
            out += ["", f"### {_cn_num(section)}、{title}（适合{members[0].audience}）"]
            for i, brand in enumerate(members, 1):
                out += [
                    f"#### {i}. {brand.name}",
                    f"- **品牌背景**：{brand.positioning}。",
                    f"- **核心优势**：{brand.strengths[0]}；{brand.strengths[1]}。",
                    f"- **适合人群**：{brand.audience}。",
                    "",
                ]
        out += ["", f"### {_cn_num(section + 1)}、选购建议"]
        out += [f"- **{c}**：建议重点比较。" for c in category.criteria[:4]]
        if self.rng.random() < self.persona.table_rate:
            out += ["", self._table(brands)]
        if self.sources:
            names = "、".join(s.site_name for s in self.sources)
            out += ["", f"（信息参考：{names}等平台的公开评价与销量数据）"]
        return _join(out, self._url_block())

    def _layout_tiers(self, category: Category, brands: list[Brand]) -> str:
        out = [
            f"您好！选择{category.title}确实是一件需要慎重的事，它关系到未来很多年的使用体验和预算。"
            f"下面我先给出判断标准，再为您梳理市场上主流、靠谱的品牌。",
            "",
            f"### 一、如何判断一个{category.title}品牌是否“靠谱”？",
            "",
        ]
        out += [f"{i}.  **{c}**" for i, c in enumerate(category.criteria[:4], 1)]
        out += ["", "---", "", f"### 二、靠谱的{category.title}品牌推荐", ""]
        tiers = [("第一梯队：头部品牌（预算充足，追求品质）", brands[:3]),
                 ("第二梯队：中坚品牌（品质与价格的平衡点）", brands[3:])]
        number = 0
        for title, members in tiers:
            if not members:
                continue
            out += [f"#### **{title}**", ""]
            for brand in members:
                number += 1
                out += [
                    f"{number}.  **{brand.name}**",
                    f"    *   **特点**：{brand.positioning}。",
                    f"    *   **优势**：{brand.strengths[0]}，{brand.strengths[1]}。",
                    f"    *   **适合人群**：{brand.audience}。",
                    "",
                ]
        if self.rng.random() < self.persona.table_rate:
            out += ["### 三、一表看懂", "", self._table(brands), ""]
        out += ["**总结**："]
        out += self._closing_pairs(brands)
        if self.sources:
            out += ["", f"{self._source_phrase()}选择前最好去线下门店实地体验。"]
        return _join(out, self._url_block())

    def _layout_compact(self, category: Category, brands: list[Brand]) -> str:
        out = [f"以下是目前较受认可的{category.title}品牌（按综合口碑排序，仅供参考）：", ""]
        for i, brand in enumerate(brands, 1):
            out += [
                f"{i}. **{self.label(brand)}** — {brand.positioning}。",
                f"   - 优势：{brand.strengths[0]}；{brand.strengths[1]}。",
                f"   - 需要注意：{brand.weakness}。",
            ]
        if self.rng.random() < self.persona.table_rate:
            out += ["", self._table(brands)]
        out += ["", f"**建议**：先明确{category.criteria[0]}，再到门店或官方渠道对比 **{brands[0].name}** 和 "
                f"**{brands[1].name}** 的具体方案。"]
        if self.sources:
            out += ["", self._source_phrase() + "以上排序综合了用户口碑与专业评测。"]
        return _join(out, self._url_block())

    def _layout_cited(self, category: Category, brands: list[Brand]) -> str:
        out = [f"综合多方公开信息{self._cite(0)}，{category.title}领域口碑较好的品牌主要有以下几家：", ""]
        for i, brand in enumerate(brands, 1):
            out += [
                f"{i}. **{self.label(brand)}**：{brand.positioning}，{brand.strengths[0]}{self._cite(i)}。"
                f"不过也有用户反映{brand.weakness}{self._cite(i + 1)}。",
            ]
        if self.rng.random() < self.persona.table_rate:
            out += ["", self._table(brands)]
        out += ["", f"**总结**：追求综合实力可选 **{brands[0].name}**，注重性价比可考虑 **{brands[-1].name}**。"]
        if self.sources and not self.persona.citations:
            out += ["", "参考资料："]
            out += [f"{i}. [{s.title}]({s.url})" for i, s in enumerate(self.sources, 1)]
        return "\n".join(out)

    # ----------------------------------------------------------------------------- brand answers
    def _brand_answer(self, brand: Brand) -> str:
        self.subject = brand.name
        category = self.category
        tone = self.tone_for(brand)
        alternatives: list[Brand] = []
        if category is not None:
            alternatives = self.rank(category, exclude=(brand.name,))[:2]
        self.ranked = [brand, *alternatives]
        head = f"关于**{brand.name}**（{brand.positioning}）的口碑，"
        if self.persona.layout == "consultant":
            head = "作为专业顾问，我将基于公开的消费者反馈及媒体信息，为您客观分析。\n\n" + head
        out = []
        if tone >= 0.35:
            out += [
                head + f"{self._source_phrase()}整体评价**较好**，属于值得优先考虑的品牌。",
                "",
                "**主要优势**",
                f"1. **{brand.strengths[0]}**：这是用户提及最多的优点。",
                f"2. **{brand.strengths[1]}**：在同类品牌中表现突出。",
                f"3. **适合人群明确**：尤其适合{brand.audience}。",
                "",
                "**需要留意**",
                f"- 少量用户反馈{brand.weakness}，签约或购买前问清细节即可。",
            ]
            verdict = f"总体来说，{brand.name}口碑良好，推荐指数较高。"
        elif tone >= -0.15:
            out += [
                head + f"{self._source_phrase()}整体呈现**明显分化**：产品本身认可度高，体验差异主要来自服务环节。",
                "",
                f"1.  **正面评价**：集中在{brand.strengths[0]}、{brand.strengths[1]}。",
                f"2.  **负面评价**：主要是{brand.weakness}。",
                "3.  **影响因素**：不同城市、门店或批次之间差异较大。",
            ]
            verdict = f"总体来说，{brand.name}是“强品牌、体验看落地”的选择，建议多比较本地口碑后再决定。"
        else:
            out += [
                head + f"{self._source_phrase()}近年来**投诉和负面反馈较多**，建议谨慎选择。",
                "",
                f"- **主要问题**：{brand.weakness}，在黑猫投诉等平台上较为集中。",
                "- **售后体验**：部分用户反映问题处理周期长、责任推诿。",
                f"- **客观来看**：其{brand.strengths[0]}仍是优点，但难以抵消服务短板。",
            ]
            verdict = f"总体来说，如果您对服务体验要求高，{brand.name}并非首选。"
        if alternatives:
            alt = "、".join(f"**{b.name}**（{b.strengths[0]}）" for b in alternatives)
            out += ["", f"如果您也在考虑其他品牌，可以对比：{alt}。"]
        out += ["", f"**结论**：{verdict}"]
        return _join(out, self._url_block())

    def _comparison(self, brands: list[Brand]) -> str:
        scored = sorted(brands, key=lambda b: self.score(b, 0, 1) + self.tone_for(b) * 0.3, reverse=True)
        self.ranked = scored
        self.sections = list(brands)
        self.subject = brands[0].name
        names = "和".join(b.name for b in brands)
        out = [f"{names}都是各有特色的品牌，{self._source_phrase()}下面从几个维度帮您对比：", ""]
        for i, brand in enumerate(brands, 1):
            out += [
                f"### {_cn_num(i)}、{self.label(brand)}",
                f"- **定位**：{brand.positioning}",
                f"- **优势**：{brand.strengths[0]}；{brand.strengths[1]}",
                f"- **不足**：{brand.weakness}",
                "",
            ]
        if self.rng.random() < self.persona.table_rate + 0.2:
            out += ["| 维度 | " + " | ".join(b.name for b in brands) + " |",
                    "|------|" + "------|" * len(brands),
                    "| 核心优势 | " + " | ".join(b.strengths[0] for b in brands) + " |",
                    "| 适合人群 | " + " | ".join(b.audience for b in brands) + " |", ""]
        winner = scored[0]
        out += [f"**结论**：综合来看，**{winner.name}**更胜一筹（{winner.strengths[0]}）；"
                f"如果更看重{scored[-1].strengths[0]}，{scored[-1].name}也值得考虑。"]
        return _join(out, self._url_block())

    def _unknown_brand_answer(self, name: str) -> str:
        self.subject = name
        category = self.category
        out = [f"关于“{name}”，目前公开资料和第三方用户评价相对有限，我无法给出充分可靠的口碑结论。", ""]
        out += ["建议您从以下几个方面自行核实：", ""]
        criteria = category.criteria if category else ("企业资质与成立年限", "真实用户评价", "价格透明度",
                                                        "售后服务承诺", "线下门店或案例")
        out += [f"{i}. **{c}**" for i, c in enumerate(criteria[:4], 1)]
        if category is not None:
            alternatives = self.rank(category)[:3]
            self.ranked = alternatives
            alt = "、".join(f"**{b.name}**" for b in alternatives)
            out += ["", f"如果您在考虑{category.title}，也可以对比口碑更成熟的品牌：{alt}。"]
        out += ["", f"**总结**：{name}可以作为候选之一，但建议多方比较后再做决定。"]
        return _join(out, self._url_block())

    def _generic_answer(self) -> str:
        options = (("行业头部品牌", "规模大、体系完善，品质和售后更有保障"),
                   ("细分领域专业品牌", "在某一品类或环节上做得更深入，专业度高"),
                   ("区域口碑服务商", "本地化服务响应快，性价比往往更好"),
                   ("新锐互联网品牌", "价格透明、产品迭代快，适合年轻用户"))
        order = sorted(options, key=lambda o: unit(self.persona.key, self.question, self.variant, o[0]))
        out = ["这个问题的答案很大程度上取决于您的具体需求和预算。一般来说，可以从以下几类选择中比较：", ""]
        for i, (title, detail) in enumerate(order, 1):
            out += [f"{i}. **{title}**", f"   - 特点：{detail}。"]
        out += ["", "**选择建议**：先明确需求和预算，再查看真实用户评价，并尽量实地考察或试用。"]
        return "\n".join(out)

    # ----------------------------------------------------------------------------- self-report
    def _report(self, text: str) -> _Report:
        main = self.main_brand or self.subject
        report = _Report()
        if not main:
            return report
        known = lookup_brand(main)
        names = (main, *known[0].aliases) if known else (main,)
        report.brand_mentioned = any(name in text for name in names)
        ranked_names = [b.name for b in self.ranked]
        canonical = known[0].name if known else main
        if self.subject == canonical and self.kind in ("brand", "unknown"):
            report.rank = -1
            report.sentiment = round(self.tone_for(known[0]), 1) if known else 0.0
            report.interception = tuple(n for n in ranked_names if n != canonical)
        elif canonical in ranked_names:
            position = ranked_names.index(canonical)
            report.rank = position + 1
            report.sentiment = round(0.85 - 0.1 * position, 1)
            report.interception = tuple(ranked_names[:position])
        else:
            report.sentiment = 0.0
            report.interception = tuple(ranked_names[:3])
        return report

    def reasoning(self) -> str:
        names = "、".join(b.name for b in self.ranked[:4]) or "几个主流选项"
        topic = self.category.title if self.category else "这个领域"
        return (f"嗯，用户问的是“{self.question[:60]}”。这是一个关于{topic}的问题。我需要客观比较{names}，"
                f"先想想各自的优势和短板，再提醒用户注意关键的选购要点，最后按不同需求给出建议。")


def _persona_score(persona: Persona, brand: Brand, position: int, total: int) -> float:
    """The part of a brand's score that only the persona decides: prominence, favourites, taste."""
    prominence = 1.0 - position / max(total, 1)
    favourite = 0.45 if brand.name in persona.favourites else 0.0
    taste = (_fixed_unit(persona.key, brand.name) - 0.5) * 0.7
    return prominence + favourite + taste


@functools.lru_cache(maxsize=1024)
def _persona_scores(persona: Persona, category_key: str) -> tuple[float, ...]:
    """_persona_score of each brand of a category, in table order: the same on every request."""
    brands = BY_KEY[category_key].brands
    return tuple(_persona_score(persona, brand, i, len(brands)) for i, brand in enumerate(brands))


def _join(lines: list[str], tail: str) -> str:
    text = "\n".join(lines).rstrip()
    return text + ("\n\n" + tail if tail else "")


def _render_geo(report: _Report, sources: list[CitedSource], persona: Persona, rng: random.Random) -> str:
    mentioned, rank, sentiment = report.brand_mentioned, report.rank, report.sentiment
    interception = "、".join(report.interception)
    if rng.random() < persona.inconsistency_rate:
        # Real models contradicted their own text; reproduce the kinds seen in the corpus.
        flaw = rng.randrange(4)
        if flaw == 0:
            mentioned = not mentioned
        elif flaw == 1:
            rank = 1 if rank != 1 else 3
        elif flaw == 2:
            sentiment = round(-sentiment if sentiment else 0.5, 1)
        else:
            interception = ""
    block = {"geo_analysis": {
        "brand_mentioned": mentioned,
        "rank": rank,
        "sentiment": sentiment,
        "cited_sources": [{"url": s.url, "site_name": s.site_name, "attitude": _attitude(report.sentiment)}
                          for s in sources],
        "interception": interception,
    }}
    payload = json.dumps(block, ensure_ascii=False, indent=2)
    if rng.random() < persona.fence_rate:
        return f"```json\n{payload}\n```"
    return payload


def _attitude(sentiment: float) -> str:
    if sentiment >= 0.3:
        return "positive"
    if sentiment <= -0.2:
        return "negative"
    return "neutral"
