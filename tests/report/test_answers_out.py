"""`--format answers`: a run's answers as JSON lines in the corpus's fields, readable by `brandlens analyze`.

The run is seeded from real answers analysed by the real analyser (tests/cli/seed.py), so the
round trip through `brandlens analyze`'s line protocol is checked against what the report holds.
"""

from __future__ import annotations

import json
import time

import msgspec

from shared.analysis.jsonl import analyse_jsonl_line
from shared.analysis.types import AnswerAnalysis
from shared.contracts import RunRecord
from shared.report import Report, build_report, render
from shared.report.answers_out import answer_id
from tests.cli.seed import seed_cells, seed_request

CORPUS_FIELDS = {"id", "platform", "model", "question", "brand", "competitors", "answer", "has_geo_json",
                 "latency_ms", "timestamp"}


def seeded_report() -> Report:
    request = seed_request(questions=2, models=2, samples=3)
    cells = seed_cells(request, "rtest")
    now = time.time()
    record = RunRecord(run_id="rtest", request=request, total=len(cells), status="complete", stage="done",
                       created_at=now - 10, deadline_at=now + 60, finished_at=now)
    return build_report(record, cells, generated_at=now)


def lines(report: Report) -> list[dict[str, object]]:
    return [json.loads(line) for line in render(report, "answers").decode().splitlines()]


class TestAnswersFormat:
    def test_one_line_per_cell_with_answer_text_in_the_corpus_fields(self) -> None:
        """Every cell with an answer gives one line holding the corpus's fields; failed cells none."""
        report = seeded_report()
        out = lines(report)
        answered = [c for c in report.cells if c.answer]
        assert len(out) == len(answered) < len(report.cells)
        for line, cell in zip(out, answered, strict=True):
            assert CORPUS_FIELDS <= set(line)
            assert (line["cell_id"], line["question"], line["answer"], line["model"]) == (
                cell.cell_id, cell.question, cell.answer, cell.model)

    def test_the_id_is_a_hash_of_question_and_answer(self) -> None:
        """The same question and answer collected twice have one id; another answer another id."""
        out = lines(seeded_report())
        assert all(line["id"] == answer_id(str(line["question"]), str(line["answer"])) for line in out)
        by_text: dict[tuple[object, object], set[object]] = {}
        for line in out:
            by_text.setdefault((line["question"], line["answer"]), set()).add(line["id"])
        assert all(len(ids) == 1 for ids in by_text.values())
        assert len({line["id"] for line in out}) == len(by_text)

    def test_lines_feed_brandlens_analyze_and_read_as_the_report_does(self) -> None:
        """Each line is a valid `brandlens analyze` input (brand and competitors with aliases), and
        the analysis it gives is the one in the report."""
        report = seeded_report()
        answered = [c for c in report.cells if c.answer]
        raw = render(report, "answers").decode().splitlines()
        for text, cell in zip(raw, answered, strict=True):
            analysis = msgspec.json.decode(analyse_jsonl_line(text), type=AnswerAnalysis)
            assert cell.analysis is not None
            assert analysis.brands == cell.analysis.brands
        brand = json.loads(raw[0])["brand"]
        assert (brand["name"], brand["aliases"]) == ("欧派", ["OPPEIN"])
