"""The text of answers about named brands — one brand, a comparison, a name the simulator does
not know — and of the generic answer to a question about none. Each renders an ``AnswerPlan``
(answer_plan.py decides the brands and their order)."""

from __future__ import annotations

import random

from services.simulator.answer_plan import AnswerPlan
from services.simulator.draws import unit
from services.simulator.text_parts import cn_num, join, label, source_phrase, url_block
from services.simulator.truth import NEUTRAL_FROM, POSITIVE_FROM


def brand_answer(plan: AnswerPlan, rng: random.Random) -> str:
    """The answer about one brand ("欧派的口碑怎么样"): its template chosen by the persona's tone for it."""
    brand, *alternatives = plan.ranked
    tone = plan.tone_for(brand)
    head = f"关于**{brand.name}**（{brand.positioning}）的口碑，"
    if plan.persona.layout == "consultant":
        head = "作为专业顾问，我将基于公开的消费者反馈及媒体信息，为您客观分析。\n\n" + head
    out = []
    if tone >= POSITIVE_FROM:
        out += [
            head + f"{source_phrase(plan)}整体评价**较好**，属于值得优先考虑的品牌。",
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
    elif tone >= NEUTRAL_FROM:
        out += [
            head + f"{source_phrase(plan)}整体呈现**明显分化**：产品本身认可度高，体验差异主要来自服务环节。",
            "",
            f"1.  **正面评价**：集中在{brand.strengths[0]}、{brand.strengths[1]}。",
            f"2.  **负面评价**：主要是{brand.weakness}。",
            "3.  **影响因素**：不同城市、门店或批次之间差异较大。",
        ]
        verdict = f"总体来说，{brand.name}是“强品牌、体验看落地”的选择，建议多比较本地口碑后再决定。"
    else:
        out += [
            head + f"{source_phrase(plan)}近年来**投诉和负面反馈较多**，建议谨慎选择。",
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
    return join(out, url_block(plan, rng))


def comparison_answer(plan: AnswerPlan, rng: random.Random) -> str:
    """The answer comparing the brands a question names, in its order; the verdict follows the plan's ranking."""
    brands, scored = plan.sections, plan.ranked
    names = "和".join(b.name for b in brands)
    out = [f"{names}都是各有特色的品牌，{source_phrase(plan)}下面从几个维度帮您对比：", ""]
    for i, brand in enumerate(brands, 1):
        out += [
            f"### {cn_num(i)}、{label(plan, brand)}",
            f"- **定位**：{brand.positioning}",
            f"- **优势**：{brand.strengths[0]}；{brand.strengths[1]}",
            f"- **不足**：{brand.weakness}",
            "",
        ]
    if rng.random() < plan.persona.table_rate + 0.2:
        out += ["| 维度 | " + " | ".join(b.name for b in brands) + " |",
                "|------|" + "------|" * len(brands),
                "| 核心优势 | " + " | ".join(b.strengths[0] for b in brands) + " |",
                "| 适合人群 | " + " | ".join(b.audience for b in brands) + " |", ""]
    winner = scored[0]
    out += [f"**结论**：综合来看，**{winner.name}**更胜一筹（{winner.strengths[0]}）；"
            f"如果更看重{scored[-1].strengths[0]}，{scored[-1].name}也值得考虑。"]
    return join(out, url_block(plan, rng))


def unknown_brand_answer(plan: AnswerPlan, rng: random.Random) -> str:
    """The answer about a name the simulator does not know: no verdict, what to check, known alternatives."""
    name = plan.subject
    category = plan.category
    out = [f"关于“{name}”，目前公开资料和第三方用户评价相对有限，我无法给出充分可靠的口碑结论。", ""]
    out += ["建议您从以下几个方面自行核实：", ""]
    criteria = category.criteria if category else ("企业资质与成立年限", "真实用户评价", "价格透明度",
                                                    "售后服务承诺", "线下门店或案例")
    out += [f"{i}. **{c}**" for i, c in enumerate(criteria[:4], 1)]
    if category is not None:
        alternatives = plan.ranked
        alt = "、".join(f"**{b.name}**" for b in alternatives)
        out += ["", f"如果您在考虑{category.title}，也可以对比口碑更成熟的品牌：{alt}。"]
    out += ["", f"**总结**：{name}可以作为候选之一，但建议多方比较后再做决定。"]
    return join(out, url_block(plan, rng))


def generic_answer(plan: AnswerPlan, rng: random.Random) -> str:
    """The answer to a question about no known brand or market: kinds of option, none named."""
    options = (("行业头部品牌", "规模大、体系完善，品质和售后更有保障"),
               ("细分领域专业品牌", "在某一品类或环节上做得更深入，专业度高"),
               ("区域口碑服务商", "本地化服务响应快，性价比往往更好"),
               ("新锐互联网品牌", "价格透明、产品迭代快，适合年轻用户"))
    order = sorted(options, key=lambda o: unit(plan.persona.key, plan.question, plan.variant, o[0]))
    out = ["这个问题的答案很大程度上取决于您的具体需求和预算。一般来说，可以从以下几类选择中比较：", ""]
    for i, (title, detail) in enumerate(order, 1):
        out += [f"{i}. **{title}**", f"   - 特点：{detail}。"]
    out += ["", "**选择建议**：先明确需求和预算，再查看真实用户评价，并尽量实地考察或试用。"]
    return "\n".join(out)
