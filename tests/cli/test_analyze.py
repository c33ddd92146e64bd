"""`brandlens analyze`: JSON lines in, one analysis (or one error) per line out — no stack needed."""

from __future__ import annotations

import json

import msgspec

from shared.analysis import analyse
from shared.contracts import Brand
from tests.cli.conftest import brandlens
from tests.cli.seed import fixture_answers

BRAND = {"name": "欧派", "aliases": ["OPPEIN"]}
COMPETITORS = [{"name": "索菲亚"}, {"name": "志邦"}, {"name": "尚品"}]


def line(answer: str, **overrides: object) -> str:
    return json.dumps({"brand": BRAND, "competitors": COMPETITORS, "answer": answer, **overrides},
                      ensure_ascii=False)


class TestAnalyzeCommand:
    def test_each_line_yields_one_analysis_and_a_bad_line_a_structured_error(self) -> None:
        """Three lines in, three out, in order; the malformed middle line becomes an error line naming
        the field, the command still exits 0 and the lines around it are analysed."""
        first, second = fixture_answers()[0]["answer"], fixture_answers()[1]["answer"]
        bad = json.dumps({"brand": {"name": 5}, "answer": "欧派很好"})
        result = brandlens(None, "analyze", stdin="\n".join([line(first), bad, line(second)]) + "\n")
        assert result.returncode == 0, result.stderr
        out = [json.loads(text) for text in result.stdout.splitlines()]
        assert len(out) == 3
        assert out[1] == {"error": {"field": "brand.name", "reason": out[1]["error"]["reason"]}}
        assert "Expected `str`" in out[1]["error"]["reason"]
        for analysis in (out[0], out[2]):
            assert set(analysis["brands"]) == {"欧派", "索菲亚", "志邦", "尚品"}
            assert analysis["brands"]["欧派"]["mentioned"] is True

    def test_output_is_the_library_analysis_byte_for_byte(self) -> None:
        """The command prints exactly what `shared.analysis.analyse` returns for the same input."""
        answer = fixture_answers()[2]["answer"]
        result = brandlens(None, "analyze", stdin=line(answer, self_report_expected=True) + "\n")
        assert result.returncode == 0, result.stderr
        expected = analyse(answer, Brand(name="欧派", aliases=["OPPEIN"]),
                           [Brand(name=c["name"]) for c in COMPETITORS], self_report_expected=True)
        assert result.stdout.encode() == msgspec.json.encode(expected) + b"\n"

    def test_not_json_and_blank_lines(self) -> None:
        """A line that is not JSON gets an error line without a field; blank lines are skipped."""
        result = brandlens(None, "analyze", stdin="\n{oops\n\n" + line("索菲亚和欧派都不错") + "\n")
        assert result.returncode == 0, result.stderr
        out = [json.loads(text) for text in result.stdout.splitlines()]
        assert len(out) == 2
        assert out[0]["error"]["field"] is None and "not a JSON object line" in out[0]["error"]["reason"]
        assert out[1]["brands"]["索菲亚"]["mentioned"] is True
