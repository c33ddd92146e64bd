"""Sentiment and tone from the sentences about a brand, with negation and contrast."""

from __future__ import annotations

from tests.analysis.helpers import run


class TestTone:
    def test_positive(self) -> None:
        """Praise ("口碑好", "值得推荐") gives a positive tone."""
        found = run("欧派品质可靠，口碑好，值得推荐。", "欧派").brands["欧派"]
        assert found.tone == "positive" and found.sentiment is not None and found.sentiment > 0

    def test_negative(self) -> None:
        """Complaints ("投诉多", "做工粗糙") give a negative tone."""
        assert run("某品牌投诉不断，做工粗糙，售后推诿。", "某品牌").brands["某品牌"].tone == "negative"

    def test_praise_with_a_drawback_is_neutral(self) -> None:
        """Praise and a stated drawback of the brand's own together are neutral (labelling guide),
        however many praise words there are."""
        found = run("欧派品质可靠，口碑好，设计出色，值得推荐，但价格偏高。", "欧派").brands["欧派"]
        assert found.sentiment is not None and found.sentiment > 0.15
        assert found.tone == "neutral"

    def test_point_of_comparison_takes_no_tone(self) -> None:
        """A brand named as the point of comparison ("略逊于欧派", "比欧派") takes none of the
        sentence's judgement; the brand compared does."""
        result = run("志邦做工精细，口碑好，但品类丰富度略逊于欧派。欧派成立于1994年。", "欧派", "志邦")
        assert result.brands["欧派"].tone == "neutral"
        assert result.brands["志邦"].tone == "neutral"  # praise and a drawback of its own

    def test_other_brand_inside_an_option_block_is_a_comparison(self) -> None:
        """A bullet under 小米's option that names only 华为 is about 小米, not 华为."""
        answer = (
            "1. **华为**\n   - 优势：生态成熟，口碑好。\n"
            "2. **小米**\n   - 优势：性价比高。\n   - 主要考虑：系统优化有待提升，华为用户需要适应。\n"
        )
        result = run(answer, "华为", "小米")
        assert result.brands["华为"].tone == "positive"
        assert result.brands["小米"].tone == "neutral"

    def test_neutral_fact(self) -> None:
        """A sentence without judgement words is neutral."""
        assert run("志邦成立于1998年，总部在合肥。", "志邦").brands["志邦"].tone == "neutral"

    def test_only_sentences_about_the_brand_count(self) -> None:
        """Praise of a competitor in another sentence does not lift the main brand."""
        result = run("小米性能出色，口碑好。华为成立于1987年。", "华为", "小米")
        assert result.brands["华为"].tone == "neutral"
        assert result.brands["小米"].tone == "positive"

    def test_option_body_counts_for_its_brand(self) -> None:
        """Feature bullets under a brand's option describe that brand even without naming it."""
        answer = (
            "1. **华为**\n   - 优势：影像出色，系统流畅，做工精湛。\n"
            "2. **小米**\n   - 问题：发热严重，品控较差。\n"
        )
        result = run(answer, "华为", "小米")
        assert result.brands["华为"].tone == "positive"
        assert result.brands["小米"].tone == "negative"


class TestNegation:
    def test_chinese_negators(self) -> None:
        """"不推荐", "不太好", "并不出色" read as negative, not positive."""
        for text in ("不推荐这个品牌A。", "品牌A不太好。", "品牌A并不出色。"):
            assert run(text, "品牌A").brands["品牌A"].tone == "negative", text

    def test_english_negation(self) -> None:
        """"not recommended" / "not good" are negative in English answers."""
        found = run("BrandX is not recommended; the service is not good.", "BrandX").brands["BrandX"]
        assert found.tone == "negative"

    def test_false_negators_do_not_flip(self) -> None:
        """"不仅…强" and "不错" are praise, not negation."""
        assert run("品牌A不仅性能强，而且做工不错。", "品牌A").brands["品牌A"].tone == "positive"

    def test_contrast_weighs_the_verdict(self) -> None:
        """After "但", the verdict weighs more: one praise then two drawbacks scores below zero,
        and the tone is neutral (the guide: praise and a stated drawback together)."""
        found = run("品牌A设计出色，但价格偏高，售后有限。", "品牌A").brands["品牌A"]
        assert found.sentiment is not None and found.sentiment < 0
        assert found.tone == "neutral"


