"""Recognising recommended options and ranking brands among them, across answer layouts."""

from __future__ import annotations

from tests.analysis.helpers import run

FEATURE_BULLETS = """以下是推荐：

1. **麦肯锡（McKinsey & Company）**
   - 优势：战略咨询领先。
   - 特点：方法论成熟。
2. **埃森哲（Accenture）**
   - 优势：落地能力强。
3. **埃菲索**
   - 优势：性价比高。
"""


class TestListLayouts:
    def test_numbered_list_with_feature_bullets(self) -> None:
        """Numbered bold headers are options; their "- 优势：" bullets are not, and names drop the parentheses."""
        result = run(FEATURE_BULLETS, "埃菲索")
        assert result.recommended == ["麦肯锡", "埃森哲", "埃菲索"]
        assert result.brands["埃菲索"].rank == 3

    def test_bulleted_list(self) -> None:
        """Bulleted "- **名称**：描述" items are options in order."""
        answer = "- **华为**：影像强。\n- **苹果**：系统流畅。\n- **三星**：屏幕好。\n"
        assert run(answer, "三星").brands["三星"].rank == 3

    def test_headed_sections(self) -> None:
        """"### 1. 名称" sections rank like list items; the bullets under them are features."""
        answer = (
            "### 1. 北京同仁堂\n- **特点**：老字号。\n- **代表产品**：\n  - 菊花茶\n\n"
            "### 2. 元若曦\n- **特点**：新锐。\n"
        )
        result = run(answer, "元若曦")
        assert result.recommended == ["北京同仁堂", "元若曦"]
        assert result.brands["元若曦"].rank == 2

    def test_markdown_table(self) -> None:
        """A table's brand column lists options; a table without such a column lists none."""
        answer = (
            "| 品牌 | 特点 |\n|---|---|\n| 同仁堂 | 传统 |\n| 元若曦 | 新锐 |\n\n"
            "| 体质 | 推荐茶饮 |\n|---|---|\n| 气虚 | 人参茶 |\n"
        )
        result = run(answer, "元若曦")
        assert result.recommended == ["同仁堂", "元若曦"]
        assert result.brands["元若曦"].rank == 2

    def test_grouped_lists_rank_in_reading_order(self) -> None:
        """Several grouped lists ("一、国际品牌 … 二、国内品牌") rank across groups in reading order."""
        answer = (
            "### 一、国际品牌\n1. **麦肯锡**：战略。\n2. **埃森哲**：落地。\n\n"
            "### 二、国内品牌\n1. **汉得信息**：ERP。\n2. **埃菲索**：数字化。\n"
        )
        result = run(answer, "埃菲索", "埃森哲")
        assert result.recommended == ["麦肯锡", "埃森哲", "汉得信息", "埃菲索"]
        assert result.brands["埃菲索"].rank == 4
        assert result.brands["埃森哲"].rank == 2

    def test_plain_numbered_items_with_body_lines(self) -> None:
        """"1. 比亚迪" followed directly by its paragraph is one option (the Doubao layout)."""
        answer = "1. 比亚迪\n20万左右可选宋PLUS。\n\n2. 小米汽车\n小米SU7性能突出。\n"
        assert run(answer, "小米").brands["小米"].rank == 2


    def test_advice_titled_section_of_bare_brand_names(self) -> None:
        """A section titled like advice ("选购分析") whose entries are bare brand names lists the options."""
        answer = (
            "**2200元价位手机选购分析**\n\n"
            "1.  **华为 (Huawei)**\n    *   **现状分析**：以nova系列覆盖。\n"
            "2.  **小米 (Xiaomi) / Redmi**\n    *   **市场定位**：主打性能。\n"
        )
        result = run(answer, "华为", "小米")
        assert (result.brands["华为"].rank, result.brands["小米"].rank) == (1, 2)

    def test_header_naming_two_brands_ranks_the_first(self) -> None:
        """"- 小米、荣耀：…" is one entry: 小米 ranks, 荣耀 is mentioned there, unranked."""
        answer = "- 小米、荣耀：性价比更突出。\n- OPPO、vivo：时尚属性更强。\n"
        result = run(answer, "华为", "小米", "荣耀", "OPPO", "vivo")
        ranks = {name: b.rank for name, b in result.brands.items()}
        assert ranks == {"华为": None, "小米": 1, "荣耀": None, "OPPO": 2, "vivo": None}


