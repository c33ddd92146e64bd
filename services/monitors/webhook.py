"""POSTing an alert to the monitor's webhook: signed, retried, and never in the way of a run.

The body is the alert's JSON. ``X-Brandlens-Signature: t=<unix seconds>,sha256=<hex>`` is
HMAC-SHA256 over ``<t>.<body>`` with the secret from the environment variable the spec names
(default ``BRANDLENS_WEBHOOK_SECRET``): the receiver recomputes it and rejects stale ``t`` (replay).
The secret is read here, in the monitors process, and goes nowhere else (not the bus, not logs).
Without the secret nothing is sent: an unsigned alert could not be told from a forged one.
Retries: transport errors, timeouts, 429 and 5xx, with exponential backoff; every attempt is
bounded, so a hanging receiver costs at most ``attempts × timeout_s`` of a background task.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import time

import httpx

from shared.logging import get_logger

log = get_logger("brandlens.monitors.webhook")

SIGNATURE_HEADER = "X-Brandlens-Signature"
ATTEMPTS = 4
TIMEOUT_S = 5.0
BACKOFF_S = 0.5


def signature(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},sha256={digest}"


def verify(secret: str, body: bytes, header: str, max_age_s: float = 300) -> bool:
    """What a receiver does (and the tests): recompute and compare in constant time."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(time.time() - timestamp) > max_age_s:
        return False
    return hmac.compare_digest(signature(secret, body, timestamp), header)


async def deliver(url: str, body: bytes, secret_env: str, *, attempts: int = ATTEMPTS,
                  timeout_s: float = TIMEOUT_S, backoff_s: float = BACKOFF_S) -> bool:
    """POST once it is accepted (2xx); False after the last attempt or without a secret."""
    secret = os.environ.get(secret_env)
    if not secret:
        log.warning("webhook_secret_missing", env=secret_env)
        return False
    async with httpx.AsyncClient(timeout=httpx.Timeout(timeout_s), follow_redirects=False) as client:
        for attempt in range(1, attempts + 1):
            headers = {"Content-Type": "application/json",
                       SIGNATURE_HEADER: signature(secret, body, int(time.time()))}
            try:
                response = await client.post(url, content=body, headers=headers)
                if response.is_success:
                    return True
                retry = response.status_code == 429 or response.status_code >= 500
                outcome = f"status {response.status_code}"
            except httpx.HTTPError as exc:
                retry, outcome = True, type(exc).__name__
            # The URL may carry a token in its query: log the host only.
            log.warning("webhook_attempt_failed", host=httpx.URL(url).host, attempt=attempt, outcome=outcome)
            if not retry or attempt == attempts:
                return False
            await asyncio.sleep(backoff_s * 2 ** (attempt - 1))
    return False
