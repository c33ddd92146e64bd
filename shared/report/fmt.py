"""Shared number and text formatting for the human-readable renderers (Markdown, HTML, text).

Why one module: a null metric must read the same everywhere ("—" plus its reason), never 0.
"""

from __future__ import annotations

from datetime import UTC, datetime

from shared.report.types import Metric, Proportion

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
