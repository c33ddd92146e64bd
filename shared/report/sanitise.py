"""Last-line cleaning of error text before it reaches a report a brand owner may share.

Adapters already sanitise errors before publishing; this is defence in depth, because a
report is exported and forwarded: anything that looks like a credential is masked, control
characters are dropped and the text is capped.
"""

from __future__ import annotations

import re

MAX_MESSAGE = 500

_SECRET = re.compile(
    r"(?i)(bearer\s+|api[_-]?key[\"'=:\s]+|sk-|sk-ant-|AIza)[A-Za-z0-9._\-]{6,}"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def sanitise_message(text: str, limit: int = MAX_MESSAGE) -> str:
    cleaned = _CONTROL.sub("", _SECRET.sub(lambda m: f"{m.group(1)}[redacted]", text))
    if len(cleaned) > limit:
        return cleaned[: limit - 1] + "…"
    return cleaned
