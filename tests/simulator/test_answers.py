"""Persona answers: realistic shape, different tastes per model, determinism, self-report block."""

from __future__ import annotations

import json
import random
import re

import httpx
import pytest

from services.simulator.answers import compose_answer
from services.simulator.draws import UnitSeries, unit
from services.simulator.knowledge import CATEGORIES, find_brands, find_category
from services.simulator.prompts import parse_prompt
from tests.simulator.conftest import chat_text

CATEGORY_QUESTION = "全屋定制品牌哪家好"
FURNITURE = ("欧派", "索菲亚", "志邦", "尚品宅配", "好莱客", "金牌", "我乐", "皮阿诺", "博洛尼")
GEO_INSTRUCTION = "请在回答最后单独一行输出 JSON：{\"geo_analysis\": {...}}"


def brand_order(text: str, brands: tuple[str, ...] = FURNITURE) -> list[str]:
    """Brands in order of first bold mention (how list items name them)."""
    found = [(text.find(f"**{b}"), b) for b in brands if f"**{b}" in text]
    return [b for _, b in sorted(found)]


def geo_block(text: str) -> dict[str, object]:
    match = re.search(r"(?:```json\s*)?(\{\s*\"geo_analysis\".*\})\s*(?:```)?\s*$", text, re.S)
    assert match, text[-400:]
    block: dict[str, object] = json.loads(match.group(1))["geo_analysis"]
    return block


class TestShape:
    def test_category_answer_is_a_ranked_markdown_list(self, http: httpx.Client) -> None:
        """A category question gets an intro, 4–7 numbered options with bold brand names and feature bullets."""
        text = chat_text(http, "deepseek-chat", CATEGORY_QUESTION, seed=1)
        assert 4 <= len(brand_order(text)) <= 7
        assert re.search(r"^\s*1\.\s+\*\*", text, re.M) or re.search(r"^###? 1\. \*\*", text, re.M)
        assert "优势" in text

    @pytest.mark.parametrize("model", ["deepseek-chat", "qwen-max", "doubao-seed-1-6", "glm-4", "gpt-4o"])
    def test_brand_question_is_about_that_brand_with_alternatives(self, http: httpx.Client, model: str) -> None:
        """“欧派的口碑怎么样” is answered about 欧派 and names at least one alternative brand."""
        text = chat_text(http, model, "欧派的口碑怎么样", seed=2)
        assert text.count("欧派") >= 2
        assert any(b in text for b in FURNITURE if b != "欧派")

    def test_brand_tone_differs_between_personas(self) -> None:
        """Across brands, a positive persona (Doubao) praises more often than a critical one (Claude)."""
        def praise(model: str) -> int:
            return sum("较好" in compose_answer(model, f"{b}的口碑怎么样", "", 0, False).content for b in FURNITURE)
        assert praise("doubao-seed-1-6") > praise("claude-sonnet-4-5")

    def test_unknown_question_gets_a_generic_ranked_answer(self, http: httpx.Client) -> None:
        """A question with no known category or brand still gets a well-formed numbered answer."""
        text = chat_text(http, "glm-4", "周末去哪里玩比较好")
        assert re.search(r"^1\. \*\*", text, re.M) and re.search(r"^4\. \*\*", text, re.M)

    def test_unknown_brand_named_in_the_prompt_is_discussed(self, http: httpx.Client) -> None:
        """An unknown brand given as the main brand is answered about, with category alternatives."""
        body = {"model": "qwen-max", "messages": [
            {"role": "system", "content": "品牌：元若曦"}, {"role": "user", "content": "元若曦养生茶怎么样"}]}
        text = http.post("/v1/chat/completions", json=body, headers={"Authorization": "Bearer k"}).json()[
            "choices"][0]["message"]["content"]
        assert "元若曦" in text
        assert any(f"**{b}**" in text for b in ("北京同仁堂", "艺福堂", "茶里", "胡庆余堂", "寿全斋", "修正", "碧生源"))

    @pytest.mark.parametrize(("question", "category"), [
        ("3000元手机品牌推荐", "phone"),
        ("哪个品牌折叠手机好", "phone"),
        ("深圳新能源汽车改装哪家好", "car_modification"),
        ("20万左右的新能源汽车哪个品牌好", "nev"),
        ("养生茶品牌推荐", "wellness_tea"),
        ("北京装修公司哪家好", "renovation"),
        ("GEO服务哪家好", "geo_service"),
        ("数字转型咨询公司推荐", "digital_consulting"),
        ("婴儿奶粉哪个牌子好", "milk_powder"),
        ("跑鞋推荐", "sneakers"),
        ("咖啡豆品牌", "coffee"),
        ("敏感肌护肤品推荐", "skincare"),
        ("空调买哪个牌子", "appliances"),
    ])
    def test_corpus_questions_map_to_categories(self, question: str, category: str) -> None:
        """Real questions from the corpus are recognised by keyword, specific categories before general ones."""
        found = find_category(question)
        assert found is not None and found.key == category

    def test_longest_alias_wins_and_latin_needs_boundaries(self) -> None:
        """“小米汽车” is the car brand, not 小米 the phone; “NB” inside a word is no brand."""
        assert [b.name for b, _ in find_brands("小米汽车和特斯拉比")] == ["小米汽车", "特斯拉"]
        assert find_brands("UNBELIEVABLE") == []

    def test_unit_series_draws_what_unit_draws(self) -> None:
        """Extending one hashed prefix gives exactly unit(*prefix, last): rankings and sources rely on it."""
        for prefix in (("deepseek-chat", "全屋定制品牌哪家好 #7", 3), ("qwen", "欧派的口碑怎么样"), ("x",)):
            series = UnitSeries(*prefix)
            for last in ("欧派", "NB", 0, 2.5, ""):
                assert series(last) == unit(*prefix, last)

    def test_scan_agrees_with_one_alternation_regex(self) -> None:
        """find_brands finds what a single longest-first alternation over every alias finds (its former
        implementation), on texts made of aliases, keywords and Latin letters run together."""
        aliases: dict[str, str] = {}
        for category in CATEGORIES:
            for brand in category.brands:
                for alias in brand.aliases:
                    aliases.setdefault(alias.lower(), brand.name)
        reference = re.compile("|".join(
            rf"(?<![a-z0-9]){re.escape(a)}(?![a-z0-9])" if a.isascii() else re.escape(a)
            for a in sorted(aliases, key=len, reverse=True)))
        pieces = [*aliases, *(k for c in CATEGORIES for k in c.keywords), "A", "x", "9", " ", "和", "怎么样"]
        rng = random.Random(5)
        for _ in range(3000):
            text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))
            expected = list(dict.fromkeys(aliases[m.group(0)] for m in reference.finditer(text.lower())))
            assert [b.name for b, _ in find_brands(text)] == expected, text


