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
