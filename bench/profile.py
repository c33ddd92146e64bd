"""Sampling profiles of running services with py-spy (dev extra), summarised as the functions that
hold the most samples: "self" (the function itself was running) and "total" (it was on the stack).

py-spy attaches from outside (ptrace), so the profiled processes run unmodified; at the default
100 Hz it costs the target little, but a profiled run's throughput is not reported as a figure.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Any


def py_spy() -> str | None:
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


async def record(pid: int, seconds: float, out: Path) -> asyncio.subprocess.Process:
    binary = py_spy()
    if binary is None:
        raise FileNotFoundError("py-spy is not installed (pip install -e '.[dev]')")
    return await asyncio.create_subprocess_exec(
        binary, "record", "--pid", str(pid), "--duration", str(max(1, round(seconds))), "--format", "raw",
        "--rate", "200", "--nonblocking", "--gil", "--output", str(out),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )


def _frame_name(frame: str) -> str:
    # "function (path/to/module.py:123)" -> "function (module.py)"; line numbers split one function.
    name, _, location = frame.partition(" (")
    path = location.rstrip(")").rsplit(":", 1)[0]
    parts = Path(path).parts
    short = "/".join(parts[-2:]) if parts else path
    return f"{name} ({short})"


def summarise(collapsed: Path, top: int = 15) -> dict[str, Any]:
    """Top functions by self and total share of samples from py-spy's collapsed-stack output."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    if not collapsed.exists():
        return {"samples": 0, "self": [], "total": []}
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame_name(f) for f in stack.split(";") if f]
        if not frames:
            continue
        samples += count
        own[frames[-1]] += count
        for name in set(frames):
            total[name] += count

    def table(counter: Counter[str]) -> list[dict[str, Any]]:
        return [{"function": name, "share": round(n / samples, 4)} for name, n in counter.most_common(top)]

    return {"samples": samples, "self": table(own), "total": table(total)}