class TestGuideLayouts:
    """Layouts the labelling guide names as options (docs/analysis.md, "Options")."""

    BRANDS = ("欧派", "索菲亚", "志邦")

    def ranks(self, answer: str) -> tuple[int | None, ...]:
        result = run(answer, *self.BRANDS)
        return tuple(result.brands[name].rank for name in self.BRANDS)

    def test_bold_lead_paragraphs_are_options(self) -> None:
        """"**欧派**：…" paragraphs, with or without blank lines between them, are options."""
        assert self.ranks("推荐：\n\n**欧派**：品质好。\n\n**索菲亚**：衣柜强。\n\n**志邦**：橱柜好。\n") == (1, 2, 3)
        assert self.ranks("**欧派**：品质好。\n**索菲亚**：衣柜强。\n**志邦**：橱柜好。\n") == (1, 2, 3)

    def test_ordinal_prefixes_are_not_names(self) -> None:
        """"No.1", "第一名：", "推荐一：", "TOP 1｜" and keycap digits number options like "1." does."""
        layouts = (
            ("**No.1 ", "**No.2 ", "**No.3 "),
            ("### 第一名：", "### 第二名：", "### 第三名："),
            ("### 推荐一：", "### 推荐二：", "### 推荐三："),
            ("### TOP 1｜", "### TOP 2｜", "### TOP 3｜"),
            ("### 1\ufe0f\u20e3 ", "### 2\ufe0f\u20e3 ", "### 3\ufe0f\u20e3 "),
        )
        for prefixes in layouts:
            close = "**" if prefixes[0].startswith("**") else ""
            pairs = zip(prefixes, self.BRANDS, strict=True)
            answer = "".join(f"{p}{name}{close}\n好。\n" for p, name in pairs)
            result = run(answer, *self.BRANDS)
            assert self.ranks(answer) == (1, 2, 3), prefixes
            assert result.recommended == list(self.BRANDS), prefixes

    def test_table_of_entries_without_a_name_header(self) -> None:
        """A table whose first (non-rank) column names tracked brands in two rows or more lists
        entries, whatever its header says ("| 排名 | 推荐 | 优势 |")."""
        answer = (
            "| 排名 | 推荐 | 优势 |\n|---|---|---|\n| 1 | **欧派** | 好 |\n| 2 | 索菲亚 | 强 |\n| 3 | 志邦 | 好 |\n"
        )
        assert self.ranks(answer) == (1, 2, 3)

    def test_table_comparing_brands_by_dimension_lists_no_entries(self) -> None:
        """Brands across the header row and criteria down the rows: the rows are not options."""
        answer = "| 维度 | 欧派 | 索菲亚 |\n|---|---|---|\n| 志邦对比 | 高 | 中 |\n| 欧派口碑 | 好 | 好 |\n"
        assert self.ranks(answer) == (None, None, None)


    def test_section_on_the_brands_the_user_named(self) -> None:
        """"**关于您提到的品牌分析：**" holds one entry per named brand: they rank, although the title
        reads like remarks; "关于您提到的其他品牌" sets brands aside from the recommendation: no rank."""
        answer = "**关于您提到的品牌分析：**\n*   **志邦**：橱柜起家。\n*   **欧派**：规模大。\n"
        assert self.ranks(answer) == (2, None, 1)
        answer = (
            "1. **欧派**：规模大。\n2. **索菲亚**：衣柜强。\n\n"
            "**关于您提到的其他品牌**：\n*   **志邦**：本次未列入。\n"
        )
        assert self.ranks(answer) == (1, 2, None)

    def test_list_of_kinds_with_examples_is_not_options(self) -> None:
        """A list whose every item is a kind followed by examples ("**柜体定制**：如衣柜、橱柜") names
        categories, not entries: the entries listed after it rank from 1."""
        answer = (
            "全屋定制通常包括：\n1. **柜体定制**：如衣柜、橱柜。\n2. **软装搭配**：例如窗帘、灯具。\n\n"
            "推荐品牌：\n- **索菲亚**：衣柜强。\n- **欧派**：规模大。\n"
        )
        result = run(answer, *self.BRANDS)
        assert result.recommended == ["索菲亚", "欧派"]
        assert self.ranks(answer) == (2, 1, None)


    def test_keycap_circled_and_parenthesised_numbers_mark_entries(self) -> None:
        """Lines numbered "1️⃣", "①" or "（一）" are list entries like "1." ones."""
        keycaps = ("1\ufe0f\u20e3 ", "2\ufe0f\u20e3 ", "3\ufe0f\u20e3 ")
        for marks in (keycaps, ("① ", "② ", "③ "), ("（一）", "（二）", "（三）")):
            answer = "".join(f"{mark}**{name}**：好。\n" for mark, name in zip(marks, self.BRANDS, strict=True))
            assert self.ranks(answer) == (1, 2, 3), marks

    def test_numbered_pick_labels_are_not_names(self) -> None:
        """"品牌一：", "方案二：", "选择三：" number the entry that follows them."""
        for word in ("品牌", "方案", "选择"):
            answer = "".join(f"### {word}{n}：{name}\n好。\n" for n, name in zip("一二三", self.BRANDS, strict=True))
            assert self.ranks(answer) == (1, 2, 3), word

    def test_dimension_heading_titled_like_a_feature(self) -> None:
        """A comparison dimension heading ("### 1. 价格") over per-brand bullets ranks them by first
        appearance, as any other dimension does; a "- 价格：" bullet stays a feature."""
        answer = "### 1. 价格\n- **志邦**：便宜。\n- **欧派**：贵。\n### 2. 环保\n- **索菲亚**：好。\n"
        assert self.ranks(answer) == (2, 3, 1)


    def test_numbered_headings_over_label_bullets_stay_options(self) -> None:
        """"### 1. **名称**" over "- **优势**：…" / "- **适用对象**：…" bullets is the option: a single
        unknown label bullet under it ("适用对象") does not replace the heading."""
        section = "### {n}. **{name}**\n- **优势**：\n  - 规模大。\n- **适用对象**：大户型。\n"
        names = ("金牌", "好莱客", "志邦")
        answer = "".join(section.format(n=n, name=name) for n, name in enumerate(names, start=1))
        result = run(answer, *self.BRANDS)
        assert result.recommended == list(names)
        assert self.ranks(answer) == (None, None, 3)


    def test_section_numbers_are_not_names(self) -> None:
        """"### 第一部分：如何选择…" is an advice section and "### 第二部分：品牌推荐" a group: the part
        number is no name, so the title after it decides."""
        answer = (
            "### 第一部分：如何选择靠谱的品牌？\n#### 1. 看板材\n- **颗粒板**：主流。\n- **密度板**：平整。\n"
            "### 第二部分：品牌推荐\n1. **志邦**：橱柜强。\n2. **欧派**：规模大。\n"
        )
        assert run(answer, *self.BRANDS).recommended == ["志邦", "欧派"]
        assert self.ranks(answer) == (2, None, 1)

    def test_prose_heading_is_an_entry_only_among_brand_headings(self) -> None:
        """A heading with only prose under it ("### 1. 金牌厨柜\n介绍…") is an entry when a sibling
        heading names a tracked brand; alone ("### 核心观点") it is a section title."""
        answer = "### 1. 金牌厨柜\n橱柜专业。\n### 2. 欧派\n规模大。\n"
        assert self.ranks(answer) == (2, None, None)
        answer = "### 核心观点\n没有唯一答案。\n### 推荐\n1. **索菲亚**：衣柜强。\n2. **欧派**：规模大。\n"
        assert self.ranks(answer) == (2, 1, None)

    def test_picks_in_order(self) -> None:
        """"首选：索菲亚" / "次选：欧派" list picks in order; "不推荐：志邦" is no option."""
        answer = "**推荐顺序**：\n- 首选：索菲亚（衣柜强）\n- 次选：欧派（规模大）\n- 不推荐：志邦（偏贵）\n"
        assert self.ranks(answer) == (2, 1, None)


    def test_per_brand_topic_sections_of_a_comparison(self) -> None:
        """"### 欧派的优势" … "### 志邦的优势": sibling sections each about a different tracked brand
        are the comparison's entries (one such section alone is the answer's subject)."""
        answer = "### 索菲亚的优势\n- 衣柜强\n### 欧派的优势\n- 规模大\n### 志邦的优势\n- 橱柜好\n"
        assert self.ranks(answer) == (2, 1, 3)

    def test_dimension_item_over_brand_bullets(self) -> None:
        """"1. **价格**" over "- 欧派：高" / "- 志邦：低" is a comparison dimension: brands rank by first
        appearance; a bullet comparing brands ("比索菲亚便宜") under it is no entry."""
        answer = "1. **价格**\n   - 志邦：低\n   - 欧派：高\n   - 比索菲亚便宜\n2. **环保**\n   - 欧派：好\n"
        assert self.ranks(answer) == (2, None, 1)

    def test_table_of_tiers_with_brands_in_the_next_column(self) -> None:
        """"| 定位 | 代表 |" over "| 高端 | 欧派 |": tiers first, the entries in the next column."""
        answer = "| 定位 | 代表 | 说明 |\n|---|---|---|\n| 高端 | 志邦 | 好 |\n| 中端 | 欧派 | 大 |\n"
        assert self.ranks(answer) == (2, None, 1)
        answer = "| 场景 | 推荐 |\n|---|---|\n| 追求品质 | 志邦 |\n| 追求规模 | 欧派 |\n"
        assert self.ranks(answer) == (None, None, None)

    def test_label_then_brand_in_a_bold_lead(self) -> None:
        """"1. **高端之选：欧派**" names its entry after the label."""
        answer = "1. **高端之选：索菲亚**\n衣柜强\n2. **规模之选：欧派**\n规模大\n"
        assert self.ranks(answer) == (2, 1, None)


    def test_options_dedupe_by_brand(self) -> None:
        """A brand's first heading counts; a later heading of the same brand under another spelling
        ("1. **欧派家居**" … "1. **欧派**") is no new option and takes no position."""
        answer = (
            "1. **欧派家居**：大\n2. **索菲亚**：强\n\n"
            "### 详细\n1. **欧派**：再说\n2. **金牌**：好\n3. **志邦**：好\n"
        )
        assert self.ranks(answer) == (1, 2, 4)


