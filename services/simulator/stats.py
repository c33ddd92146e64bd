"""Server-side counters that let tests prove effects (calls made, concurrency, cancellations)."""

from __future__ import annotations

import time
from collections import defaultdict, deque


class Stats:
    def __init__(self, log_size: int = 20000) -> None:
        self._log_size = log_size
        self.reset()

    def reset(self) -> None:
        self.total = 0
        self.requests: defaultdict[str, int] = defaultdict(int)
        self.by_status: defaultdict[str, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.in_flight: defaultdict[str, int] = defaultdict(int)
        self.max_in_flight: defaultdict[str, int] = defaultdict(int)
        self.disconnects: defaultdict[str, int] = defaultdict(int)
        # (model, at, status, stream, auth): a tuple per request keeps the hot path allocation-light.
        self.log: deque[tuple[str, float, int, bool, str]] = deque(maxlen=self._log_size)

    def begin(self, model: str) -> None:
        self.total += 1
        self.requests[model] += 1
        current = self.in_flight[model] + 1
        self.in_flight[model] = current
        if current > self.max_in_flight[model]:
            self.max_in_flight[model] = current

    def end(self, model: str, status: int, stream: bool, auth: str, disconnected: bool) -> None:
        self.in_flight[model] -= 1
        if disconnected:
            self.disconnects[model] += 1
        self.by_status[model][str(status)] += 1
        self.log.append((model, time.time(), status, stream, auth))

    def snapshot(self) -> dict[str, object]:
        return {
            "total": self.total,
            "requests": dict(self.requests),
            "by_status": {model: dict(counts) for model, counts in self.by_status.items()},
            "in_flight": dict(self.in_flight),
            "max_in_flight": dict(self.max_in_flight),
            "disconnects": dict(self.disconnects),
        }

    def entries(self, model: str | None) -> list[dict[str, object]]:
        return [
            {"model": m, "at": at, "status": status, "stream": stream, "auth": auth}
            for m, at, status, stream, auth in self.log
            if model is None or m == model
        ]
