"""Personas: how each simulated model family answers (taste in brands, tone, layout, latency).

A persona is chosen by model-id prefix, so `qwen-max` and `qwen-turbo` share Qwen's habits while
the request's model id still seeds their sampling differently. The latency defaults are the
percentiles observed for the real platforms (corpus/latency_by_platform.json); families the old
system never called get plausible values.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Persona:
    key: str
    prefixes: tuple[str, ...]
    latency_p50_ms: float
    latency_p90_ms: float
    # Baseline sentiment of brand-specific answers (-1..1); per-brand taste moves it around.
    tone: float
    # Brands this model family tends to put near the top, whatever the category.
    favourites: frozenset[str]
    # Answer shape: consultant | sections | grouped | tiers | compact | cited (see category_layouts.py).
    layout: str
    bilingual: bool = False
    table_rate: float = 0.2
    source_rate: float = 0.3
    url_rate: float = 0.15
    # How the `geo_analysis` self-report misbehaves, as the real models did.
    fence_rate: float = 0.2
    inconsistency_rate: float = 0.08
    min_items: int = 4
    max_items: int = 6
    # Gemini attaches groundingMetadata; Perplexity (sonar) returns citations/search_results.
    grounding: bool = False
    citations: bool = False


PERSONAS: tuple[Persona, ...] = (
    Persona(
        "deepseek", ("deepseek",), 19449, 21757, tone=-0.05,
        favourites=frozenset({"欧派", "华为", "比亚迪", "飞鹤", "安踏", "瑞幸", "埃森哲", "薇诺娜", "格力",
                              "北京同仁堂", "业之峰", "途虎养车", "智推时代"}),
        layout="consultant", table_rate=0.1, source_rate=0.35, url_rate=0.25, fence_rate=0.05,
        inconsistency_rate=0.06, min_items=4, max_items=6,
    ),
    Persona(
        "qwen", ("qwen", "qwq"), 13903, 26726, tone=0.55,
        favourites=frozenset({"索菲亚", "小米", "特斯拉", "美赞臣", "耐克", "星巴克", "麦肯锡", "兰蔻", "美的",
                              "艺福堂", "东易日盛", "天猫养车", "进化湾GEO"}),
        layout="sections", bilingual=True, table_rate=0.5, source_rate=0.2, url_rate=0.1, fence_rate=0.4,
        inconsistency_rate=0.1, min_items=5, max_items=7,
    ),
    Persona(
        "doubao", ("doubao", "ep-"), 35515, 50213, tone=0.7,
        favourites=frozenset({"尚品宅配", "vivo", "理想", "君乐宝", "李宁", "三顿半", "华为云", "珀莱雅", "海尔",
                              "茶里", "爱空间", "趣车良品", "清蓝GEO"}),
        layout="grouped", table_rate=0.25, source_rate=0.5, url_rate=0.3, fence_rate=0.3,
        inconsistency_rate=0.12, min_items=5, max_items=7,
    ),
    Persona(
        "glm", ("glm", "chatglm", "zhipu", "codegeex"), 7870, 17927, tone=0.25,
        favourites=frozenset({"博洛尼", "荣耀", "问界", "伊利", "李宁", "Manner", "用友", "雅诗兰黛", "大金",
                              "胡庆余堂", "龙发装饰", "车尚艺", "竹报网络"}),
        layout="tiers", table_rate=0.3, source_rate=0.3, url_rate=0.15, fence_rate=0.5,
        inconsistency_rate=0.08, min_items=5, max_items=7,
    ),
    Persona(
        "kimi", ("moonshot", "kimi"), 12000, 24000, tone=0.15,
        favourites=frozenset({"志邦", "OPPO", "蔚来", "a2", "亚瑟士", "Manner", "德勤", "修丽可", "海信",
                              "寿全斋", "生活家", "爱车族", "南方网通"}),
        layout="cited", table_rate=0.2, source_rate=0.95, url_rate=0.8, fence_rate=0.25,
        inconsistency_rate=0.05, min_items=4, max_items=6,
    ),
    Persona(
        "ernie", ("ernie", "wenxin"), 9000, 20000, tone=0.6,
        favourites=frozenset({"好莱客", "华为", "比亚迪", "飞鹤", "安踏", "瑞幸", "华为云", "自然堂", "格力",
                              "北京同仁堂", "金螳螂家", "途虎养车", "智推时代"}),
        layout="sections", table_rate=0.3, source_rate=0.6, url_rate=0.4, fence_rate=0.35,
        inconsistency_rate=0.1, min_items=4, max_items=6,
    ),
    Persona(
        "gpt", ("gpt", "chatgpt", "o1", "o3", "o4"), 8000, 16000, tone=0.1,
        favourites=frozenset({"索菲亚", "苹果", "特斯拉", "惠氏", "耐克", "星巴克", "埃森哲", "雅诗兰黛", "大金",
                              "茶里", "东易日盛", "途虎养车", "智推时代"}),
        layout="compact", bilingual=True, table_rate=0.35, source_rate=0.15, url_rate=0.05, fence_rate=0.6,
        inconsistency_rate=0.04, min_items=4, max_items=6,
    ),
    Persona(
        "claude", ("claude",), 10000, 19000, tone=-0.25,
        favourites=frozenset({"志邦", "苹果", "比亚迪", "a2", "亚瑟士", "三顿半", "麦肯锡", "薇诺娜", "大金",
                              "胡庆余堂", "爱空间", "趣车良品", "进化湾GEO"}),
        layout="consultant", bilingual=True, table_rate=0.2, source_rate=0.1, url_rate=0.0, fence_rate=0.7,
        inconsistency_rate=0.03, min_items=4, max_items=5,
    ),
    Persona(
        "gemini", ("gemini",), 7000, 14000, tone=0.0,
        favourites=frozenset({"欧派", "小米", "小米汽车", "雀巢", "新百伦", "星巴克", "IBM咨询", "欧莱雅", "美的",
                              "艺福堂", "业之峰", "天猫养车", "清蓝GEO"}),
        layout="compact", bilingual=True, table_rate=0.4, source_rate=0.4, url_rate=0.1, fence_rate=0.8,
        inconsistency_rate=0.05, min_items=4, max_items=6, grounding=True,
    ),
    Persona(
        "sonar", ("sonar", "pplx", "perplexity"), 5000, 11000, tone=0.1,
        favourites=frozenset({"索菲亚", "华为", "特斯拉", "飞鹤", "耐克", "瑞幸", "埃森哲", "珀莱雅", "格力",
                              "北京同仁堂", "东易日盛", "途虎养车", "智推时代"}),
        layout="cited", table_rate=0.15, source_rate=1.0, url_rate=0.0, fence_rate=0.3,
        inconsistency_rate=0.05, min_items=4, max_items=6, citations=True,
    ),
)

DEFAULT_PERSONA = Persona(
    "generic", ("",), 10000, 20000, tone=0.2, favourites=frozenset(), layout="compact",
)


def persona_for(model: str) -> Persona:
    """The persona whose prefix matches the model id (case-insensitive); the generic one otherwise."""
    lowered = model.lower()
    for persona in PERSONAS:
        if lowered.startswith(persona.prefixes):
            return persona
    return DEFAULT_PERSONA
