"""Deterministic analysis of AI answers about brands (see docs/analysis.md)."""

from shared.analysis.analyser import ANALYSER_VERSION, analyse
from shared.analysis.jsonl import analyse_jsonl_line
from shared.analysis.selfreport import parse_self_report

__all__ = ["ANALYSER_VERSION", "analyse", "analyse_jsonl_line", "parse_self_report"]
