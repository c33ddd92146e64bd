"""The one error taxonomy of brandlens: every failure a cell can end with, and how it is classified.

::

    BrandlensError
    ├── RequestRejected         a diagnosis request failed validation (fields: list[FieldError]); code 400
    ├── ServiceUnavailable      a dependency (bus, store) is down; code 503
    ├── PermissionDenied        the NATS user may not do this (server permissions); code 403
    ├── RunNotFound             no run with this id (or its retention expired); code 404
    ├── RunNotFinished          the run is still going, its report is built when it ends; code 409
    └── CellError               ends a cell with a terminal status (shared.contracts.CellStatus)
        ├── ProviderError       raised for one HTTP call to a model provider
        │   ├── AuthError        → auth_error       401/403, invalid key            permanent, latches model
        │   ├── ConfigError      → config_error     404 model/endpoint not found,   permanent, latches model
        │   │                                       region unsupported, closed endpoint
        │   ├── BadRequest       → bad_request      400/413/422, context too long   permanent
        │   ├── ContentFiltered  → filtered         input/output filter (+partial,  permanent; an answer
        │   │                                       its usage kept)
        │   ├── RateLimited      → rate_limited     429, 200 with an error body     transient; quota gone: permanent;
        │   │                                       (retry_after_s)                 a daily quota latches until reset
        │   ├── UpstreamError    → upstream_error   5xx, 529 overloaded             transient, breaker
        │   ├── ProviderTimeout  → timeout          read/connect/total timeout      transient, breaker
        │   ├── Unreachable      → unreachable      DNS/connect/reset/TLS           transient, breaker
        │   └── Malformed        → malformed        2xx with unparsable/empty body  transient once
        └── PipelineError       raised by brandlens itself, not by a provider
            ├── CircuitOpen      → circuit_open
            ├── DeadlineExceeded → deadline_exceeded
            ├── Crashed          → crashed          handler failed MaxDeliver times
            └── BudgetExceeded   → budget_exceeded

Not in the tree: ``ok`` and ``truncated`` (stopped at the output-token cap: an answer, analysed,
flagged and counted) are what a client *returns*, never raises; see shared.providers.types.

Why one module: the adapter's retry layer, the circuit breaker, the health reporter and the
aggregator all decide on the same three flags (``transient``, ``counts_for_breaker``,
``latches_model``), so those decisions live on the classes rather than in scattered ``if`` chains.

Messages are sanitised at construction: providers echo keys back ("Incorrect API key provided:
sk-…"), and a message travels on the bus and into stored records, so it must never carry one.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import msgspec

from shared.contracts import CellStatus, ErrorInfo, FieldError, Usage
from shared.retry_hints import duration_s, next_daily_reset, parse_ratelimit_reset, parse_retry_after

MAX_MESSAGE = 300
REDACTED = "[redacted]"


# --- base classes ---------------------------------------------------------------------------


class BrandlensError(Exception):
    """Root of every error brandlens raises on purpose."""


class RequestRejected(BrandlensError):
    """A diagnosis request failed validation; ``fields`` says which field and why."""

    code: ClassVar[int] = 400

    def __init__(self, message: str, fields: Iterable[FieldError] = ()) -> None:
        self.message = sanitize(message)
        self.fields = list(fields)
        super().__init__(self.message)


class ServiceUnavailable(BrandlensError):
    """A dependency (NATS, a KV bucket, a stream) is down; the caller may try again later."""

    code: ClassVar[int] = 503

    def __init__(self, message: str) -> None:
        self.message = sanitize(message)
        super().__init__(self.message)


class PermissionDenied(BrandlensError):
    """The NATS server refused an operation for this user (subject permissions of its role).

    Raised instead of waiting out a timeout: the server answers a denied publish or subscribe
    with an asynchronous error, never on the request itself."""

    code: ClassVar[int] = 403

    def __init__(self, message: str) -> None:
        self.message = sanitize(message)
        super().__init__(self.message)


class RunNotFound(BrandlensError):
    """No run with this id exists (or its retention expired).

    Here rather than in shared.client: the aggregator raises it too, and services do not
    import the client library."""


class RunNotFinished(BrandlensError):
    """The run is still going; its report is built when it ends."""


class CellError(BrandlensError):
    """A failure that ends one cell with ``cell_status``.

    The class fixes the status and the defaults of the flags; an instance may override
    ``transient`` (a 429 for an exhausted quota is permanent, a 429 for a burst is not).
    """

    cell_status: ClassVar[CellStatus]
    default_transient: ClassVar[bool] = False
    # Only failures that say "this provider is unhealthy right now" open the breaker: a bad key
    # or a filtered prompt says nothing about whether the next call will work.
    counts_for_breaker: ClassVar[bool] = False
    # Failures that will repeat for every call until a person fixes the configuration.
    latches_model: ClassVar[bool] = False
    # How many retries a transient error deserves at most; None leaves it to the retry policy.
    retry_limit: ClassVar[int | None] = None

    def __init__(
        self,
        message: str = "",
        *,
        http_status: int | None = None,
        provider_code: str | None = None,
        retry_after_s: float | None = None,
        transient: bool | None = None,
        secrets: Iterable[str] = (),
    ) -> None:
        secrets = tuple(secrets)
        self.message = sanitize(message or self.cell_status, secrets)
        self.http_status = http_status
        self.provider_code = sanitize(provider_code, secrets)[:80] if provider_code else None
        self.retry_after_s = retry_after_s
        self.transient = self.default_transient if transient is None else transient
        super().__init__(self.message)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.cell_status!r}, http={self.http_status}, "
            f"code={self.provider_code!r}, message={self.message!r})"
        )


class ProviderError(CellError):
    """A failure of one HTTP call to a model provider."""


class PipelineError(CellError):
    """A failure brandlens itself decided (breaker, deadline, budget, poison message)."""


# --- provider errors ------------------------------------------------------------------------


class AuthError(ProviderError):
    cell_status = "auth_error"
    latches_model = True


class ConfigError(ProviderError):
    cell_status = "config_error"
    latches_model = True


class BadRequest(ProviderError):
    cell_status = "bad_request"


class ContentFiltered(ProviderError):
    """The provider's filter refused the prompt or cut the answer: a reportable outcome."""

    cell_status = "filtered"

    def __init__(self, message: str = "", *, partial_text: str = "", usage: Usage | None = None,
                 **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        # Text generated before the filter cut in; kept because it is part of the answer.
        self.partial_text = partial_text
        # A filter that cuts an answer part-way is billed for what was generated: the usage the
        # provider reported travels with the error so the cell keeps its cost.
        self.usage = usage


class RateLimited(ProviderError):
    cell_status = "rate_limited"
    default_transient = True

    def __init__(self, message: str = "", *, quota_reset_at: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        # Set when a per-day quota is spent (Gemini's QuotaFailure with a "PerDay" quotaId): no
        # call can succeed before this wall-clock time, so the model is latched until then
        # instead of every cell waiting out a retryDelay that means nothing.
        self.quota_reset_at = quota_reset_at
        if quota_reset_at is not None:
            self.transient = False


class UpstreamError(ProviderError):
    cell_status = "upstream_error"
    default_transient = True
    counts_for_breaker = True


class ProviderTimeout(ProviderError):
    cell_status = "timeout"
    default_transient = True
    counts_for_breaker = True


class Unreachable(ProviderError):
    cell_status = "unreachable"
    default_transient = True
    counts_for_breaker = True


class Malformed(ProviderError):
    cell_status = "malformed"
    default_transient = True
    # A garbled body may be a one-off (a proxy cut it); twice in a row it is the provider.
    retry_limit = 1


# --- pipeline errors ------------------------------------------------------------------------


class CircuitOpen(PipelineError):
    cell_status = "circuit_open"


class DeadlineExceeded(PipelineError):
    cell_status = "deadline_exceeded"


class Crashed(PipelineError):
    cell_status = "crashed"


class BudgetExceeded(PipelineError):
    cell_status = "budget_exceeded"


# --- sanitising -----------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_WHITESPACE = re.compile(r"\s+")
# "Basic" only before a base64-looking credential: "basic information" is prose.
_BEARER = re.compile(r"\b([Bb]earer|BEARER)\s+[^\s,;\"']+|\b(Basic)\s+[A-Za-z0-9+/=]{8,}")
_KEY_FIELD = re.compile(r"(?i)\b(api[_-]?key|x-goog-api-key|x-api-key|access_token|token|key)=[^\s&,;\"']+")
_KNOWN_KEYS = re.compile(
    r"\b(?:sk-[A-Za-z0-9_\-*.]{6,}"  # OpenAI, DeepSeek, DashScope, Moonshot, Anthropic (sk-ant-…)
    r"|AIza[0-9A-Za-z_\-]{20,}"  # Google API keys
    r"|xai-[A-Za-z0-9]{16,}"  # xAI
    r"|pplx-[A-Za-z0-9]{16,}"  # Perplexity
    r"|bce-v3/[A-Za-z0-9/_\-]+"  # Qianfan v2 API keys
    r")"
)
_HEX = re.compile(r"\b[0-9a-fA-F]{32,}\b")
# Long tokens mixing letters and digits look like keys (Ark keys are UUIDs, Zhipu keys are
# "<hex>.<alnum>"); redacting an occasional request id in a message is the cheaper mistake.
_TOKEN = re.compile(r"[A-Za-z0-9_\-+=.]{32,}")


def _redact_token(match: re.Match[str]) -> str:
    token = match.group(0)
    if any(c.isdigit() for c in token) and any(c.isalpha() for c in token):
        return REDACTED
    return token


def sanitize(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` safe to log or publish: no control characters, no key-like tokens, ≤ 300 chars.

    ``secrets`` are exact values (the model's key) replaced wherever they occur, whatever they
    look like; the patterns catch keys the caller did not know about.
    """
    text = _CONTROL.sub("", str(text))
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    text = _BEARER.sub(lambda m: f"{m.group(1) or m.group(2)} {REDACTED}", text)
    text = _KEY_FIELD.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    text = _KNOWN_KEYS.sub(REDACTED, text)
    text = _HEX.sub(REDACTED, text)
    text = _TOKEN.sub(_redact_token, text)
    text = _WHITESPACE.sub(" ", text).strip()
    if len(text) > MAX_MESSAGE:
        text = text[: MAX_MESSAGE - 1] + "…"
    return text


def to_error_info(exc: CellError) -> ErrorInfo:
    """The bus-safe form of ``exc`` (its message is already sanitised)."""
    return ErrorInfo(
        error_class=type(exc).__name__,
        message=exc.message,
        http_status=exc.http_status,
        provider_code=exc.provider_code,
    )


# --- HTTP classification --------------------------------------------------------------------

# One rule table for every provider: codes are compared lower-cased with '-' and '_' removed,
# and a rule ending in '*' matches dotted sub-codes (Ark's "SensitiveContentDetected.Violence",
# DashScope's "Throttling.RateQuota"). Numeric codes are Zhipu's business codes.
_PERMANENT_QUOTA = "quota"
_RULES: dict[str, tuple[type[ProviderError], str | None]] = {}


def _rule(cls: type[ProviderError], *codes: str, variant: str | None = None) -> None:
    for code in codes:
        _RULES[_norm(code)] = (cls, variant)


def _norm(code: str) -> str:
    return code.lower().replace("_", "").replace("-", "")


_rule(
    AuthError,
    "invalid_api_key", "InvalidApiKey", "AuthenticationError", "authentication_error",
    "invalid_authentication_error", "permission_error", "PERMISSION_DENIED", "UNAUTHENTICATED",
    "API_KEY_INVALID", "API_KEY_SERVICE_BLOCKED", "AccessDenied", "AccessDenied.*", "invalid_iam_token",
    "incorrect_api_key", "AuthFailure.*", "invalid_api_key_error", "permission_denied_error",
    "1000", "1001", "1002", "1003", "1004", "1100", "1110", "1111", "1112", "1121", "1220",
)  # fmt: skip
_rule(
    ConfigError,
    "model_not_found", "not_found_error", "NOT_FOUND", "InvalidEndpointOrModel.*", "ModelNotOpen",
    "ModelNotFound", "model_not_exist", "InvalidModel", "1211", "1221", "1222",
    # Repeat on every call until someone acts: Gemini's "User location is not supported for the API
    # use" and Ark's InvalidEndpoint.ClosedEndpoint (the inference endpoint was stopped).
    "FAILED_PRECONDITION", "InvalidEndpoint.*",
)  # fmt: skip
_rule(
    BadRequest,
    "context_length_exceeded", "request_too_large", "string_above_max_length", "InvalidParameter",
    "MissingParameter", "INVALID_ARGUMENT", "1210", "1212", "1213", "1214", "1215",
    "1261",
)  # fmt: skip
_rule(
    ContentFiltered,
    "content_filter", "content_policy_violation", "content_filter_error", "DataInspectionFailed",
    "data_inspection_failed", "SensitiveContentDetected.*", "InputTextSensitiveContentDetected",
    "OutputTextSensitiveContentDetected", "prompt_blocked", "sensitive_words_detected", "1301",
    # OpenAI 400: "Invalid prompt: your prompt was flagged as potentially violating our usage policy".
    "invalid_prompt",
)  # fmt: skip
_rule(
    RateLimited,
    "rate_limit_exceeded", "rate_limit_error", "rate_limit_reached_error", "RateLimitExceeded.*",
    "Throttling.*", "RESOURCE_EXHAUSTED", "rpm_rate_limit_exceeded", "tpm_rate_limit_exceeded",
    "too_many_requests", "1302", "1303", "1305",
    # Qianfan: 336501 RPM / 336502 TPM reached (sent with HTTP 200), 18 QPS reached (v1 API).
    "336501", "336502", "18",
)  # fmt: skip
_rule(
    RateLimited,
    "insufficient_quota", "exceeded_current_quota_error", "Arrearage", "QuotaExceeded",
    "QuotaExceeded.*", "AccountOverdueError", "insufficient_balance", "insufficient_user_quota",
    "billing_hard_limit_reached", "1113", "1304", "1308", "1310",
    "17",  # Qianfan v1: daily request limit reached
    variant=_PERMANENT_QUOTA,
)  # fmt: skip
_rule(
    UpstreamError,
    "api_error", "overloaded_error", "server_error", "INTERNAL", "UNAVAILABLE", "ServerOverloaded",
    "ServerOverloaded.*", "InternalServiceError", "InternalError", "InternalError.*", "engine_overloaded_error",
    "service_unavailable_error", "1230", "1234",
)  # fmt: skip
_rule(ProviderTimeout, "DEADLINE_EXCEEDED", "RequestTimeOut", "timeout")


def _match_rule(code: str) -> tuple[type[ProviderError], str | None] | None:
    key = _norm(code)
    if key in _RULES:
        return _RULES[key]
    # "sensitivecontentdetected.violence" → try "sensitivecontentdetected.*".
    parts = key.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        hit = _RULES.get(".".join(parts[:cut]) + ".*")
        if hit:
            return hit
    return None


def _by_status(status: int) -> tuple[type[ProviderError], str | None]:
    if 200 <= status < 300:
        # An error body under HTTP 200: Qianfan documents its rate limits this way, and gateways
        # relay upstream throttling as 200 {"error": {...}}. Retrying later is what works.
        return RateLimited, None
    if status in (401, 403):
        return AuthError, None
    if status == 402:  # DeepSeek "Insufficient Balance"
        return RateLimited, _PERMANENT_QUOTA
    if status == 404:
        return ConfigError, None
    if status in (408, 504):
        return ProviderTimeout, None
    if status == 429:
        return RateLimited, None
    if 400 <= status < 500:
        return BadRequest, None
    # 5xx, 529 (Anthropic overloaded) and anything a provider should never send.
    return UpstreamError, None


class _ErrorBody(msgspec.Struct, kw_only=True):
    """What the error bodies of every supported provider share, once flattened."""

    codes: list[str] = []
    message: str = ""
    request_id: str | None = None
    retry_delay_s: float | None = None
    # A google.rpc.QuotaFailure violation whose quotaId is per day ("…PerDayPerProjectPerModel…").
    daily_quota: bool = False


def _as_code(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | str) and str(value).strip():
        return str(value).strip()
    return None


def _parse_error_body(body: bytes) -> _ErrorBody:
    """Codes in the order that decides: most specific first (Gemini's reason, then code, type)."""
    try:
        doc: Any = msgspec.json.decode(body)
    except msgspec.DecodeError:
        text = body[:400].decode("utf-8", errors="replace")
        return _ErrorBody(message=re.sub(r"<[^>]+>", " ", text))
    if isinstance(doc, list) and doc:  # Gemini's streaming endpoint wraps errors in a list
        doc = doc[0]
    if not isinstance(doc, dict):
        return _ErrorBody()
    parsed = _ErrorBody(request_id=_as_code(doc.get("request_id") or doc.get("id")))
    err = doc.get("error")
    if isinstance(err, dict):
        for detail in err.get("details") or []:
            if not isinstance(detail, dict):
                continue
            reason = _as_code(detail.get("reason"))
            if reason:
                parsed.codes.append(reason)
            if isinstance(detail.get("retryDelay"), str):
                parsed.retry_delay_s = duration_s(detail["retryDelay"])
            for violation in detail.get("violations") or []:
                quota_id = violation.get("quotaId") if isinstance(violation, dict) else None
                if isinstance(quota_id, str) and "perday" in quota_id.lower():
                    parsed.daily_quota = True
        for field in ("code", "type", "status"):
            code = _as_code(err.get(field))
            # Gemini repeats the HTTP status as a number in error.code; it adds nothing.
            if code and not (field == "code" and code.isdigit() and len(code) == 3):
                parsed.codes.append(code)
        parsed.message = str(err.get("message") or "")
    elif isinstance(err, str):  # some gateways send {"error": "text"}
        parsed.message = err
    # DashScope native and a few gateways: top-level {"code": ..., "message": ...}.
    top = _as_code(doc.get("code"))
    if top and not (top.isdigit() and len(top) == 3):
        parsed.codes.append(top)
    if not parsed.message:
        parsed.message = str(doc.get("message") or doc.get("msg") or "")
    return parsed


def classify_http(
    protocol: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    secrets: Iterable[str] = (),
) -> ProviderError:
    """The ProviderError for a non-2xx answer (or an error event inside a 2xx stream).

    The provider's own code decides when it is known (an OpenAI 429 ``insufficient_quota`` is a
    permanent quota problem, a DashScope 400 ``DataInspectionFailed`` is a filter outcome); the
    HTTP status decides otherwise. ``protocol`` is accepted for symmetry with the clients and
    for codes that only one protocol defines; the rule table already spans all of them.
    """
    del protocol  # the codes of the three protocols do not collide, so one table serves all
    parsed = _parse_error_body(body)
    chosen: tuple[type[ProviderError], str | None] | None = None
    provider_code: str | None = None
    for code in parsed.codes:
        hit = _match_rule(code)
        if hit:
            chosen, provider_code = hit, code
            break
    if chosen is None:
        chosen = _by_status(status)
        provider_code = parsed.codes[0] if parsed.codes else None
    cls, variant = chosen
    retry_after = parse_retry_after(headers)
    if retry_after is None:
        retry_after = parsed.retry_delay_s
    if retry_after is None:
        retry_after = parse_ratelimit_reset(headers)
    detail = parsed.message.strip() or "no error message"
    label = f"HTTP {status}" + (f" {provider_code}" if provider_code else "")
    kwargs: dict[str, Any] = {
        "http_status": status,
        "provider_code": provider_code,
        "retry_after_s": retry_after,
        "secrets": secrets,
    }
    if variant == _PERMANENT_QUOTA:
        kwargs["transient"] = False
    if cls is RateLimited and parsed.daily_quota:
        kwargs["quota_reset_at"] = next_daily_reset()
        label += " (daily quota)"
    return cls(f"{label}: {detail}", **kwargs)


# --- transport classification ---------------------------------------------------------------


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 8:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _classify_one(exc: BaseException) -> type[ProviderError] | None:
    # Imported here so shared.errors stays importable by services that use neither client.
    import aiohttp
    import httpx

    if isinstance(exc, aiohttp.ServerTimeoutError):  # connect, sock_read and socket timeouts
        return ProviderTimeout
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ServerDisconnectedError | aiohttp.ClientOSError):
        return Unreachable
    if isinstance(exc, aiohttp.ClientConnectionError | aiohttp.ClientPayloadError):
        return Unreachable
    if isinstance(exc, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError):
        return ConfigError
    if isinstance(exc, httpx.TimeoutException):
        return ProviderTimeout
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return ConfigError
    if isinstance(exc, httpx.DecodingError):
        return Malformed
    if isinstance(exc, httpx.TransportError):  # connect, read, write, protocol, proxy errors
        return Unreachable
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return ProviderTimeout
    if isinstance(exc, ssl.SSLError | ConnectionError | OSError):
        return Unreachable
    return None


def classify_transport(exc: BaseException, *, secrets: Iterable[str] = ()) -> ProviderError:
    """The ProviderError for an exception raised while talking HTTP (no response to classify).

    The chain is searched from the outermost exception inwards, but an aiohttp original is
    preferred: httpx-aiohttp re-raises every ``aiohttp.ClientConnectionError`` (a refused port,
    a reset) as ``httpx.ConnectTimeout``, which on its own would read as a timeout.
    """
    if isinstance(exc, ProviderError):
        return exc
    chain = _chain(exc)
    import aiohttp

    ordered = [e for e in chain if isinstance(e, aiohttp.ClientError)] + chain
    cls: type[ProviderError] = Unreachable
    origin = exc
    for candidate in ordered:
        found = _classify_one(candidate)
        if found is not None:
            cls, origin = found, candidate
            break
    detail = str(origin).strip() or type(origin).__name__
    return cls(f"{type(origin).__name__}: {detail}", secrets=secrets)


__all__ = [
    "AuthError",
    "BadRequest",
    "BrandlensError",
    "BudgetExceeded",
    "CellError",
    "CircuitOpen",
    "ConfigError",
    "ContentFiltered",
    "Crashed",
    "DeadlineExceeded",
    "Malformed",
    "PipelineError",
    "ProviderError",
    "ProviderTimeout",
    "RateLimited",
    "RequestRejected",
    "ServiceUnavailable",
    "Unreachable",
    "UpstreamError",
    "classify_http",
    "classify_transport",
    "next_daily_reset",
    "parse_ratelimit_reset",
    "parse_retry_after",
    "sanitize",
    "to_error_info",
]
