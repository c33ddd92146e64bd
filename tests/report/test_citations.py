"""The report's citation figures and surfaces (issue #18): per brand, the domains citing it; per
competitor, the domains citing it but never the brand; share per domain; the source taxonomy;
and api / api+search answers never counted in one figure.

Cells are analysed by the real analyser (attribution from the spans), then built into a report.
"""

from __future__ import annotations

import csv
import io

import msgspec

from shared.analysis import analyse
from shared.contracts import Brand, CellRecord, CellResult, CellSpec, DiagnosisRequest, RunRecord, Source, Span
from shared.report import build_report, render_csv, render_html, render_markdown
from shared.report.taxonomy import Taxonomy

MAIN, RIVAL, OTHER = "欧派", "索菲亚", "志邦"
BRAND = Brand(name=MAIN, aliases=["Oppein"], domains=["oppein.cn"])
RIVALS = [Brand(name=RIVAL, aliases=["SOGAL"]), Brand(name=OTHER)]
ANSWER = "欧派的环保做得好。索菲亚的性价比更高！志邦适合小户型。"
SOURCES = [
    Source(id="1", url="https://www.zhihu.com/question/1", domain="zhihu.com"),
    Source(id="2", url="https://post.smzdm.com/p/2", domain="post.smzdm.com"),
    Source(id="3", url="https://baike.baidu.com/item/3", domain="baike.baidu.com"),
    Source(id="4", url="https://www.oppein.cn/about", domain="oppein.cn"),
    Source(id="5", url="https://www.autohome.com.cn/5", domain="autohome.com.cn", kind="retrieved"),
]


def span(sentence: str, *ids: str) -> Span:
    start = ANSWER.index(sentence)
    return Span(start=start, end=start + len(sentence), source_ids=list(ids))


SPANS = [span("欧派的环保做得好。", "1", "4"), span("索菲亚的性价比更高！", "1", "2"), span("志邦适合小户型。", "3")]


def run_record(search: bool, models: list[str]) -> RunRecord:
    request = DiagnosisRequest(brand=BRAND, competitors=RIVALS, questions=["全屋定制品牌哪家好"], models=models,
                               search=search)
    return RunRecord(run_id="r", request=request, total=0, status="complete", created_at=1.0, deadline_at=2.0)


def record(cell_id: str, model: str, surface: str, answer: str = ANSWER, spans: list[Span] | None = None,
           sources: list[Source] | None = None) -> CellRecord:
    spans = SPANS if spans is None else spans
    sources = SOURCES if sources is None else sources
    result = CellResult(run_id="r", cell_id=cell_id, model=model, status="ok", answer=answer,
                        surface=surface, sources=sources, spans=spans)  # type: ignore[arg-type]  # literal surfaces
    return CellRecord(spec=CellSpec(cell_id=cell_id, question_index=0, question="全屋定制品牌哪家好", model=model,
                                    sample=int(cell_id[-1])),
                      result=result, analysis=analyse(answer, BRAND, RIVALS, sources=sources, spans=spans))


class TestCitationFigures:
    def test_domains_per_brand_gaps_and_shares(self) -> None:
        """Per brand the domains of its cited_sources; the gap lists what cites the rival but never
        us; each domain's share is its (answer, domain) pairs over all of them; retrieved never counts."""
        report = build_report(run_record(True, ["m"]), [record("c1", "m", "api+search")])
        (block,) = report.citations
        assert block.surface == "api+search" and block.answers == 1 and block.answers_with_citations.k == 1
        per_brand = {b.brand: [d.domain for d in b.domains] for b in block.brands}
        assert per_brand == {MAIN: ["oppein.cn", "zhihu.com"], RIVAL: ["post.smzdm.com", "zhihu.com"],
                             OTHER: ["baike.baidu.com"]}
        gaps = {g.competitor: [d.domain for d in g.domains] for g in block.gaps}
        assert gaps == {RIVAL: ["post.smzdm.com"], OTHER: ["baike.baidu.com"]}
        shares = {d.domain: d.share.value for d in block.domains}
        assert set(shares) == {"zhihu.com", "post.smzdm.com", "baike.baidu.com", "oppein.cn"}
        assert all(v == 0.25 for v in shares.values())

    def test_taxonomy_names_platforms_and_own_and_competitor_sites(self) -> None:
        """知乎/什么值得买 are UGC, 百度百科 an encyclopedia, Brand.domains the own site; a competitor's
        ASCII alias as a domain label makes its site a competitor site."""
        taxonomy = Taxonomy(BRAND, RIVALS)
        assert (taxonomy.kind("www.zhihu.com").platform, taxonomy.kind("zhihu.com").category) == ("知乎", "ugc")
        assert taxonomy.kind("post.smzdm.com").platform == "什么值得买"
        assert taxonomy.kind("baike.baidu.com").category == "encyclopedia"
        assert taxonomy.kind("tieba.baidu.com").platform == "百度贴吧"
        assert taxonomy.kind("mp.weixin.qq.com").platform == "微信公众号"
        assert taxonomy.kind("blog.csdn.net").platform == "CSDN"
        assert taxonomy.kind("www.autohome.com.cn").category == "vertical-media"
        assert taxonomy.kind("shop.oppein.cn").category == "own-site"
        assert taxonomy.kind("oppein.com").category == "own-site"  # alias "Oppein" as a label
        assert (taxonomy.kind("www.sogal.com").category, taxonomy.kind("sogal.com").platform) == \
            ("competitor-site", RIVAL)
        assert taxonomy.kind("example.org").category == "other"
        report = build_report(run_record(True, ["m"]), [record("c1", "m", "api+search")])
        kinds = {c.category: c.answers for c in report.citations[0].taxonomy}
        assert kinds == {"own-site": 1, "ugc": 2, "encyclopedia": 1}

    def test_rendered_sections_name_the_surface_and_the_gaps(self) -> None:
        """Markdown and HTML carry the citation sections per surface, the gap list and the taxonomy."""
        report = build_report(run_record(True, ["m"]), [record("c1", "m", "api+search")])
        markdown, page = render_markdown(report), render_html(report)
        for text in (markdown, page):
            assert "Citations by surface" in text and "Where to get cited" in text
            assert "post.smzdm.com" in text and "encyclopedia" in text and "api+search" in text
        assert "- Surface: `api+search`" in markdown


