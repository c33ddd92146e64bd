"""The HTML report's answers: one collapsible block per cell with its status chip, metadata,
analysis line and the answer text with click-to-highlight evidence (html_evidence).

Every piece of model or user text is escaped with ``e`` (``html.escape``).
"""

from __future__ import annotations

from shared.report import html_evidence
from shared.report.fmt import money
from shared.report.html_style import e
from shared.report.types import CellView


def answer_chip(cell: CellView, main_brand: str) -> str:
    """The main brand's standing in this answer, readable while the answer is collapsed."""
    if cell.analysis is None:
        kind = "fail" if cell.error is not None else "miss"
        return f"<span class='chip {kind}'>{e(cell.status)}</span>"
    found = cell.analysis.brands.get(main_brand)
    if found is None or not found.mentioned:
        return f"<span class='chip miss'>{e(main_brand)} absent</span>"
    rank = "mentioned" if found.rank is None else f"#{found.rank}"
    return f"<span class='chip hit'>{e(main_brand)} {e(rank)}</span>"


def answer_details(cell: CellView, main_brand: str, key: str) -> str:
    meta = [f"status {cell.status}", f"attempts {cell.attempts}"]
    if cell.latency_ms is not None:
        meta.append(f"{cell.latency_ms / 1000:.1f} s")
    if cell.usage.output_tokens is not None:
        meta.append(f"{cell.usage.output_tokens} output tokens")
    if cell.cost is not None:
        meta.append(money(cell.cost, cell.currency))
    analysis = ""
    if cell.analysis is not None:
        # Name, rank and tone are labels that highlight their evidence (html_evidence, CSS only).
        analysis = f"<div class='meta'>{html_evidence.analysis_line(key, cell.analysis)}</div>"
    error = ""
    if cell.error is not None:
        error = f"<div class='meta err'>{e(cell.error.error_class)}: {e(cell.error.message)}</div>"
    body = cell.answer or "(no answer text)"
    return (
        f"<details><summary>Q{cell.question_index + 1} · {e(cell.model)} · sample {cell.sample} "
        f"{answer_chip(cell, main_brand)} <span class='st'>{e(cell.status)} · {e(cell.cell_id)}</span></summary>"
        f"{html_evidence.pickers(key, cell.analysis)}"
        f"<div class='meta'>{e(cell.question)}</div><div class='meta'>{e(' · '.join(meta))}</div>"
        f"{analysis}{error}<pre class='answer'>{html_evidence.answer_html(body, cell.analysis)}</pre></details>"
    )
