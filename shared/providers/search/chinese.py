"""The Chinese engines' search dialects, by catalogue ``search`` name (merged into DIALECTS)."""

from __future__ import annotations

from shared.providers.search import (
    SearchClient,
    ark_responses,
    dashscope_native,
    glm_web_search,
    hunyuan,
    kimi_web_search,
    qianfan_web_search,
)

CHINESE_DIALECTS: dict[str, SearchClient] = {
    ark_responses.DIALECT: ark_responses.complete,
    dashscope_native.DIALECT: dashscope_native.complete,
    glm_web_search.DIALECT: glm_web_search.complete,
    kimi_web_search.DIALECT: kimi_web_search.complete,
    qianfan_web_search.DIALECT: qianfan_web_search.complete,
    hunyuan.DIALECT: hunyuan.complete,
}