class TestCellsCarrySourcesAndSpans:
    def test_cell_fields_are_the_results_and_spans_index_the_stored_answer(self) -> None:
        """Each cell view has surface, sources (with kind) and spans whose offsets index ``answer`` as
        stored — also when the analyser read a shorter text (a cut self-report block)."""
        block = '\n```json\n{"geo_analysis": {"brand_mentioned": true, "rank": 1}}\n```\n\n'
        answer = "欧派的环保做得好。" + block + "索菲亚的性价比更高！"
        start = answer.index("索菲亚")
        spans = [Span(start=start, end=len(answer), source_ids=["2"])]
        report = build_report(run_record(True, ["m"]), [record("c1", "m", "api+search", answer, spans)])
        (view,) = report.cells
        assert view.surface == "api+search" and view.answer == answer
        assert [s.kind for s in view.sources] == ["cited", "cited", "cited", "cited", "retrieved"]
        assert [view.answer[s.start:s.end] for s in view.spans] == ["索菲亚的性价比更高！"]
        assert view.analysis is not None and view.analysis.brands[RIVAL].cited_sources == ["2"]
        wire = msgspec.json.decode(msgspec.json.encode(view))
        assert set(wire["sources"][0]) >= {"id", "url", "domain", "title", "kind"}
        assert set(wire["spans"][0]) == {"start", "end", "source_ids"}


class TestSurfacesNeverMixed:
    def test_api_and_search_cells_are_never_counted_in_one_figure(self) -> None:
        """Cells of both surfaces: every model row, matrix cell and citation block counts one surface;
        the overall and per-question figures count the request's surface only."""
        plain = ANSWER.replace("欧派的环保做得好。", "环保都不错。")  # the brand absent without search
        cells = [record("s1", "m", "api+search"), record("s2", "m", "api+search"),
                 record("a1", "m", "api", answer=plain, spans=[], sources=[])]
        report = build_report(run_record(True, ["m"]), cells)
        assert report.surfaces == ["api", "api+search"]
        rows = {(b.key, b.surface): (b.cells, b.analysed) for b in report.by_model}
        assert rows == {("m (api)", "api"): (1, 1), ("m (api+search)", "api+search"): (2, 2)}
        main = {b.surface: b.brands[0].visibility for b in report.by_model}
        assert (main["api"].k, main["api"].n, main["api+search"].k, main["api+search"].n) == (0, 1, 2, 2)
        assert [(m.model, m.surface, m.analysed) for m in report.matrix] == \
            [("m (api)", "api", 1), ("m (api+search)", "api+search", 2)]
        overall = report.brands[0].visibility
        assert (overall.k, overall.n) == (2, 2)
        with_sources = report.sources.answers_with_sources
        assert with_sources.n == 2  # the api answer is in no overall figure, this share included
        assert [(q.surface, q.cells, q.analysed) for q in report.by_question] == [("api+search", 2, 2)]
        assert [(c.surface, c.answers) for c in report.citations] == [("api", 1), ("api+search", 2)]
        assert report.citations[0].domains == []

    def test_a_run_on_one_surface_keys_rows_by_model_and_names_its_surface(self) -> None:
        """A search run's rows keep the model as key and carry surface "api+search" everywhere."""
        report = build_report(run_record(True, ["m", "n"]),
                              [record("c1", "m", "api+search"), record("c2", "n", "api+search")])
        assert [(b.key, b.surface) for b in report.by_model] == [("m", "api+search"), ("n", "api+search")]
        assert {m.surface for m in report.matrix} == {"api+search"} and report.surfaces == ["api+search"]
        assert {c.surface for c in report.cells} == {"api+search"}

    def test_csv_rows_carry_the_surface_and_the_source_domains(self) -> None:
        """cells.csv names each row's surface and the domains it cited apart from those only retrieved."""
        report = build_report(run_record(True, ["m"]), [record("s1", "m", "api+search"),
                                                        record("a1", "m", "api", spans=[], sources=[])])
        rows = {row["cell_id"]: row for row in csv.DictReader(io.StringIO(render_csv(report)))}
        assert (rows["s1"]["surface"], rows["a1"]["surface"]) == ("api+search", "api")
        assert rows["s1"]["sources_cited"] == "zhihu.com;post.smzdm.com;baike.baidu.com;oppein.cn"
        assert rows["s1"]["sources_retrieved"] == "autohome.com.cn"
        assert rows["a1"]["sources_cited"] == rows["a1"]["sources_retrieved"] == ""


class TestEscaping:
    def test_hostile_domains_and_brand_names_are_escaped_in_both_formats(self) -> None:
        """A domain or brand name holding markup shows as text in the citation sections."""
        hostile = [Source(id="1", url="https://x", domain="<script>alert(1)</script>.com")]
        cited = record("c1", "m", "api+search", sources=hostile, spans=[span("欧派的环保做得好。", "1")])
        report = build_report(run_record(True, ["m"]), [cited])
        assert report.citations[0].domains[0].domain.startswith("<script>")
        page, markdown = render_html(report), render_markdown(report)
        assert "<script>alert" not in page and "<script>alert" not in markdown
        assert "&lt;script&gt;alert(1)&lt;/script&gt;.com" in page
