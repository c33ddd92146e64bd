"""One entry point from a format name to bytes, shared by the aggregator, the CLI and the client."""

from __future__ import annotations

from shared.report.answers_out import render_answers
from shared.report.csvout import render_csv
from shared.report.htmlpage import render_html
from shared.report.jsonout import report_to_json
from shared.report.markdown import headline_md, render_markdown
from shared.report.types import Report

# The file formats; render() also takes "summary" (the one-line headline the CLI prints).
FORMATS: tuple[str, ...] = ("json", "md", "html", "csv", "answers")


def render(report: Report, fmt: str) -> bytes:
    if fmt == "json":
        return report_to_json(report)
    if fmt == "md":
        return render_markdown(report).encode()
    if fmt == "html":
        return render_html(report).encode()
    if fmt == "csv":
        return render_csv(report).encode()
    if fmt == "answers":
        return render_answers(report)
    if fmt == "summary":
        return headline_md(report).encode()
    raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)} or summary")