class TestPersonasAndSeeds:
    def test_two_models_rank_the_same_question_differently(self, http: httpx.Client) -> None:
        """The same category question to DeepSeek and Qwen yields different brand orders."""
        deepseek = brand_order(chat_text(http, "deepseek-chat", CATEGORY_QUESTION, seed=4))
        qwen = brand_order(chat_text(http, "qwen-max", CATEGORY_QUESTION, seed=4))
        assert deepseek != qwen

    def test_same_seed_same_answer(self, http: httpx.Client) -> None:
        """A request seed pins the answer exactly."""
        assert chat_text(http, "doubao-seed-1-6", CATEGORY_QUESTION, seed=42) == \
            chat_text(http, "doubao-seed-1-6", CATEGORY_QUESTION, seed=42)

    def test_unseeded_repeats_vary_but_replay_after_reset(self, http: httpx.Client) -> None:
        """Without a seed, repeated samples differ a little; after a reset the same sequence comes back."""
        first = [chat_text(http, "glm-4", CATEGORY_QUESTION) for _ in range(6)]
        assert len(set(first)) > 1
        http.post("/_sim/reset").raise_for_status()
        assert [chat_text(http, "glm-4", CATEGORY_QUESTION) for _ in range(6)] == first


class TestSelfReport:
    def test_geo_block_appended_when_asked(self, http: httpx.Client) -> None:
        """A prompt mentioning geo_analysis gets a parseable block with the documented fields at the end."""
        prompt = f"{CATEGORY_QUESTION}\n\n{GEO_INSTRUCTION}"
        body = {"model": "deepseek-chat", "seed": 9,
                "messages": [{"role": "system", "content": "品牌：欧派"}, {"role": "user", "content": prompt}]}
        text = http.post("/v1/chat/completions", json=body, headers={"Authorization": "Bearer k"}).json()[
            "choices"][0]["message"]["content"]
        block = geo_block(text)
        assert set(block) == {"brand_mentioned", "rank", "sentiment", "cited_sources", "interception"}
        assert isinstance(block["rank"], int) and -1 <= block["rank"] <= 10
        assert isinstance(block["sentiment"], float | int) and -1 <= block["sentiment"] <= 1

    def test_no_block_without_the_marker(self, http: httpx.Client) -> None:
        """Without geo_analysis in the prompt the answer carries no JSON block."""
        assert "geo_analysis" not in chat_text(http, "deepseek-chat", CATEGORY_QUESTION)

    def test_block_mostly_agrees_with_text_and_sometimes_is_fenced(self) -> None:
        """Over many samples the self-report usually matches the text (mention and rank) but not always, as with
        real models, and both fenced and bare JSON forms occur."""
        samples, mismatches, fenced = 80, 0, 0
        for variant in range(samples):
            text = compose_answer("qwen-max", CATEGORY_QUESTION, "欧派", variant, True).content
            fenced += "```json" in text
            body = text.split("```json")[0] if "```json" in text else text[: text.rfind('{\n  "geo_analysis"')]
            order = brand_order(body)
            truth_rank = order.index("欧派") + 1 if "欧派" in order else -1
            block = geo_block(text)
            if block["brand_mentioned"] != ("欧派" in body) or block["rank"] != truth_rank:
                mismatches += 1
        assert 0 < mismatches < samples * 0.25
        assert 0 < fenced < samples

    def test_wrapper_lines_do_not_leak_into_the_question(self) -> None:
        """品牌/竞争对手 wrapper lines and the geo instruction are stripped; the brand line names the main brand."""
        prompt = parse_prompt([], [f"品牌：欧派\n竞争对手：索菲亚, 志邦\n{CATEGORY_QUESTION}\n{GEO_INSTRUCTION}"], [])
        assert prompt.question == CATEGORY_QUESTION
        assert prompt.main_brand == "欧派" and prompt.wants_geo
