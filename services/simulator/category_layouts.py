"""The text of a category answer ("全屋定制品牌哪家好"): one layout per persona family, each
rendering the plan's ranked brands in the shape that family was seen to use."""

from __future__ import annotations

import random
from collections.abc import Callable

from services.simulator.answer_plan import AnswerPlan
from services.simulator.knowledge import Brand, Category
from services.simulator.text_parts import cite, cn_num, join, label, source_phrase, url_block


def category_answer(plan: AnswerPlan, rng: random.Random, category: Category) -> str:
    return _LAYOUTS[plan.persona.layout](plan, rng, category, plan.ranked)


def _closing_pairs(brands: list[Brand]) -> list[str]:
    lines = []
    for brand in brands[:3]:
        lines.append(f"- **{brand.audience}**：优先考虑 **{brand.name}**（{brand.strengths[0]}）。")
    return lines


def _table(brands: list[Brand]) -> str:
    rows = ["| 品牌 | 定位 | 核心优势 | 适合人群 |", "|------|------|----------|----------|"]
    rows += [f"| {b.name} | {b.positioning} | {b.strengths[0]} | {b.audience} |" for b in brands]
    return "\n".join(rows)


def _layout_consultant(plan: AnswerPlan, rng: random.Random, category: Category, brands: list[Brand]) -> str:
    out = [
        f"作为专业顾问，我将基于公开的消费者反馈、行业报告及媒体信息，为您客观分析{category.title}品牌的选择。"
        f"{source_phrase(plan)}没有绝对的“最好”，只有最适合您需求的选择。",
        "",
        f"**{category.title}主流品牌分析**",
        "",
    ]
    for i, brand in enumerate(brands, 1):
        out += [
            f"{i}.  **{label(plan, brand)}**（{brand.positioning}）",
            f"    *   **优势**：{brand.strengths[0]}；{brand.strengths[1]}。",
            f"    *   **不足**：{brand.weakness}。",
            f"    *   **适合人群**：{brand.audience}。",
            "",
        ]
    if rng.random() < plan.persona.table_rate:
        out += [_table(brands), ""]
    out += ["**总结与建议**："]
    out += _closing_pairs(brands)
    out += ["", f"建议重点关注{category.criteria[0]}和{category.criteria[3]}，并实地考察本地门店的真实案例。"]
    return join(out, url_block(plan, rng))


def _layout_sections(plan: AnswerPlan, rng: random.Random, category: Category, brands: list[Brand]) -> str:
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
        out += [f"## {cn_num(section)}、**{title}**", ""]
        for i, brand in enumerate(members, 1):
            out += [
                f"### {i}. **{label(plan, brand)}**",
                f"- **特点**：{brand.positioning}，{brand.strengths[0]}。",
                f"- **优势**：{brand.strengths[1]}。",
                f"- **适合人群**：{brand.audience}。",
                "",
            ]
        out += ["---", ""]
    section += 1
    out += [f"## {cn_num(section)}、**如何选择靠谱的{category.title}品牌？**", ""]
    out += [f"{i}. **{c}**" for i, c in enumerate(category.criteria, 1)]
    out += [""]
    if rng.random() < plan.persona.table_rate:
        section += 1
        out += [f"## {cn_num(section)}、**总结推荐（按预算和需求）**", ""]
        out += ["| 需求 | 推荐品牌 |", "|------|----------|"]
        out += [f"| {b.audience} | {b.name} |" for b in brands[:4]]
        out += [""]
    if plan.sources:
        out += [f"{source_phrase(plan)}以上品牌整体口碑较为稳定。", ""]
    out += ["如果你有具体的城市、预算或偏好，我可以帮你更精准地推荐。欢迎补充更多信息！"]
    return join(out, url_block(plan, rng))


def _layout_grouped(plan: AnswerPlan, rng: random.Random, category: Category, brands: list[Brand]) -> str:
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
        out += ["", f"### {cn_num(section)}、{title}（适合{members[0].audience}）"]
        for i, brand in enumerate(members, 1):
            out += [
                f"#### {i}. {brand.name}",
                f"- **品牌背景**：{brand.positioning}。",
                f"- **核心优势**：{brand.strengths[0]}；{brand.strengths[1]}。",
                f"- **适合人群**：{brand.audience}。",
                "",
            ]
    out += ["", f"### {cn_num(section + 1)}、选购建议"]
    out += [f"- **{c}**：建议重点比较。" for c in category.criteria[:4]]
    if rng.random() < plan.persona.table_rate:
        out += ["", _table(brands)]
    if plan.sources:
        names = "、".join(s.site_name for s in plan.sources)
        out += ["", f"（信息参考：{names}等平台的公开评价与销量数据）"]
    return join(out, url_block(plan, rng))


def _layout_tiers(plan: AnswerPlan, rng: random.Random, category: Category, brands: list[Brand]) -> str:
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
    if rng.random() < plan.persona.table_rate:
        out += ["### 三、一表看懂", "", _table(brands), ""]
    out += ["**总结**："]
    out += _closing_pairs(brands)
    if plan.sources:
        out += ["", f"{source_phrase(plan)}选择前最好去线下门店实地体验。"]
    return join(out, url_block(plan, rng))


def _layout_compact(plan: AnswerPlan, rng: random.Random, category: Category, brands: list[Brand]) -> str:
    out = [f"以下是目前较受认可的{category.title}品牌（按综合口碑排序，仅供参考）：", ""]
    for i, brand in enumerate(brands, 1):
        out += [
            f"{i}. **{label(plan, brand)}** — {brand.positioning}。",
            f"   - 优势：{brand.strengths[0]}；{brand.strengths[1]}。",
            f"   - 需要注意：{brand.weakness}。",
        ]
    if rng.random() < plan.persona.table_rate:
        out += ["", _table(brands)]
    out += ["", f"**建议**：先明确{category.criteria[0]}，再到门店或官方渠道对比 **{brands[0].name}** 和 "
            f"**{brands[1].name}** 的具体方案。"]
    if plan.sources:
        out += ["", source_phrase(plan) + "以上排序综合了用户口碑与专业评测。"]
    return join(out, url_block(plan, rng))


def _layout_cited(plan: AnswerPlan, rng: random.Random, category: Category, brands: list[Brand]) -> str:
    out = [f"综合多方公开信息{cite(plan, 0)}，{category.title}领域口碑较好的品牌主要有以下几家：", ""]
    for i, brand in enumerate(brands, 1):
        out += [
            f"{i}. **{label(plan, brand)}**：{brand.positioning}，{brand.strengths[0]}{cite(plan, i)}。"
            f"不过也有用户反映{brand.weakness}{cite(plan, i + 1)}。",
        ]
    if rng.random() < plan.persona.table_rate:
        out += ["", _table(brands)]
    out += ["", f"**总结**：追求综合实力可选 **{brands[0].name}**，注重性价比可考虑 **{brands[-1].name}**。"]
    if plan.sources and not plan.persona.citations:
        out += ["", "参考资料："]
        out += [f"{i}. [{s.title}]({s.url})" for i, s in enumerate(plan.sources, 1)]
    return "\n".join(out)


Layout = Callable[[AnswerPlan, random.Random, Category, list[Brand]], str]
# Persona.layout -> its template (personas.py names the layout of each family).
_LAYOUTS: dict[str, Layout] = {
    "consultant": _layout_consultant,
    "sections": _layout_sections,
    "grouped": _layout_grouped,
    "tiers": _layout_tiers,
    "compact": _layout_compact,
    "cited": _layout_cited,
}
