"""Offline and analyst commands: analyze, reanalyze, compare, services."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from shared.analysis import analyse_jsonl_line
from shared.config import Settings


def add_commands(sub: Any) -> None:
    analyze = sub.add_parser("analyze", help="analyse JSONL answers on stdin, one analysis JSON per line out")
    analyze.set_defaults(func=cmd_analyze)


async def cmd_analyze(_settings: Settings, _args: argparse.Namespace) -> int:
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        sys.stdout.buffer.write(analyse_jsonl_line(line) + b"\n")
    sys.stdout.flush()
    return 0
