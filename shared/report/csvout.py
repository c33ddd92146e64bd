"""``render_csv``: cells.csv, one row per cell with a stable column order.

Columns: the fixed ``BASE_COLUMNS``, then one ``mentioned:<brand>`` / ``rank:<brand>`` pair per
brand the user tracks (main first, then competitors, request order), then ``answer`` last
because it is long. Text cells that a spreadsheet would run as a formula (starting with = + -
@ or a tab/CR) are prefixed with an apostrophe: the file is opened in Excel by people who did
not write the answers.
"""

from __future__ import annotations

import csv
import io

from shared.report.types import CellView, Report

BASE_COLUMNS = [
    "run_id",
    "cell_id",
    "question_index",
    "question",
    "model",
    "sample",
    "competitor",
    "status",
    "attempts",
    "latency_ms",
    "input_tokens",
    "output_tokens",
    "reasoning_tokens",
    "cost",
    "currency",
    "error_class",
    "error_message",
    "main_mentioned",
    "main_rank",
    "main_tone",
    "main_sentiment",
    "intercepted_by",
    "cited_domains",
    # Issue #18, appended (columns are read by header): the cell's surface and the domains of the
    # engine's sources it cited / only consulted, so api and api+search rows are never confused.
    "surface",
    "sources_cited",
    "sources_retrieved",
]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str | None) -> str:
    if not text:
        return ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _num(value: float | int | None) -> str:
    return "" if value is None else str(value)


def _flag(value: bool | None) -> str:
    return "" if value is None else ("1" if value else "0")


def _domains(cell: CellView, kind: str) -> str:
    return ";".join(dict.fromkeys(source.domain for source in cell.sources if source.kind == kind and source.domain))


def tracked_brands(report: Report) -> list[str]:
    names = [report.brand.name, *(c.name for c in report.competitors)]
    return list(dict.fromkeys(names))


def columns(report: Report) -> list[str]:
    per_brand = [f"{kind}:{name}" for name in tracked_brands(report) for kind in ("mentioned", "rank")]
    return [*BASE_COLUMNS, *per_brand, "answer"]


def _row(report: Report, cell: CellView, brands: list[str]) -> list[str]:
    analysis = cell.analysis
    main = analysis.brands.get(report.brand.name) if analysis else None
    row = [
        safe_text(report.run_id),
        safe_text(cell.cell_id),
        str(cell.question_index),
        safe_text(cell.question),
        safe_text(cell.model),
        str(cell.sample),
        safe_text(cell.competitor),
        cell.status,
        str(cell.attempts),
        _num(cell.latency_ms),
        _num(cell.usage.input_tokens),
        _num(cell.usage.output_tokens),
        _num(cell.usage.reasoning_tokens),
        _num(cell.cost),
        safe_text(cell.currency),
        safe_text(cell.error.error_class if cell.error else None),
        safe_text(cell.error.message if cell.error else None),
        _flag(main.mentioned if main else None),
        _num(main.rank if main else None),
        (main.tone or "") if main else "",
        _num(main.sentiment if main else None),
        safe_text(";".join(analysis.intercepted_by) if analysis else None),
        safe_text(";".join(analysis.cited_domains) if analysis else None),
        cell.surface,
        safe_text(_domains(cell, "cited")),
        safe_text(_domains(cell, "retrieved")),
    ]
    for name in brands:
        found = analysis.brands.get(name) if analysis else None
        row += [_flag(found.mentioned if found else None), _num(found.rank if found else None)]
    row.append(safe_text(cell.answer))
    return row


def render_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    brands = tracked_brands(report)
    writer.writerow([safe_text(c) for c in columns(report)])
    for cell in report.cells:
        writer.writerow(_row(report, cell, brands))
    return buffer.getvalue()