class TestCaveats:
    """Drawbacks stated in words outside the lexicon still make praise neutral (labelling guide)."""

    def test_drawback_label_bullet_makes_praise_neutral(self) -> None:
        """A "考量点"/"注意" bullet in the brand's option is a stated drawback, however it is worded."""
        answer = "1. **欧派**\n   - **优势**：规模大，品质可靠。\n   - **考量点**：服务质量因店而异。\n"
        assert run(answer, "欧派").brands["欧派"].tone == "neutral"
        assert run(answer.replace("考量点", "适合人群"), "欧派").brands["欧派"].tone == "positive"

    def test_reservation_after_a_contrast_makes_praise_neutral(self) -> None:
        """Praise, then a contrast whose clause holds no praise ("但广告较多需手动关闭"): neutral."""
        assert run("小米系统功能丰富，但广告较多需手动关闭。", "小米").brands["小米"].tone == "neutral"
        assert run("小米系统功能丰富，但也很稳定。", "小米").brands["小米"].tone == "positive"

    def test_contrasts_that_are_no_reservation(self) -> None:
        """Advice to the reader, a description of who it suits and "包括但不限于" are no drawback;
        neither is a contrast in a sentence about several brands (it contrasts them)."""
        for sentence in ("小米做得不错，但还是建议您按需选择。", "小米性价比著称，适合追求性能但预算有限的用户。",
                         "小米口碑好，涵盖包括但不限于手机、平板。"):
            assert run(sentence, "小米").brands["小米"].tone == "positive", sentence
        found = run("华为影像领先，但小米的竞争力不容忽视。", "华为", "小米")
        assert found.brands["华为"].tone == "positive"

    def test_a_caveat_alone_judges_nothing(self) -> None:
        """No praise and no drawback word: a reservation alone leaves the tone neutral, not negative."""
        assert run("卡妙思有一定积累，但需提前沟通适配方案。", "卡妙思").brands["卡妙思"].tone == "neutral"


class TestLexiconEdges:
    def test_words_embedding_a_judgement_character_judge_nothing(self) -> None:
        """"优化", "优先", "差异化", "强调" hold 优/差/强 but judge nothing."""
        for sentence in ("元若曦动力优化。", "元若曦性能优先。", "元若曦打造差异化产品。", "元若曦强调个性化。"):
            assert run(sentence, "元若曦").brands["元若曦"].tone == "neutral", sentence

    def test_the_assistants_self_description_is_no_praise(self) -> None:
        """"作为专业顾问…" praises the assistant, "我无法提供…" is its limit: neither judges the brand."""
        assert run("作为您的专业顾问，我将分析欧派。", "欧派").brands["欧派"].tone == "neutral"
        assert run("我无法提供欧派的针对性介绍。", "欧派").brands["欧派"].tone == "neutral"

    def test_praise_outside_the_old_lexicon(self) -> None:
        """What a brand is known for or good at is praise ("著称", "擅长", "精致", "难以替代")."""
        for sentence in ("小米以性价比著称。", "索菲亚擅长收纳设计。", "Oppo外观精致。", "华为生态难以替代。"):
            name = next(n for n in ("小米", "索菲亚", "Oppo", "华为") if n in sentence)
            assert run(sentence, name).brands[name].tone == "positive", sentence

    def test_te_bie_is_no_negator(self) -> None:
        """"特别擅长" is praise: the 别 of 特别 does not negate."""
        assert run("志邦特别擅长空间设计。", "志邦").brands["志邦"].tone == "positive"


