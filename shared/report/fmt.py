"""Shared number and text formatting for the human-readable renderers (Markdown, HTML, text).

Why one module: a null metric must read the same everywhere ("—" plus its reason), never 0.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime

from shared.report.types import BrandMetrics, Breakdown, Metric, Proportion

DASH = "—"


def pct(p: Proportion | None, *, interval: bool = False) -> str:
    if p is None or p.value is None:
        return DASH
    text = f"{p.value * 100:.0f}%"
    if interval and p.low is not None:
        text += f" ({ci(p)})"
    return text


def ci(p: Proportion) -> str:
    if p.low is None or p.high is None:
        return DASH
    return f"{p.low * 100:.0f}–{p.high * 100:.0f}%"


def share(m: Metric) -> str:
    return DASH if m.value is None else f"{m.value * 100:.0f}%"


def number(m: Metric, digits: int = 1) -> str:
    return DASH if m.value is None else f"{m.value:.{digits}f}"


def signed(m: Metric, digits: int = 2) -> str:
    if m.value is None:
        return DASH
    # round() first so a tiny negative prints as +0.0, not -0.0.
    return f"{round(m.value, digits) + 0.0:+.{digits}f}"


def money(amount: float | None, currency: str | None) -> str:
    if amount is None:
        return DASH
    return f"{amount:.4f} {currency or '(currency unknown)'}"


def when(epoch: float | None) -> str:
    if epoch is None:
        return DASH
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def main_brand(brands: list[BrandMetrics]) -> BrandMetrics | None:
    return next((b for b in brands if b.kind == "main"), None)


def interception(brand: BrandMetrics) -> str:
    """A competitor's interception rate, or how often the main brand was intercepted."""
    if brand.intercepted is not None:
        return f"intercepted {pct(brand.intercepted)}"
    return pct(brand.interception) if brand.interception is not None else DASH


# The columns after the label of a "By model" / "By question" row; the brand figures are the main brand's.
GROUP_HEADERS = ["Cells", "Answered", "Failed", "Coverage", "Visibility (95% CI)", "Avg rank", "First", "Intercepted"]


def group_label(group: Breakdown) -> str:
    return group.key if group.question_index is None else f"Q{group.question_index + 1} {group.key}"


def group_values(group: Breakdown) -> list[str]:
    main = main_brand(group.brands)
    return [
        str(group.cells),
        str(group.answered),
        str(group.failed),
        share(group.coverage),
        pct(main.visibility, interval=True) if main else DASH,
        number(main.avg_rank) if main else DASH,
        pct(main.first_rate) if main else DASH,
        pct(main.intercepted) if main else DASH,
    ]


# Markdown escaping, shared by every Markdown renderer: viewers render inline HTML and an answer
# is untrusted text; table cells also escape "|" and line breaks so no text breaks the table.
def md_text(text: str) -> str:
    return html.escape(text, quote=False)


def md_cell(text: str) -> str:
    return md_text(text).replace("|", "\\|").replace("\r", " ").replace("\n", " ")
