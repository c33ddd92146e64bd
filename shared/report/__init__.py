"""The diagnosis report: metrics (build), formats (JSON/Markdown/HTML/CSV), comparison, schemas.

The aggregator calls ``derive_run_status`` on the stored cells, then ``build_report`` and the
renderers. Metric definitions: docs/metrics.md.

The names below load on first use (PEP 562): ``shared.report.types`` is part of the wire contract,
and importing it must not load the builder or the analyser — the client library imports contracts
only (CONTRIBUTING.md, tests/layering).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.report.build import build_report
    from shared.report.compare import compare_reports, render_comparison
    from shared.report.csvout import render_csv
    from shared.report.formats import FORMATS, render
    from shared.report.htmlpage import render_html
    from shared.report.jsonout import report_from_json, report_to_json
    from shared.report.markdown import render_markdown
    from shared.report.status import derive_run_status
    from shared.report.types import Comparison, Report

_HOMES = {
    "FORMATS": "shared.report.formats",
    "Comparison": "shared.report.types",
    "Report": "shared.report.types",
    "build_report": "shared.report.build",
    "compare_reports": "shared.report.compare",
    "derive_run_status": "shared.report.status",
    "render": "shared.report.formats",
    "render_comparison": "shared.report.compare",
    "render_csv": "shared.report.csvout",
    "render_html": "shared.report.htmlpage",
    "render_markdown": "shared.report.markdown",
    "report_from_json": "shared.report.jsonout",
    "report_to_json": "shared.report.jsonout",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


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