class TestPointsOfComparison:
    def test_brands_inside_a_comparison_frame_take_no_tone(self) -> None:
        """Every brand between "与" and "相比/类似" in one clause is the point of comparison: the
        praise after it is the other brand's ("与甲、乙相比，丙的优势在于…")."""
        result = run("与甲牌、乙牌等品牌相比，丙牌的优势在于做工出色。", "丙牌", "甲牌", "乙牌")
        assert result.brands["丙牌"].tone == "positive"
        assert result.brands["甲牌"].tone == "neutral"
        assert result.brands["乙牌"].tone == "neutral"

    def test_a_list_after_a_comparison_word_is_all_points_of_comparison(self) -> None:
        """A brand listed right after a point of comparison ("对比甲牌、乙牌") is one too."""
        result = run("丙牌做工好，但对比甲牌、乙牌，性价比偏低。", "丙牌", "甲牌", "乙牌")
        assert result.brands["乙牌"].tone == "neutral"
        assert result.brands["甲牌"].tone == "neutral"

    def test_relative_to_a_brand_is_a_comparison(self) -> None:
        """"相对甲牌稍弱" judges the brand compared, not 甲牌."""
        result = run("甲牌品质出色。\n- 乙牌：性价比高，但系统相对甲牌稍弱\n", "甲牌", "乙牌")
        assert result.brands["甲牌"].tone == "positive"
        assert result.brands["乙牌"].tone == "neutral"


class TestClauses:
    def test_each_clause_judges_the_brands_it_names(self) -> None:
        """In a sentence naming several brands, a clause's words judge only the brands that clause
        names; a clause naming none continues the one before it."""
        result = run("甲牌品质出色，口碑好，而乙牌、丙牌则各有特色。", "甲牌", "乙牌", "丙牌")
        assert result.brands["甲牌"].tone == "positive"
        assert result.brands["乙牌"].tone == "neutral"
        assert result.brands["丙牌"].tone == "neutral"

    def test_a_drawback_in_one_clause_stays_with_its_brand(self) -> None:
        """"甲牌做工出色，乙牌价格偏高": the drawback is 乙牌's alone, the praise 甲牌's alone."""
        result = run("甲牌做工出色，乙牌价格偏高。", "甲牌", "乙牌")
        assert result.brands["甲牌"].tone == "positive"
        assert result.brands["乙牌"].tone == "negative"

    def test_leading_clause_without_a_brand_goes_to_the_next_named(self) -> None:
        """An opening clause naming no brand ("在这个价位，…") belongs to the first clause that names one."""
        result = run("在这个价位段表现出色，甲牌和乙牌都有机型。", "甲牌", "乙牌")
        assert result.brands["甲牌"].tone == "positive" and result.brands["乙牌"].tone == "positive"


class TestPraiseWords:
    def test_easy_to_use_and_well_made_are_praise(self) -> None:
        """"易用" and "精良" praise; with a reservation after "但" they make the brand neutral."""
        assert run("甲牌系统易用。", "甲牌").brands["甲牌"].tone == "positive"
        assert run("甲牌设计精良。", "甲牌").brands["甲牌"].tone == "positive"
        assert run("甲牌系统易用，但部分功能需付费解锁。", "甲牌").brands["甲牌"].tone == "neutral"

    def test_value_for_money_phrases_are_praise(self) -> None:
        """"高性价比" and "性价比较高" praise the brand."""
        assert run("甲牌主打高性价比。", "甲牌").brands["甲牌"].tone == "positive"
        assert run("甲牌的性价比较高。", "甲牌").brands["甲牌"].tone == "positive"


class TestDrawbackWords:
    def test_room_to_improve_and_low_awareness_are_drawbacks(self) -> None:
        """"仍有提升空间" and "知名度相对低于…" state drawbacks: with praise, room to improve makes
        the brand neutral (low awareness is a mild drawback, TestMildDrawbacks), and "知名" inside
        them is no praise."""
        assert run("甲牌设计出色，但服务仍有提升空间。", "甲牌").brands["甲牌"].tone == "neutral"
        assert run("甲牌知名度相对低于同行。", "甲牌").brands["甲牌"].tone == "negative"
        assert run("甲牌的知名度较低。", "甲牌").brands["甲牌"].tone == "negative"


class TestReaderDescription:
    def test_a_drawback_word_in_what_the_reader_wants_judges_no_brand(self) -> None:
        """A drawback word inside a clause describing the reader ("追求品牌溢价", "适合不介意价格
        偏高的用户") is the reader's wish, not the brand's drawback."""
        assert run("- 追求旗舰体验与品牌溢价：甲牌是首选。", "甲牌").brands["甲牌"].tone == "positive"
        assert run("甲牌做工出色，适合不介意价格偏高的用户。", "甲牌").brands["甲牌"].tone == "positive"
        assert run("甲牌做工出色，但价格偏高。", "甲牌").brands["甲牌"].tone == "neutral"


