"""CPU time and memory of a process, read from /proc (Linux), so every process of the stack —
nats-server included — is measured the same way from outside."""

from __future__ import annotations

import os
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str]:
    raw = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) may contain spaces: split after its closing parenthesis.
    return raw[raw.rindex(")") + 2:].split()


def children(pid: int) -> list[int]:
    """Live child processes (the aggregator's analysis workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat_fields(int(entry.name))[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue  # exited while we looked
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process and its children (live and exited) have used so far:
    a service's worker processes are part of its cost."""
    fields = _stat_fields(pid)
    # utime, stime, then cutime, cstime: children already waited for.
    own = sum(int(v) for v in fields[11:15]) / _TICKS
    live = 0.0
    for child in children(pid):
        try:
            live += cpu_seconds(child)
        except OSError:
            continue
    return own + live


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(f"{key} not in /proc/{pid}/status")


def rss_mb(pid: int) -> float:
    """Resident set size now."""
    return _status_kb(pid, "VmRSS") / 1024.0


def peak_rss_mb(pid: int) -> float:
    """Peak resident set size since the process started (VmHWM)."""
    return _status_kb(pid, "VmHWM") / 1024.0


def cpu_snapshot(pids: dict[str, int]) -> dict[str, float]:
    return {name: cpu_seconds(pid) for name, pid in pids.items()}


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: after[name] - before[name] for name in before if name in after}
