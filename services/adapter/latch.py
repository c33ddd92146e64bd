"""The model latch: once the provider rejects the key or the configuration, or a per-day quota
is spent, the model's remaining cells end at once without another HTTP call.

Separate from the caller because health (``brandlens models``, the adapter's ModelHealth) reads
it too: it is the model's state, not one cell's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from shared.contracts import CellStatus, ErrorInfo


@dataclass
class Latch:
    """Set on the first auth/config error; the model stays misconfigured until restarted.

    A spent per-day quota latches too, but only ``until`` its reset: the first call after it
    clears the latch and goes to the provider.
    """

    status: CellStatus | None = None
    error: ErrorInfo | None = None
    at: float | None = None
    until: float | None = None

    @property
    def reason(self) -> str | None:
        """Why the model takes no calls, for health and ``brandlens models``."""
        if self.status is None:
            return None
        detail = self.error.message if self.error else "rejected by the provider"
        if self.until is not None:
            reset = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(self.until))
            return f"quota_exhausted until {reset}: {detail}"
        return f"{self.status}: {detail}"

    @property
    def quota_exhausted(self) -> bool:
        return self.status is not None and self.until is not None

    def expire(self, now: float) -> None:
        """Lift a quota latch whose reset time has come."""
        if self.until is not None and now >= self.until:
            self.status, self.error, self.at, self.until = None, None, None, None