class TestPastDrawbacks:
    def test_a_past_or_fixed_drawback_leaves_praise_positive(self) -> None:
        """A drawback stated as past ("早期曾受诟病") or since fixed ("但新款已有显著改进") is the
        rulings' past drawback: with praise, the brand stays positive."""
        answer = "甲牌影像出色。早期产品曾受诟病，但新款已有显著改进。"
        assert run(answer, "甲牌").brands["甲牌"].tone == "positive"
        assert run("甲牌影像出色，但做工粗糙。", "甲牌").brands["甲牌"].tone == "neutral"

    def test_an_empty_drawback_label_heads_bullets_judged_on_their_words(self) -> None:
        """"- 主要考虑：" with nothing after it heads sub-bullets: it is no drawback by itself;
        a drawback word in a sub-bullet still is."""
        answer = "1. **甲牌**\n   - 优势：影像出色\n   - 主要考虑：\n     - 产品线更精简\n"
        assert run(answer, "甲牌").brands["甲牌"].tone == "positive"
        answer = "1. **甲牌**\n   - 优势：影像出色\n   - 主要考虑：\n     - 价格偏高\n"
        assert run(answer, "甲牌").brands["甲牌"].tone == "neutral"
        answer = "1. **甲牌**\n   - 优势：影像出色\n   - 主要考虑：产品线更精简\n"
        assert run(answer, "甲牌").brands["甲牌"].tone == "neutral"


class TestMildDrawbacks:
    def test_a_drawback_of_age_or_standing_leaves_praise_positive(self) -> None:
        """A drawback of the brand's age or market standing ("但历史积淀相对较浅", "声量略低",
        "渠道覆盖略逊于乙牌") is the rulings' mild drawback: with praise, the brand stays positive."""
        assert run("甲牌设计创新，有优势，但历史积淀相对较浅。", "甲牌").brands["甲牌"].tone == "positive"
        assert run("甲牌影像出色，市场声量略低。", "甲牌").brands["甲牌"].tone == "positive"
        answer = "甲牌影像出色。甲牌的渠道覆盖可能略逊于乙牌。"
        assert run(answer, "甲牌", "乙牌").brands["甲牌"].tone == "positive"

    def test_a_drawback_of_the_product_still_counts(self) -> None:
        """Only age and standing are mild: a drawback of the product or price beside praise stays
        neutral; with no praise, a low standing still judges the brand."""
        assert run("甲牌设计创新，有优势，但做工相对粗糙。", "甲牌").brands["甲牌"].tone == "neutral"
        assert run("甲牌影像出色，价格偏高。", "甲牌").brands["甲牌"].tone == "neutral"
        assert run("甲牌影像出色，声量略低，价格偏高。", "甲牌").brands["甲牌"].tone == "neutral"
        assert run("甲牌知名度较低。", "甲牌").brands["甲牌"].tone == "negative"


class TestPronouns:
    def test_a_pronoun_sentence_continues_the_brand_before_it(self) -> None:
        """A sentence naming no brand that refers back by a pronoun ("其价格偏高") is about the one
        brand of the sentence right before it in the same paragraph."""
        result = run("甲牌口碑好，做工出色。然而，也有用户反馈其价格偏高。", "甲牌")
        assert result.brands["甲牌"].tone == "neutral"

    def test_no_pronoun_or_a_new_paragraph_does_not_continue(self) -> None:
        """Without a pronoun, or after a blank line, the sentence is about no brand; "其中" is no pronoun."""
        assert run("甲牌口碑好。也有用户反馈价格偏高。", "甲牌").brands["甲牌"].tone == "positive"
        assert run("甲牌口碑好。\n\n其价格偏高。", "甲牌").brands["甲牌"].tone == "positive"
        assert run("甲牌口碑好。其中部分门店较差。", "甲牌").brands["甲牌"].tone == "positive"
