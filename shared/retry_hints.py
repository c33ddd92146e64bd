"""When a provider says to try again: Retry-After, rate-limit reset headers, daily quota resets.

Kept apart from the classification in shared.errors because these read headers and clocks, not
error codes; shared.errors re-exports them.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import time
from collections.abc import Mapping


def duration_s(text: str) -> float | None:
    """google.rpc.RetryInfo.retryDelay as seconds (None when it is not a Duration)."""
    # google.rpc.RetryInfo.retryDelay is a protobuf Duration rendered as "37s" or "1.5s".
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)s\s*", text)
    return float(match.group(1)) if match else None


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms``, ``Retry-After`` (seconds or HTTP-date)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    ms = lowered.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


_GO_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")


def _reset_seconds(value: str, now: float) -> float | None:
    """A rate-limit reset header as seconds from now.

    OpenAI sends Go-style durations ("1s", "6m0s", "20ms"); others send plain seconds, or an
    epoch timestamp (anything past 2001 is read as one).
    """
    text = value.strip().lower()
    try:
        number = float(text)
    except ValueError:
        parts = _GO_DURATION.findall(text)
        if not parts or "".join(n + u for n, u in parts) != text:
            return None
        scale = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
        return sum(float(n) * scale[u] for n, u in parts)
    if number > 1e9:
        return max(0.0, number - now)
    return max(0.0, number)


def parse_ratelimit_reset(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds until the exhausted limit resets, from ``x-ratelimit-reset-requests/-tokens``.

    Used when there is no Retry-After. The reset of a limit whose ``x-ratelimit-remaining-*`` is
    0 decides; when neither says which limit ran out, the later reset does (waiting for the
    earlier one would only meet the other limit). Qianfan sends ``X-Ratelimit-Limit-*`` and
    ``X-Ratelimit-Remaining-*`` only, documenting that a spent quota refreshes within 60 s: no
    reset is known, so the retry policy's backoff decides.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    clock = time.time() if now is None else now
    resets: dict[str, float] = {}
    for kind in ("requests", "tokens"):
        raw = lowered.get(f"x-ratelimit-reset-{kind}")
        seconds = _reset_seconds(raw, clock) if raw else None
        if seconds is not None:
            resets[kind] = seconds
    if not resets:
        return None
    spent = [resets[k] for k in resets if lowered.get(f"x-ratelimit-remaining-{k}", "").strip() == "0"]
    return max(spent or resets.values())


# Gemini's per-day quotas reset at midnight Pacific time (ai.google.dev/gemini-api/docs/rate-limits).
_QUOTA_ZONE = "America/Los_Angeles"


def next_daily_reset(now: float | None = None) -> float:
    """Epoch seconds of the next midnight in the zone Gemini's daily quotas reset in."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    clock = time.time() if now is None else now
    try:
        zone: dt.tzinfo = ZoneInfo(_QUOTA_ZONE)
    except ZoneInfoNotFoundError:  # no tz database: UTC-8 (standard time) errs towards waiting longer
        zone = dt.timezone(dt.timedelta(hours=-8))
    local = dt.datetime.fromtimestamp(clock, zone)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0), zone)
    return midnight.timestamp()