class TestNotOptions:
    def test_advice_section_is_not_ranked(self) -> None:
        """Lists under "选择建议"/"如何选择" are advice; brands named there get no rank."""
        answer = "1. **索菲亚**：衣柜专家。\n\n**选择建议：**\n1. **欧派**：适合预算充足的家庭。\n"
        result = run(answer, "欧派", "索菲亚")
        assert result.recommended == ["索菲亚"]
        assert result.brands["欧派"].rank is None
        assert result.brands["欧派"].mentioned

    def test_advice_items_are_not_options(self) -> None:
        """Bold advice headers ("优先看本地口碑", "技术与认证是硬指标") are not entities."""
        answer = "1. **优先看本地口碑与真实案例**：多看评价。\n2. **技术与认证是硬指标**：看授权。\n"
        assert run(answer, "趣车良品").recommended == []

    def test_passing_mention_is_not_a_rank(self) -> None:
        """A brand named only in prose is mentioned but unranked."""
        answer = "1. **比亚迪**：销量领先。\n2. **小鹏**：智驾强。\n\n小米目前还没有推出汽车。\n"
        found = run(answer, "小米").brands["小米"]
        assert found.mentioned and found.rank is None

    def test_topic_title_about_the_brand(self) -> None:
        """"**华为折叠屏的优势：**" describes the brand: competitors listed after it rank, 华为 does not."""
        answer = (
            "**华为折叠屏的优势：**\n- 技术领先：铰链可靠。\n- 系统优化：体验流畅。\n\n"
            "**竞品对比：**\n- 小米：性价比高。\n- Vivo：拍照强。\n"
        )
        result = run(answer, "华为", "小米", "Vivo")
        assert result.recommended == ["小米", "Vivo"]
        assert result.brands["华为"].rank is None

    def test_strengths_section_in_an_answer_comparing_brands(self) -> None:
        """"**华为折叠屏优势：**" ranks 华为 when the answer opens by naming several tracked brands (the
        question is not about 华为 alone, rulings); opening on 华为 alone, it is the subject's section."""
        body = (
            "**华为折叠屏优势：**\n- 技术领先：铰链可靠。\n- 系统优化：体验流畅。\n\n"
            "**竞品对比：**\n- 小米：性价比高。\n- Vivo：拍照强。\n"
        )
        result = run("我将分析华为、小米和Vivo的折叠屏表现。\n\n" + body, "华为", "小米", "Vivo")
        assert [result.brands[name].rank for name in ("华为", "小米", "Vivo")] == [1, 2, 3]
        result = run("我将分析华为折叠屏是否值得买。\n\n" + body, "华为", "小米", "Vivo")
        assert [result.brands[name].rank for name in ("华为", "小米", "Vivo")] == [None, 1, 2]

    def test_dimension_comparison_ranks_brands_once(self) -> None:
        """Brand bullets repeated under dimension headings ("1. 品牌定位") rank by first appearance."""
        answer = (
            "1. **品牌定位与规模**\n    *   **欧派**：龙头。\n    *   **志邦**：务实。\n"
            "2. **产品与设计**\n    *   **欧派**：丰富。\n    *   **志邦**：专业。\n"
        )
        result = run(answer, "志邦", "欧派")
        assert result.recommended == ["欧派", "志邦"]
        assert result.brands["志邦"].rank == 2


    def test_pros_and_cons_sections_list_aspects(self) -> None:
        """Under a pros/cons section of the answer's subject ("**口碑优势：**", "**常见争议与不足：**")
        the items are aspects, not options: only tracked brands listed later rank."""
        answer = (
            "**口碑优势：**\n1. **根基稳固**：起家早。\n2. **款式新颖**：年轻化。\n\n"
            "**常见争议与不足：**\n1. **交付偏慢**：工期长。\n\n"
            "**与同行对比：**\n- **vs 欧派**：规模更大。\n- **vs 索菲亚**：衣柜更强。\n"
        )
        result = run(answer, "志邦", "欧派", "索菲亚")
        assert result.recommended == ["vs 欧派", "vs 索菲亚"]
        assert (result.brands["欧派"].rank, result.brands["索菲亚"].rank) == (1, 2)

    def test_about_brand_section_is_not_an_option(self) -> None:
        """"**关于欧派**" introduces remarks on that brand (as "欧派的优势" does): no rank."""
        answer = "1. **索菲亚**：衣柜专家。\n2. **志邦**：橱柜好。\n\n**关于“欧派”**\n您提到的欧派本次未列入。\n"
        result = run(answer, "欧派", "索菲亚", "志邦")
        assert result.recommended == ["索菲亚", "志邦"]
        assert result.brands["欧派"].rank is None
        assert result.brands["欧派"].mentioned


    def test_how_to_choose_sentences_naming_brands_stay_advice(self) -> None:
        """Under "### 如何选择", "- 预算充足选**欧派**" is advice: only entries headed by a brand's
        name alone make an advice-titled section a list of options."""
        answer = "1. **索菲亚**：好。\n\n### 如何选择\n- 预算充足选**欧派**\n- 注重橱柜选**志邦**\n"
        result = run(answer, "欧派", "索菲亚", "志邦")
        assert result.recommended == ["索菲亚"]
        assert result.brands["欧派"].rank is None and result.brands["志邦"].rank is None

    def test_table_of_criteria_rows(self) -> None:
        """A table whose first column is headed as criteria ("对比项", "维度") has no entry rows, even
        when its cells name brands ("欧派的价格")."""
        answer = "| 对比项 | 结论 |\n|---|---|\n| 欧派的价格 | 贵 |\n| 志邦的环保 | 好 |\n"
        result = run(answer, "欧派", "志邦")
        assert (result.brands["欧派"].rank, result.brands["志邦"].rank) == (None, None)

    def test_channel_sections_are_not_options(self) -> None:
        """Sections on where to buy ("**购买渠道：**", "可以在以下平台购买：") list channels, not options."""
        for title in ("**购买渠道：**", "可以在以下平台购买：", "**线上渠道**"):
            answer = f"1. **索菲亚**：好。\n\n{title}\n- **京东**：正品。\n- **天猫**：旗舰店。\n"
            result = run(answer, "索菲亚", "京东", "天猫")
            assert result.recommended == ["索菲亚"], title
            assert result.brands["京东"].rank is None and result.brands["京东"].mentioned, title


