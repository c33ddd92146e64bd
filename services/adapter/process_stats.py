"""Leak introspection for the adapter's $SRV.STATS: open file descriptors, live event loops and
which event loop runs the process.

Separate from the service because these read the process (``/proc``, the garbage collector),
not the adapter's own state; the fault suite and operators check they go back to idle after a
run.
"""

from __future__ import annotations

import asyncio
import gc
import os
import time


def open_fd_count() -> int | None:
    """Open file descriptors of this process, where /proc tells (Linux); None elsewhere."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return None


# Walking every object costs milliseconds per 100k objects: at most once per this many
# seconds, whatever the rate of $SRV.STATS requests (a leak grows over minutes, not requests).
EVENT_LOOP_COUNT_TTL_S = 30.0
_event_loops_seen: tuple[float, int] | None = None


def event_loop_count() -> int:
    """Event loops alive in this process: one, unless something leaks loops (cached, see TTL)."""
    global _event_loops_seen
    now = time.monotonic()
    if _event_loops_seen is None or now - _event_loops_seen[0] >= EVENT_LOOP_COUNT_TTL_S:
        count = sum(isinstance(obj, asyncio.AbstractEventLoop) for obj in gc.get_objects())
        _event_loops_seen = (now, count)
    return _event_loops_seen[1]


def loop_kind() -> str:
    """Which event loop runs this process: "uvloop" or "asyncio" (BRANDLENS_EVENT_LOOP)."""
    return "uvloop" if type(asyncio.get_running_loop()).__module__.startswith("uvloop") else "asyncio"
