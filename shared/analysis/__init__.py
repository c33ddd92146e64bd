"""Deterministic analysis of AI answers about brands (see docs/analysis.md).

The names below load on first use (PEP 562): ``shared.analysis.types`` is part of the wire
contract (report cells carry BrandAnalysis), and importing a contract must not load the analyser
— the client library imports contracts only (CONTRIBUTING.md, tests/layering).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.analysis.analyser import ANALYSER_VERSION, analyse
    from shared.analysis.jsonl import analyse_jsonl_line
    from shared.analysis.selfreport import parse_self_report

_HOMES = {
    "ANALYSER_VERSION": "shared.analysis.analyser",
    "analyse": "shared.analysis.analyser",
    "analyse_jsonl_line": "shared.analysis.jsonl",
    "parse_self_report": "shared.analysis.selfreport",
}

__all__ = ["ANALYSER_VERSION", "analyse", "analyse_jsonl_line", "parse_self_report"]


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