class TestInterceptionAndDiscovery:
    def test_competitors_ranked_above_intercept(self) -> None:
        """Competitors ranked above the main brand intercept it; those below do not."""
        answer = "1. **小米**：性能。\n2. **华为**：生态。\n3. **Oppo**：快充。\n"
        assert run(answer, "华为", "小米", "Oppo").intercepted_by == ["小米"]

    def test_main_brand_absent_all_ranked_competitors_intercept(self) -> None:
        """When the main brand is not among the options, every ranked competitor intercepts it."""
        answer = "1. **比亚迪**：混动。\n2. **小鹏**：智驾。\n"
        assert run(answer, "小米", "小鹏", "比亚迪").intercepted_by == ["比亚迪", "小鹏"]

    def test_main_brand_first_no_interception(self) -> None:
        """Ranked first, the main brand is intercepted by nobody."""
        answer = "1. **华为**：生态。\n2. **小米**：性能。\n"
        assert run(answer, "华为", "小米").intercepted_by == []

    def test_discovered_entities(self) -> None:
        """Options the user did not list are discovered, in order; listed brands are not."""
        answer = "1. **同仁堂**：老字号。\n2. **元若曦**：新锐。\n3. **茶里（CHALI）**：袋泡茶。\n"
        result = run(answer, "元若曦", "喜纯")
        assert result.discovered == ["同仁堂", "茶里"]
