"""The diagnosis report: metrics (build), formats (JSON/Markdown/HTML/CSV), comparison, schemas.

The aggregator calls ``derive_run_status`` on the stored cells, then ``build_report`` and the
renderers. Metric definitions: docs/metrics.md.
"""

from pathlib import Path

from shared.report.build import build_report
from shared.report.compare import compare_reports, render_comparison
from shared.report.csvout import render_csv
from shared.report.formats import FORMATS, render
from shared.report.htmlpage import render_html
from shared.report.jsonout import report_from_json, report_to_json
from shared.report.markdown import render_markdown
from shared.report.status import derive_run_status
from shared.report.types import Comparison, Report


def write_schemas(directory: Path) -> list[Path]:
    """See shared.report.schemas. Imported on call: importing that module here would make
    ``python -m shared.report.schemas`` load it twice (runpy warns about exactly that)."""
    from shared.report.schemas import write_schemas as write

    return write(directory)


__all__ = [
    "FORMATS",
    "Comparison",
    "Report",
    "build_report",
    "compare_reports",
    "derive_run_status",
    "render",
    "render_comparison",
    "render_csv",
    "render_html",
    "render_markdown",
    "report_from_json",
    "report_to_json",
    "write_schemas",
]
