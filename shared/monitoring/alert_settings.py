"""A monitor spec's ``alerts`` block: the knobs of the alert engine, validated like submit.

``{"level": 0.05, "persistence": 2, "baseline_runs": 4, "correction": "holm", "min_change": 0.1, "min_coverage": 0.8,
"kinds": [...], "webhook": "https://...", "webhook_secret_env": "BRANDLENS_WEBHOOK_SECRET"}``, all
optional. Every rejection names the field (``alerts.level``) and the reason. The webhook secret
itself never appears here: only the *name* of the environment variable that holds it.
"""

from __future__ import annotations

import re
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

import msgspec

from shared.contracts import FieldError
from shared.monitoring.alert_types import AlertKind

DEFAULT_SECRET_ENV = "BRANDLENS_WEBHOOK_SECRET"
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,63}$")
ALERT_KINDS: tuple[str, ...] = get_args(AlertKind)


class AlertSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    # Family-wise significance level of one run's comparisons (after the correction).
    level: float = 0.05
    # A change alerts only once it held (significant, same direction) for this many consecutive runs.
    persistence: int = 2
    # Judged runs before the window that form the "normal" it is compared with (at least
    # `persistence` are used): a longer baseline wobbles less, so drops show sooner and a lucky
    # baseline alone cannot raise an alert.
    baseline_runs: int = 4
    correction: Literal["holm", "bonferroni"] = "holm"
    # The smallest change worth telling a brand owner about (0.1 = 10 points), however significant.
    min_change: float = 0.1
    # Below this share of answered cells a run is not judged: it raises coverage_low instead.
    min_coverage: float = 0.8
    # Which kinds to raise (default all).
    kinds: list[AlertKind] = msgspec.field(default_factory=lambda: list(ALERT_KINDS))  # type: ignore[arg-type]
    webhook: str | None = None
    webhook_secret_env: str = DEFAULT_SECRET_ENV
    # Resamples of the question-level bootstrap that gives each alert's interval.
    bootstrap: int = 1000


def _field(exc: msgspec.ValidationError) -> tuple[str, str]:
    text = str(exc)
    reason, _, rest = text.partition(" - at `$")
    path = rest.rstrip("`").lstrip(".")
    return (f"alerts.{path}" if path else "alerts"), reason.strip()


def alert_settings_problems(raw: dict[str, Any]) -> tuple[AlertSettings | None, list[FieldError]]:
    """Decode and check an ``alerts`` block; (settings, []) or (None, the problems)."""
    try:
        settings = msgspec.convert(raw, AlertSettings)
    except msgspec.ValidationError as exc:
        field, reason = _field(exc)
        return None, [FieldError(field=field, reason=reason)]
    errors: list[FieldError] = []
    if not 0.0 < settings.level < 0.5:
        errors.append(FieldError(field="alerts.level", reason="must be between 0 and 0.5 (e.g. 0.05)"))
    if not 1 <= settings.persistence <= 10:
        errors.append(FieldError(field="alerts.persistence", reason="must be 1..10 runs"))
    if not 1 <= settings.baseline_runs <= 20:
        errors.append(FieldError(field="alerts.baseline_runs", reason="must be 1..20 runs"))
    if not 0.0 <= settings.min_change < 1.0:
        errors.append(FieldError(field="alerts.min_change", reason="must be within 0..1 (a share, 0.1 = 10 points)"))
    if not 0.0 <= settings.min_coverage <= 1.0:
        errors.append(FieldError(field="alerts.min_coverage", reason="must be within 0..1"))
    if not 100 <= settings.bootstrap <= 20000:
        errors.append(FieldError(field="alerts.bootstrap", reason="must be 100..20000 resamples"))
    if settings.webhook is not None:
        parts = urlsplit(settings.webhook)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            errors.append(FieldError(field="alerts.webhook", reason="must be an http(s) URL with a host"))
        elif parts.username or parts.password:
            errors.append(FieldError(field="alerts.webhook", reason="must not carry credentials "))
    if not _ENV_NAME.match(settings.webhook_secret_env):
        errors.append(FieldError(field="alerts.webhook_secret_env",
                                 reason="must be an environment variable name (A-Z, 0-9, _), not the secret"))
    if errors:
        return None, errors
    return settings, []


def alert_settings(raw: dict[str, Any]) -> AlertSettings:
    """The settings of a spec already validated at create time (defaults for an empty block)."""
    settings, errors = alert_settings_problems(raw)
    if settings is None:
        raise ValueError("; ".join(f"{e.field}: {e.reason}" for e in errors))
    return settings
